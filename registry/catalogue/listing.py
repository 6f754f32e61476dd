"""The published catalogue listed from the database, narrowed by the search's filters.

`GET /api/v1/solutions` lists every published solution a page at a time, without the search
engine's cap on how deep pages go, and takes the same filters as search (`catalogue.searching`
checks and folds them). Each filter here means exactly what it means in the index
(`indexing.documents`): `adopted_by` counts live adoptions, `interested` interest not withdrawn,
`licence` a component's licence, and `owner`, `adopted_by` and `interested` organisations by
their folded slugs; values within a filter combine with OR, filters with AND.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from piccolo.columns.combination import WhereRaw
from piccolo.engine.postgres import PostgresEngine
from piccolo.query import OrderByRaw

from registry import db
from registry.catalogue.reading import summary_columns, summary_of
from registry.catalogue.views import SolutionSummary
from registry.indexing.documents import fold
from registry.tables import Adoption, ComponentDetail, Interest, Organisation, Solution

# The order a database listing keeps as the index does (title, case aside, then the id as text);
# the others are the search engine's, whose "updated" counts whole seconds.
SORTS = ("title",)
ORGANISATION_FILTERS = ("owner", "adopted_by", "interested")
# Filters over a JSON list of vocabulary values on the solution itself: filter -> column.
LIST_COLUMNS = {"service_area": "service_areas", "characteristic": "characteristics"}


def _json_list_has(column: str, values: Sequence[str]):
    """The solution's JSON list `column` holds one of `values` (stored as the vocabulary writes
    them, which is their folded form)."""
    marks = ", ".join("{}" for _ in values)
    if isinstance(db.database(), PostgresEngine):
        elements = f"json_array_elements_text(solution.{column}) AS element(value)"
    else:
        elements = f"json_each(solution.{column})"
    # `column` is one of LIST_COLUMNS' names, never input; the values are bound parameters.
    condition = f"EXISTS (SELECT 1 FROM {elements} WHERE value IN ({marks}))"  # noqa: S608
    return WhereRaw(condition, *values)


async def _organisation_ids(values: Sequence[str]) -> list[int]:
    rows = await Organisation.select(Organisation.id, Organisation.slug)
    wanted = set(values)
    return [row["id"] for row in rows if fold(row["slug"]) in wanted]


async def _licences(values: Sequence[str]) -> list[str]:
    """The licences as written whose folded form is asked for."""
    rows = await ComponentDetail.select(ComponentDetail.licence).distinct()
    wanted = set(values)
    return [row["licence"] for row in rows if row["licence"] and fold(row["licence"]) in wanted]


async def _where(filters: Mapping[str, list[str]]):
    """The condition of `filters`, or None when a filter names nothing that exists (so nothing
    can match)."""
    where = Solution.status != "draft"
    if "kind" in filters:
        where &= Solution.kind.is_in(filters["kind"])
    if "status" in filters:
        where &= Solution.status.is_in(filters["status"])
    for name, column in LIST_COLUMNS.items():
        if name in filters:
            where &= _json_list_has(column, filters[name])
    organisations = {
        name: await _organisation_ids(filters[name])
        for name in ORGANISATION_FILTERS
        if name in filters
    }
    if any(not ids for ids in organisations.values()):
        return None
    if "owner" in organisations:
        where &= Solution.owner.is_in(organisations["owner"])
    if "adopted_by" in organisations:
        where &= Solution.id.is_in(
            Adoption.select(Adoption.solution).where(
                (Adoption.status == "live")
                & Adoption.organisation.is_in(organisations["adopted_by"])
            )
        )
    if "interested" in organisations:
        where &= Solution.id.is_in(
            Interest.select(Interest.solution).where(
                Interest.withdrawn_at.is_null()
                & Interest.organisation.is_in(organisations["interested"])
            )
        )
    if "licence" in filters:
        written = await _licences(filters["licence"])
        if not written:
            return None
        where &= Solution.id.is_in(
            ComponentDetail.select(ComponentDetail.solution).where(
                ComponentDetail.licence.is_in(written)
            )
        )
    return where


async def list_published(
    filters: Mapping[str, list[str]], *, page: int = 1, per_page: int = 20
) -> tuple[list[SolutionSummary], int]:
    """Published solutions matching `filters` (folded values, as `searching.parse` gives them),
    in title order, a page at a time, with the total."""
    async with db.reading():
        where = await _where(filters)
        if where is None:
            return [], 0
        total = await Solution.count().where(where)
        rows = (
            await Solution.select(*summary_columns())
            .where(where)
            .order_by(OrderByRaw("lower(solution.title)"))
            .order_by(OrderByRaw("CAST(solution.id AS TEXT)"))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    return [summary_of(row) for row in rows], total


async def summaries_of(slugs: Sequence[str]) -> list[SolutionSummary]:
    """The published solutions called `slugs`, in that order (any since made a draft or
    deleted left out): what a listing shows of the search engine's hits."""
    if not slugs:
        return []
    rows = await Solution.select(*summary_columns()).where(
        Solution.slug.is_in(list(slugs)) & (Solution.status != "draft")
    )
    by_slug = {row["slug"]: summary_of(row) for row in rows}
    return [by_slug[slug] for slug in slugs if slug in by_slug]
