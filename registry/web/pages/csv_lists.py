"""More lists as CSV: the dashboard's adoption matrix, and a programme's milestones and its
recorded figures. Each is read within what its page shows anyone (the dashboard and programme
pages are public) and streamed by `csv_out` with formula-like cells neutralised."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Stream

from registry.interchange import lists
from registry.web.pages.interchange import csv_response


async def _checked(rows: AsyncIterator[Sequence]) -> AsyncIterator[Sequence]:
    """Rows whose first is read now, so a refusal (no such programme) is an error page, not a
    broken download."""
    first = await anext(rows, None)

    async def all_rows() -> AsyncIterator[Sequence]:
        if first is not None:
            yield first
            async for row in rows:
                yield row

    return all_rows()


class CsvListPages(Controller):
    include_in_schema = False

    @get("/dashboard/adoption-matrix.csv", name="dashboard-matrix-csv")
    async def matrix(self) -> Stream:
        return csv_response(
            "adoption-matrix.csv", lists.MATRIX_HEADER, await _checked(lists.matrix_rows())
        )

    @get("/programmes/{slug:str}/milestones.csv", name="programme-milestones-csv")
    async def milestones(self, slug: FromPath[str]) -> Stream:
        rows = await _checked(lists.milestone_rows(slug))
        return csv_response(f"{slug}-milestones.csv", lists.MILESTONES_HEADER, rows)

    @get("/programmes/{slug:str}/figures.csv", name="programme-figures-csv")
    async def figures(self, slug: FromPath[str]) -> Stream:
        rows = await _checked(lists.figure_rows(slug))
        return csv_response(f"{slug}-figures.csv", lists.FIGURES_HEADER, rows)
