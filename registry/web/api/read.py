"""The JSON API's reads under /api/v1: organisations, solutions and search.

Handlers take typed query parameters (so the OpenAPI document states exactly what is accepted:
bounds, enums, lengths), call one service function and answer with the typed shapes of
`registry.web.api.schemas`. Every status an operation can return is declared beside it; refusals
come out in the one error shape of `registry.web.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Literal, get_args, get_origin

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ServiceUnavailableException as ServiceUnavailable
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, QueryParameter

from registry import catalogue, organisations
from registry.accounts import ANONYMOUS, Actor
from registry.catalogue import listing as listing_of
from registry.catalogue import searching
from registry.catalogue.kinds import KINDS
from registry.catalogue.views import (
    Link,
    OrganisationRef,
    SolutionRef,
    SolutionSummary,
    SolutionView,
)
from registry.errors import ValidationFailed
from registry.organisations import OrganisationSummary
from registry.web.api import schemas
from registry.web.api.common import READ_SECURITY, TOKEN_RESPONSES
from registry.web.api.schemas import (
    Characteristic,
    OrganisationKind,
    ServiceArea,
    SolutionKind,
    SolutionStatus,
    Sort,
)
from search import MAX_TOTAL_HITS, Hit, SearchUnavailable


def actor_of(request: Request) -> Actor:
    return request.scope.get("actor") or ANONYMOUS  # type: ignore[return-value]


MAX_PAGE = 100_000
Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page number, from 1")]
PerPage = Annotated[int, QueryParameter(ge=1, le=100, description="Items per page, at most 100")]


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=schemas.ErrorBody, description=description, generate_examples=False
    )


UNREADABLE = _error("The request could not be read (the error shape says why)")
INVALID = _error("A parameter is not valid: `fields` names each one with the reason")
NOT_FOUND = _error("Nothing has that slug (drafts exist only for their owners)")
LIST_RESPONSES = {400: UNREADABLE, 422: INVALID, **TOKEN_RESPONSES}
DETAIL_RESPONSES = {400: UNREADABLE, 404: NOT_FOUND, **TOKEN_RESPONSES}
SEARCH_DOWN = _error(
    "The search engine is unavailable; /api/v1/solutions still lists without q, by title"
)
SEARCH_DOWN_MESSAGE = (
    "Search is unavailable just now; the catalogue can still be listed at /api/v1/solutions "
    "without q, in title order"
)


def _as_given(
    request: Request,
    choices: Mapping[str, tuple[str, ...]] | None = None,
    once: tuple[str, ...] | None = None,
) -> None:
    """A list's parameters (or those named in `once`) are each given once, and each named in
    `choices` is one of them as written: Litestar would take the first of repeated values, and
    read `kind=null` as no kind."""
    problems = {
        name: f"{name} can be given only once"
        for name in request.query_params
        if (once is None or name in once) and len(request.query_params.getall(name)) > 1
    }
    for name, allowed in (choices or {}).items():
        value = request.query_params.get(name)
        if name not in problems and value is not None and value not in allowed:
            problems[name] = f"{name} must be one of: {', '.join(allowed)}"
    if problems:
        raise ValidationFailed(problems, "; ".join(problems.values()))


def listing(summary: str, description: str | None = None, **extra):
    """A list endpoint: anyone reads it (a token reads as its person), its refusals are the
    lists' (422 naming each bad parameter)."""
    return get(
        "/",
        summary=summary,
        description=description,
        responses={**LIST_RESPONSES, **extra.pop("responses", {})},
        security=READ_SECURITY,
        **extra,
    )


def _solution_ref(ref: SolutionRef) -> schemas.SolutionRef:
    return schemas.SolutionRef(
        slug=ref.slug,
        title=ref.title,
        kind=ref.kind,
        status=ref.status,
        url=f"/api/v1/solutions/{ref.slug}",
    )


def _organisation_ref(ref: OrganisationRef) -> schemas.OrganisationRef:
    return schemas.OrganisationRef(slug=ref.slug, name=ref.name, kind=ref.kind, org_id=ref.org_id)


def _name(ref: OrganisationRef | None) -> schemas.OrganisationName | None:
    return schemas.OrganisationName(slug=ref.slug, name=ref.name) if ref else None


def _link(link: Link) -> schemas.Link:
    return schemas.Link(title=link.title, url=link.url)


