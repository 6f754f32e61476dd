"""The JSON API under /api/v1: organisations, solutions and search.

Handlers parse and check the query, call one service function and shape the answer; the error
shape comes from `registry.web.errors`.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.exceptions import ServiceUnavailableException as ServiceUnavailable
from litestar.params import FromPath, FromQuery, QueryParameter

from registry import catalogue, collaboration, discover, organisations
from registry.accounts import ANONYMOUS
from registry.errors import ValidationFailed
from registry.vocabulary import ORGANISATION_KINDS, SOLUTION_KINDS
from search import Hit, SearchUnavailable

Page = Annotated[int, QueryParameter(ge=1, le=100_000, description="Page number, from 1")]
PerPage = Annotated[int, QueryParameter(ge=1, le=100, description="Items per page, at most 100")]
Kind = FromQuery[str | None]


def _one_of(name: str, value: str | None, allowed: dict[str, str]) -> str | None:
    if value is not None and value not in allowed:
        raise ValidationFailed({name: f"{name} must be one of: {', '.join(allowed)}"})
    return value


def paginated(items: list[dict], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def organisation_item(row: dict) -> dict:
    return {
        "slug": row["slug"],
        "name": row["name"],
        "kind": row["kind"],
        "org_id": row["org_id"],
        "gss_code": row["gss_code"],
        "iso_3166_2": row["iso_3166_2"],
        "is_island": bool(row["is_island"]),
        "url": f"/api/v1/organisations/{row['slug']}",
    }


def solution_item(row: dict) -> dict:
    return {
        "slug": row["slug"],
        "kind": row["kind"],
        "title": row["title"],
        "summary": row["summary"],
        "status": row["status"],
        "owner": row["owner"],
        "owner_name": row["owner_name"],
        "updated_at": row["updated_at"],
        "url": f"/api/v1/solutions/{row['slug']}",
    }


class OrganisationsApi(Controller):
    path = "/api/v1/organisations"
    tags = ["organisations"]

    @get("/", summary="List organisations")
    async def list(
        self, page: Page = 1, per_page: PerPage = 20, kind: Kind = None
    ) -> dict[str, Any]:
        _one_of("kind", kind, ORGANISATION_KINDS)
        rows, total = await organisations.list_organisations(
            kind=kind, page=page, per_page=per_page
        )
        return paginated([organisation_item(r) for r in rows], total, page, per_page)

    @get("/{slug:str}", summary="One organisation and what it owns, uses, wants and sponsors")
    async def detail(self, slug: FromPath[str]) -> dict[str, Any]:
        profile = await organisations.organisation_profile(slug)
        return {
            **organisation_item(profile),
            "website": profile["website"],
            "description": profile["description"],
            "source": profile["source"],
            "owns": profile["owns"],
            "uses": profile["uses"],
            "interested_in": profile["interests"],
            "sponsors": profile["pledges"],
        }


class SolutionsApi(Controller):
    path = "/api/v1/solutions"
    tags = ["solutions"]

    @get("/", summary="List published solutions")
    async def list(
        self, page: Page = 1, per_page: PerPage = 20, kind: Kind = None
    ) -> dict[str, Any]:
        _one_of("kind", kind, SOLUTION_KINDS)
        rows, total = await catalogue.list_solutions(kind=kind, page=page, per_page=per_page)
        return paginated([solution_item(r) for r in rows], total, page, per_page)

    @get("/{slug:str}", summary="One solution with who uses it, wants it and funds it")
    async def detail(self, request: Request, slug: FromPath[str]) -> dict[str, Any]:
        actor = request.scope.get("actor") or ANONYMOUS
        view = await collaboration.solution_with_activity(slug, actor)
        activity = view.pop("activity")
        for private in ("id", "owner_id"):
            view.pop(private)
        return {
            **view,
            "adoptions": activity["adoptions"],
            "interests": activity["interests"],
            "sponsorship": {
                "pledges": activity["pledges"],
                "pledged_pence": activity["pledged_pence"],
                "confirmed_pence": activity["confirmed_pence"],
                "staff_days": activity["staff_days"],
                "funding_target": view["funding_target"],
            },
            "counts": {
                "adopters": activity["adoption_count"],
                "councils_live": activity["councils_live"],
                "interested": activity["interest_count"],
                "interest_by_level": activity["interest_by_level"],
            },
        }


FilterValues = FromQuery[list[str] | None]


class SearchApi(Controller):
    path = "/api/v1/search"
    tags = ["search"]

    @get(
        "/",
        summary="Search solutions: text with typo tolerance, filters, facets, sort, pages",
        description=(
            "Repeat a filter to allow several values (OR); different filters combine with AND. "
            "Unknown parameter names are refused with 422. Answers 503 when the search engine "
            "is unavailable."
        ),
    )
    async def search(
        self,
        request: Request,
        state: State,
        q: FromQuery[str | None] = None,
        kind: FilterValues = None,
        status: FilterValues = None,
        service_area: FilterValues = None,
        characteristic: FilterValues = None,
        owner: FilterValues = None,
        licence: FilterValues = None,
        adopted_by: FilterValues = None,
        interested: FilterValues = None,
        sort: FromQuery[str | None] = None,
        page: FromQuery[str | None] = None,
        per_page: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        params = {name: request.query_params.getall(name) for name in request.query_params}
        asked = discover.parse(params)
        try:
            result = await discover.search(state.search_engine, asked)
        except SearchUnavailable as exc:
            raise ServiceUnavailable(
                "Search is unavailable just now; the catalogue can still be browsed at "
                "/api/v1/solutions"
            ) from exc
        return {
            "hits": [search_hit(hit) for hit in result.hits],
            "total": result.total,
            "page": asked.page,
            "per_page": asked.per_page,
            "sort": asked.sort,
            "facets": discover.public_facets(result),
            "took_ms": round(result.took_ms, 3),
        }


def search_hit(hit: Hit) -> dict[str, Any]:
    document = hit.document
    return {
        "slug": document["slug"],
        "kind": document["kind"],
        "title": document["title"],
        "summary": document["summary"],
        "status": document["status"],
        "owner": document["owner"],
        "owner_name": document["owner_name"],
        "highlight": {
            name: html
            for name, html in hit.highlights.items()
            if name in ("title", "summary") or "<mark>" in html
        },
        "url": f"/api/v1/solutions/{document['slug']}",
    }
