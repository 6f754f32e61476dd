"""The shapes of the JSON API: every answer it gives, as typed msgspec structs.

These are the API's contract. Litestar renders them into the OpenAPI document at /schema, and
the handlers build their answers from them, so the document and the answers cannot drift apart:
a field is public only if it is named here, and internal keys (row ids, foreign keys) have no
field to travel in. Controlled values (kinds, statuses, levels, sorts) are declared as enums
built from `registry.vocabulary` and `registry.catalogue.searching`, the lists the services
check against.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Union

import msgspec

from registry.catalogue.kinds import COMMON, KINDS, Field, Kind
from registry.catalogue.searching import FACETS, SORTS
from registry.vocabulary import (
    ADOPTION_STATUSES,
    CHARACTERISTICS,
    INTEREST_LEVELS,
    MILESTONE_METRICS,
    ORGANISATION_KINDS,
    PROGRAMME_STATUSES,
    SERVICE_AREAS,
    SOLUTION_KINDS,
    SPONSORSHIP_STATUSES,
    STATUSES,
)


def _one_of(values) -> object:
    """An enum type from a vocabulary: `Literal` renders as `enum` in the OpenAPI document."""
    return Literal[tuple(values)]  # type: ignore[valid-type]


OrganisationKind = _one_of(ORGANISATION_KINDS)
SolutionKind = _one_of(SOLUTION_KINDS)
SolutionStatus = _one_of(dict.fromkeys(s for statuses in STATUSES.values() for s in statuses))
ServiceArea = _one_of(SERVICE_AREAS)
Characteristic = _one_of(CHARACTERISTICS)
InterestLevel = _one_of(INTEREST_LEVELS)
PledgeStatus = _one_of(SPONSORSHIP_STATUSES)
AdoptionStatus = _one_of(ADOPTION_STATUSES)
Sort = _one_of(SORTS)
ProgrammeStatus = _one_of(PROGRAMME_STATUSES)
MilestoneMetric = _one_of(MILESTONE_METRICS)
FacetName = _one_of(FACETS)


_COMMON = {f.name: f for f in COMMON}


class Struct(msgspec.Struct, kw_only=True):
    """Every answer's base: fields in the order they are declared, nothing else."""


# -- errors -----------------------------------------------------------------------------------


class ErrorDetail(Struct):
    code: str
    message: str
    fields: dict[str, str]


class ErrorBody(Struct):
    """Every refusal: `code` names the kind of error (`not_found`, `invalid`, ...), `message`
    says what went wrong in words, `fields` maps each parameter at fault to its own message."""

    error: ErrorDetail


# -- organisations ----------------------------------------------------------------------------


class OrganisationRef(Struct):
    """An organisation named in another record."""

    slug: str
    name: str
    kind: OrganisationKind
    org_id: str | None


class OrganisationName(Struct):
    slug: str
    name: str


class Organisation(Struct):
    slug: str
    name: str
    kind: OrganisationKind
    org_id: str | None
    gss_code: str | None
    iso_3166_2: str | None
    is_island: bool
    url: str


class SolutionRef(Struct):
    """A solution named in another record."""

    slug: str
    title: str
    kind: SolutionKind
    status: SolutionStatus
    url: str


class Use(Struct):
    solution: SolutionRef
    status: AdoptionStatus
    status_on: dt.date | None


class InterestIn(Struct):
    solution: SolutionRef
    level: InterestLevel
    registered_at: dt.datetime


class PledgeTo(Struct):
    solution: SolutionRef
    amount_pence: int
    staff_days: int
    status: PledgeStatus
    pledged_at: dt.datetime


class OrganisationDetail(Organisation):
    website: str
    description: str
    source: str
    owns: list[SolutionRef]
    uses: list[Use]
    interested_in: list[InterestIn]
    sponsors: list[PledgeTo]


class OrganisationPage(Struct):
    items: list[Organisation]
    total: int
    page: int
    per_page: int


# -- solutions --------------------------------------------------------------------------------


class SolutionItem(Struct):
    slug: str
    kind: SolutionKind
    title: str
    summary: str
    status: SolutionStatus
    owner: str
    owner_name: str
    updated_at: dt.datetime
    url: str


class SolutionPage(Struct):
    items: list[SolutionItem]
    total: int
    page: int
    per_page: int


class Link(Struct):
    title: str
    url: str