def organisation_item(summary: OrganisationSummary) -> schemas.Organisation:
    return schemas.Organisation(
        slug=summary.slug,
        name=summary.name,
        kind=summary.kind,
        org_id=summary.org_id,
        gss_code=summary.gss_code,
        iso_3166_2=summary.iso_3166_2,
        is_island=summary.is_island,
        url=f"/api/v1/organisations/{summary.slug}",
    )


def solution_item(summary: SolutionSummary) -> schemas.SolutionItem:
    return schemas.SolutionItem(
        slug=summary.slug,
        kind=summary.kind,
        title=summary.title,
        summary=summary.summary,
        status=summary.status,
        owner=summary.owner.slug,
        owner_name=summary.owner.name,
        updated_at=summary.updated_at,
        url=f"/api/v1/solutions/{summary.slug}",
    )


def _details(view: SolutionView) -> object:
    """A solution's own facts in its kind's answer shape, field by field as the kind's
    descriptor types them."""
    values = {}
    for field in KINDS[view.kind].fields:
        value = view.details.get(field.name)
        if field.type == "organisation":
            value = _name(value)
        elif field.type == "organisations":
            value = [_name(ref) for ref in value or []]
        elif field.type == "links":
            value = [_link(link) for link in value or []]
        elif field.type == "lots":
            value = [schemas.Lot(name=lot.name, suppliers=list(lot.suppliers)) for lot in value]
        values[field.name] = value
    return schemas.DETAILS[view.kind](**values)


MAX_VALUES = searching.MAX_VALUES
MAX_VALUE_LENGTH = searching.MAX_VALUE_LENGTH


# A query parameter left out is how a request says "none"; Litestar would add null to the
# schema of an optional one, but a query string has no null to send.
_NOT_NULL = {"string": {"oneOf": None, "type": OpenAPIType.STRING}}


def _one_value(choice) -> dict:
    return {"type": OpenAPIType.STRING, "enum": list(get_args(choice)), "oneOf": None}


def _values(description: str, item=str):
    """A filter given any number of times. Its schema is a plain array of strings: leaving the
    parameter out is how a query says "no filter", so null (which Litestar would add for the
    optional type) is no value of it."""
    allowed = get_args(item) if get_origin(item) is Literal else ()
    values = (
        Schema(type=OpenAPIType.STRING, enum=list(allowed))
        if allowed
        else Schema(type=OpenAPIType.STRING, max_length=MAX_VALUE_LENGTH)
    )
    return Annotated[
        list[item] | None,  # type: ignore[valid-type]
        QueryParameter(
            description=f"{description} Repeat to allow several values.",
            max_items=MAX_VALUES,
            schema_extra={"oneOf": None, "type": OpenAPIType.ARRAY, "items": values},
        ),
    ]


# Free-text filter values: each at most MAX_VALUE_LENGTH characters, as given.
FreeValue = Annotated[str, QueryParameter(max_length=MAX_VALUE_LENGTH)]

Query = Annotated[
    str | None,
    QueryParameter(
        max_length=searching.MAX_QUERY_LENGTH,
        description="Words to look for",
        schema_extra=_NOT_NULL["string"],
    ),
]
SortParameter = Annotated[
    Sort | None,
    QueryParameter(
        description="Order of results: relevance when q is given, else title",
        schema_extra=_one_value(Sort),
    ),
]


def search_parameters(
    request: Request,
    q: Query = None,
    kind: _values("Only solutions of this kind.", SolutionKind) = None,
    status: _values("Only solutions with this status.", SolutionStatus) = None,
    service_area: _values("Only solutions for this service area.", ServiceArea) = None,
    characteristic: _values(
        "Only solutions supporting this characteristic.", Characteristic
    ) = None,
    owner: _values("Only solutions this organisation (slug) owns.", FreeValue) = None,
    licence: _values("Only components under this licence (SPDX).", FreeValue) = None,
    adopted_by: _values("Only solutions this organisation (slug) uses.", FreeValue) = None,
    interested: _values(
        "Only solutions this organisation (slug) is interested in.", FreeValue
    ) = None,
    sort: SortParameter = None,
) -> dict[str, list[str]]:
    """The parameters of a search of the catalogue, shared by `/api/v1/search` and the
    solutions' list: declared here so both document and type them alike, read (every value as
    given) by `searching.parse`, which folds them and refuses what it does not know."""
    return {name: request.query_params.getall(name) for name in request.query_params}


SEARCH_PARAMETERS = {"searched": Provide(search_parameters, sync_to_thread=False)}


