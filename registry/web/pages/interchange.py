"""Files for other systems: a component's publiccode.yml, a joint procurement's OCDS release, and
lists as CSV (discover's results, organisations, a solution's interests, pledges and adoptions).
Each route parses its input, calls one service in `registry.interchange`, and streams what it
returns."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Stream

from registry.interchange import csv_out, exporting, lists, ocds_export
from registry.web.pages.common import actor_of


def csv_response(filename: str, header: Sequence[str], rows: AsyncIterator[Sequence]) -> Stream:
    return Stream(
        csv_out.astream_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def discover_csv(request: Request, state: State) -> Stream:
    """Discover's results for the query and filters asked, every page: called by the discover
    page for `format=csv`."""
    params = {name: request.query_params.getall(name) for name in request.query_params}
    params.pop("notice", None)
    rows = await lists.discover_rows(state.search_engine, params)
    return csv_response("solutions.csv", lists.DISCOVER_HEADER, rows)


class InterchangePages(Controller):
    include_in_schema = False

    @get("/solutions/{slug:str}/publiccode.yml", name="solution-publiccode")
    async def publiccode(self, request: Request, slug: FromPath[str]) -> Response:
        text = await exporting.component_publiccode(slug, actor_of(request))
        return Response(
            text,
            media_type="application/yaml; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{slug}-publiccode.yml"'},
        )

    @get("/solutions/{slug:str}/ocds.json", name="solution-ocds")
    async def ocds(self, request: Request, slug: FromPath[str]) -> Response:
        text = await ocds_export.procurement_ocds(slug, actor_of(request))
        return Response(
            text,
            media_type="application/json; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{slug}-ocds.json"'},
        )

    @get("/solutions/{slug:str}/activity.csv", name="solution-activity-csv")
    async def activity(self, request: Request, slug: FromPath[str]) -> Stream:
        rows = lists.activity_rows(slug, actor_of(request))
        first = await anext(rows, None)  # a refusal (a draft, no such solution) comes first

        async def all_rows() -> AsyncIterator[Sequence]:
            if first is not None:
                yield first
                async for row in rows:
                    yield row

        return csv_response(f"{slug}-activity.csv", lists.ACTIVITY_HEADER, all_rows())

    @get("/organisations.csv", name="organisations-csv")
    async def organisations(self, request: Request) -> Stream:
        return csv_response(
            "organisations.csv", lists.ORGANISATIONS_HEADER, lists.organisation_rows()
        )