class DatedLink(Struct):
    """A document or source: its title, its address (a path on this registry for the reference
    documents it describes at /sources) and the date what it says was true, as precise as the
    source gives it ("2021-01-28", "2021-01" or "2021"; null when it gives none)."""

    title: str
    url: str
    as_of: str | None


class Lot(Struct):
    name: str
    suppliers: list[str]


class SupplyLink(Struct):
    """The solution on the other side of a "bought through" link, and the lot (empty when the
    framework has none or it is not named)."""

    solution: SolutionRef
    lot: str


def _value_type(field: Field) -> object:
    """The type a kind's field has in an answer, from its descriptor."""
    if field.type == "choice":
        allowed = _one_of(field.options or {})
        # an optional choice left empty is stored as an empty string, or not at all
        return allowed if field.required else allowed | Literal[""] | None
    if field.type == "choices":
        return list[_one_of(field.options or {})]  # type: ignore[misc]
    single = {
        "date": dt.date,
        "pence": int,
        "count": int,
        "organisation": OrganisationName,
    }
    if field.type in single:
        return single[field.type] if field.required else single[field.type] | None
    lists = {
        "lines": str,
        "links": Link,
        "organisations": OrganisationName,
        "dated_links": DatedLink,
        "lots": Lot,
    }
    if field.type in lists:
        return list[lists[field.type]]  # type: ignore[index]
    if field.type == "notes":
        return dict[str, str]
    return str


def _details_struct(kind: Kind) -> type[Struct]:
    """A kind's own facts, built from its descriptor, tagged with the kind's name."""
    return msgspec.defstruct(
        f"{kind.name.title()}Details",
        [(field.name, _value_type(field)) for field in kind.fields],
        bases=(Struct,),
        tag_field="kind",
        tag=kind.name,
        module=__name__,
    )


# A kind's own facts, by kind, each naming its kind (the union's tag). They are built from the
# kind descriptor, so a fact added to a kind is published and documented with it.
DETAILS = {name: _details_struct(kind) for name, kind in KINDS.items()}
Details = Union[tuple(DETAILS.values())]  # noqa: UP007 (a union built from a tuple)


class Adoption(Struct):
    organisation: OrganisationRef
    status: AdoptionStatus
    status_on: dt.date | None


class Interest(Struct):
    organisation: OrganisationRef
    level: InterestLevel
    registered_at: dt.datetime


class Pledge(Struct):
    organisation: OrganisationRef
    amount_pence: int
    staff_days: int
    status: PledgeStatus
    # Written for the solution's owner: null unless the caller is a member of the pledging or
    # owning organisation, or a Digital Office curator.
    note: str | None


class Sponsorship(Struct):
    pledges: list[Pledge]
    pledged_pence: int
    confirmed_pence: int
    staff_days: int
    funding_target: int | None


class Counts(Struct):
    adopters: int
    councils_live: int
    interested: int
    interest_by_level: dict[InterestLevel, int]  # type: ignore[valid-type]


class SolutionDetail(Struct):
    slug: str
    kind: SolutionKind
    title: str
    summary: str
    description: str
    status: SolutionStatus
    owner: str
    owner_name: str
    service_areas: list[ServiceArea]  # type: ignore[valid-type]
    characteristics: list[Characteristic]  # type: ignore[valid-type]
    tags: list[str]
    links: list[Link]
    contact_name: str
    contact_role: str
    contact_email: str
    charging_model: _value_type(_COMMON["charging_model"])  # type: ignore[valid-type]
    cost: str
    eligibility: _value_type(_COMMON["eligibility"])  # type: ignore[valid-type]
    eligibility_note: str
    # Markdown, as written; pages show it rendered and sanitised.
    how_to_join: str
    documents: list[DatedLink]
    sources: list[DatedLink]
    # Field name -> what is uncertain about that fact.
    fact_notes: dict[str, str]
    funding_target: int | None
    reported_adopters: int | None
    reported_interested: int | None
    reported_note: str
    source: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    details: Details  # type: ignore[valid-type]
    # For a platform or component, the procurements it can be bought through; for a
    # procurement, the platforms and components it supplies.
    supply_links: list[SupplyLink]
    adoptions: list[Adoption]
    interests: list[Interest]
    sponsorship: Sponsorship
    counts: Counts