class OrganisationsApi(Controller):
    path = "/api/v1/organisations"
    tags = ["organisations"]

    @listing("List organisations, by name")
    async def list(
        self,
        request: Request,
        page: Page = 1,
        per_page: PerPage = 20,
        kind: Annotated[
            OrganisationKind | None,
            QueryParameter(description="Only this kind", schema_extra=_one_value(OrganisationKind)),
        ] = None,
        q: Annotated[
            str | None,
            QueryParameter(
                max_length=organisations.MAX_NAME_QUERY,
                description=(
                    "Only organisations with a word of their name beginning with each word "
                    "given (any case), or whose identifier (GB-LAS-GLG) it is"
                ),
                schema_extra=_NOT_NULL["string"],
            ),
        ] = None,
    ) -> schemas.OrganisationPage:
        _as_given(request, {"kind": get_args(OrganisationKind)})
        rows, total = await organisations.list_organisations(
            kind=kind, name=q, page=page, per_page=per_page
        )
        return schemas.OrganisationPage(
            items=[organisation_item(r) for r in rows], total=total, page=page, per_page=per_page
        )

    @get(
        "/{slug:str}",
        summary="One organisation and what it owns, uses, wants and sponsors",
        responses=DETAIL_RESPONSES,
    )
    async def detail(self, slug: FromPath[str]) -> schemas.OrganisationDetail:
        profile = await organisations.organisation_profile(slug)
        return schemas.OrganisationDetail(
            slug=profile.slug,
            name=profile.name,
            kind=profile.kind,
            org_id=profile.org_id,
            gss_code=profile.gss_code,
            iso_3166_2=profile.iso_3166_2,
            is_island=profile.is_island,
            url=f"/api/v1/organisations/{profile.slug}",
            website=profile.website,
            description=profile.description,
            source=profile.source,
            owns=[_solution_ref(ref) for ref in profile.owns],
            uses=[
                schemas.Use(
                    solution=_solution_ref(use.solution), status=use.status, status_on=use.status_on
                )
                for use in profile.uses
            ],
            interested_in=[
                schemas.InterestIn(
                    solution=_solution_ref(interest.solution),
                    level=interest.level,
                    registered_at=interest.registered_at,
                )
                for interest in profile.interests
            ],
            sponsors=[
                schemas.PledgeTo(
                    solution=_solution_ref(pledge.solution),
                    amount_pence=pledge.amount_pence,
                    staff_days=pledge.staff_days,
                    status=pledge.status,
                    pledged_at=pledge.pledged_at,
                )
                for pledge in profile.pledges
            ],
        )


class SolutionReadsApi(Controller):
    path = "/api/v1/solutions"
    tags = ["solutions"]

    @listing(
        "List published solutions, filtered as search filters them",
        description=(
            "Takes every parameter of /api/v1/search, with the same meaning and the same "
            "refusals (422 naming the parameter): repeat a filter to allow several values (OR); "
            "different filters combine with AND. Without q, in title order (the default), the "
            "list is read from the database and every page is reachable. With q, or in another "
            "order, it is the search's: pages then "
            f"end within the first {MAX_TOTAL_HITS:,} results (page times per_page above that "
            "is refused with 422 naming page), and 503 answers while the search engine is "
            "unavailable."
        ),
        dependencies=SEARCH_PARAMETERS,
        responses={503: SEARCH_DOWN},
    )
    async def list(
        self,
        request: Request,
        state: State,
        searched: NamedDependency[dict[str, list[str]]],
        page: Page = 1,
        per_page: PerPage = 20,
    ) -> schemas.SolutionPage:
        paging = ("page", "per_page")
        _as_given(request, once=paging)
        asked = searching.parse({k: v for k, v in searched.items() if k not in paging})
        if not asked.text and asked.sort in listing_of.SORTS:
            rows, total = await listing_of.list_published(
                asked.filters, page=page, per_page=per_page
            )
        else:
            asked = searching.parse(searched)  # the search's pages, within its cap
            query = searching.to_query(asked, shown=())
            try:
                result = await state.search_engine.search(replace(query, facets=()))
            except SearchUnavailable:
                raise ServiceUnavailable(SEARCH_DOWN_MESSAGE) from None
            rows = await listing_of.summaries_of([hit.document["slug"] for hit in result.hits])
            total = result.total
        return schemas.SolutionPage(
            items=[solution_item(r) for r in rows], total=total, page=page, per_page=per_page
        )

    @get(
        "/{slug:str}",
        summary="One solution with who uses it, wants it and funds it",
        description=(
            "A pledge's note is shown only to members of the pledging or owning organisation "
            "and to Digital Office curators; to anyone else it is null."
        ),
        responses=DETAIL_RESPONSES,
    )
    async def detail(self, request: Request, slug: FromPath[str]) -> schemas.SolutionDetail:
        return await solution_detail(actor_of(request), slug)


async def solution_detail(actor: Actor, slug: str) -> schemas.SolutionDetail:
    """A solution with who uses, wants and funds it, as `actor` may read it: the answer of the
    detail endpoint and of every write to a solution."""
    found = await catalogue.solution_with_activity(slug, actor)
    view, activity = found.solution, found.activity
    return schemas.SolutionDetail(
        slug=view.slug,
        kind=view.kind,
        title=view.title,
        summary=view.summary,
        description=view.description,
        status=view.status,
        owner=view.owner.slug,
        owner_name=view.owner.name,
        service_areas=view.service_areas,
        characteristics=view.characteristics,
        tags=view.tags,
        links=[_link(link) for link in view.links],
        contact_name=view.contact_name,
        contact_email=view.contact_email,
        funding_target=view.funding_target,
        reported_adopters=view.reported_adopters,
        reported_interested=view.reported_interested,
        reported_note=view.reported_note,
        source=view.source,
        version=view.version,
        created_at=view.created_at,
        updated_at=view.updated_at,
        details=_details(view),
        **schemas.key_facts(view),
        adoptions=[
            schemas.Adoption(
                organisation=_organisation_ref(adopter.organisation),
                status=adopter.status,
                status_on=adopter.status_on,
            )
            for adopter in activity.adoptions
        ],
        interests=[
            schemas.Interest(
                organisation=_organisation_ref(interest.organisation),
                level=interest.level,
                registered_at=interest.registered_at,
            )
            for interest in activity.interests
        ],
        sponsorship=schemas.Sponsorship(
            pledges=[
                schemas.Pledge(
                    organisation=_organisation_ref(pledge.organisation),
                    amount_pence=pledge.amount_pence,
                    staff_days=pledge.staff_days,
                    status=pledge.status,
                    note=pledge.note,
                )
                for pledge in activity.pledges
            ],
            pledged_pence=activity.pledged_pence,
            confirmed_pence=activity.confirmed_pence,
            staff_days=activity.staff_days,
            funding_target=view.funding_target,
        ),
        counts=schemas.Counts(
            adopters=activity.adoption_count,
            councils_live=activity.councils_live,
            interested=activity.interest_count,
            interest_by_level=dict(activity.interest_by_level),
        ),
    )


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
        responses={**LIST_RESPONSES, 503: SEARCH_DOWN},
        dependencies=SEARCH_PARAMETERS,
    )
    async def search(
        self,
        request: Request,
        state: State,
        searched: NamedDependency[dict[str, list[str]]],
        page: Annotated[
            int,
            QueryParameter(
                ge=1,
                le=MAX_TOTAL_HITS,
                description=(
                    f"Page number, from 1. Pages end within the first {MAX_TOTAL_HITS:,} "
                    f"results: page times per_page above {MAX_TOTAL_HITS:,} is refused with 422 "
                    "naming page"
                ),
            ),
        ] = 1,
        per_page: PerPage = 20,
    ) -> schemas.SearchResults:
        asked = searching.parse(searched)
        found = await searching.find(state.search_engine, asked)
        result = found.result
        if result is None:
            raise ServiceUnavailable(SEARCH_DOWN_MESSAGE)
        return schemas.SearchResults(
            hits=[search_hit(hit) for hit in result.hits],
            organisations=[
                schemas.NamedMatch(slug=o.slug, name=o.name, url=f"/api/v1/organisations/{o.slug}")
                for o in found.named.organisations
            ],
            programmes=[
                schemas.NamedMatch(
                    slug=p.slug,
                    name=p.name,
                    url=request.app.route_reverse("programme", slug=p.slug),
                )
                for p in found.named.programmes
            ],
            total=result.total,
            page=asked.page,
            per_page=asked.per_page,
            sort=asked.sort,
            facets=searching.public_facets(result),
            took_ms=round(result.took_ms, 3),
        )


def search_hit(hit: Hit) -> schemas.SearchHit:
    document = hit.document
    return schemas.SearchHit(
        slug=document["slug"],
        kind=document["kind"],
        title=document["title"],
        summary=document["summary"],
        status=document["status"],
        owner=document["owner"],
        owner_name=document["owner_name"],
        highlight={
            name: html
            for name, html in hit.highlights.items()
            if name in ("title", "summary") or ("<mark>" in html and name != "kind_words")
        },
        url=f"/api/v1/solutions/{document['slug']}",
    )