def key_facts(view) -> dict:
    """The key facts every kind has, from a solution's view, as `SolutionDetail` takes them."""
    dated = {
        name: [DatedLink(title=d.title, url=d.url, as_of=d.as_of or None) for d in links]
        for name, links in (("documents", view.documents), ("sources", view.sources))
    }
    return {
        "contact_role": view.contact_role,
        "charging_model": view.charging_model,
        "cost": view.cost,
        "eligibility": view.eligibility,
        "eligibility_note": view.eligibility_note,
        "how_to_join": view.how_to_join,
        "fact_notes": dict(view.fact_notes),
        "supply_links": [
            SupplyLink(
                solution=SolutionRef(
                    slug=link.solution.slug,
                    title=link.solution.title,
                    kind=link.solution.kind,
                    status=link.solution.status,
                    url=f"/api/v1/solutions/{link.solution.slug}",
                ),
                lot=link.lot,
            )
            for link in view.supply_links
        ],
        **dated,
    }


# -- search -----------------------------------------------------------------------------------


class SearchHit(Struct):
    slug: str
    kind: SolutionKind
    title: str
    summary: str
    status: SolutionStatus
    owner: str
    owner_name: str
    # Field name -> its text, HTML-escaped, with the matched words in <mark> elements.
    highlight: dict[str, str]
    url: str


class NamedMatch(Struct):
    """An organisation or programme whose name the words of `q` begin."""

    slug: str
    name: str
    url: str


class SearchResults(Struct):
    hits: list[SearchHit]
    # Organisations whose names match q (url: their API record), at most five; empty without q.
    organisations: list[NamedMatch]
    # Programmes whose title matches q (url: their page), at most five; empty without q.
    programmes: list[NamedMatch]
    total: int
    page: int
    per_page: int
    sort: Sort  # type: ignore[valid-type]
    # Facet name -> value -> how many results have it, among the results of the other filters.
    facets: dict[FacetName, dict[str, int]]  # type: ignore[valid-type]
    took_ms: float


# -- programmes -------------------------------------------------------------------------------


class Progress(Struct):
    """Where a milestone stands, computed when it is read: `current` is null until a figure is
    recorded; `percent` is at most 100, and 100 only once the target is met."""

    current: int | None
    target: int
    percent: int | None
    met: bool
    as_of: dt.date | None
    note: str
    overdue: bool


class Milestone(Struct):
    slug: str
    title: str
    description: str
    due_on: dt.date | None
    metric: MilestoneMetric  # type: ignore[valid-type]
    # null when there is none, or it is still a draft
    solution: SolutionRef | None
    target_value: int
    target_unit: str
    target_status: str
    position: int
    source: str
    progress: Progress


class ProgrammeItem(Struct):
    slug: str
    title: str
    summary: str
    status: ProgrammeStatus  # type: ignore[valid-type]
    owner: OrganisationName
    starts_on: dt.date | None
    ends_on: dt.date | None
    updated_at: dt.datetime
    url: str


class ProgrammeDetail(ProgrammeItem):
    description: str
    version: int
    source: str
    created_at: dt.datetime
    solutions: list[SolutionRef]
    milestones: list[Milestone]


class ProgrammePage(Struct):
    items: list[ProgrammeItem]
    total: int
    page: int
    per_page: int


# -- history ----------------------------------------------------------------------------------


class FieldChange(Struct):
    label: str
    # null: no earlier value was recorded (a creation)
    before: str | None
    # null: the value was removed (a withdrawal)
    after: str | None


class HistorySubject(Struct):
    """What an event in an organisation's history was about."""

    type: Literal["solution", "programme"]
    slug: str
    title: str


class HistoryEvent(Struct):
    at: dt.datetime
    what: str
    # a person's name for readers with a token; "someone at <organisation>" otherwise
    who: str
    changes: list[FieldChange]
    subject: HistorySubject | None


class HistoryPage(Struct):
    subject_type: Literal["solution", "programme", "organisation"]
    slug: str
    title: str
    events: list[HistoryEvent]
    page: int
    per_page: int
    total: int


# -- health -----------------------------------------------------------------------------------


class Outbox(Struct):
    waiting: int
    failing: int


class Health(Struct):
    status: Literal["ok", "degraded", "unavailable"]
    database: Literal["ok", "unavailable"]
    search: Literal["ok", "degraded"]
    # null when the database cannot be read
    outbox: Outbox | None
