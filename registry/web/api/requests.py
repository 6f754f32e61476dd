"""The shapes of what the API's writes take: typed msgspec structs, rendered into the OpenAPI
document as request bodies with each field's type and bounds.

Field names are the pages' (`organisation` as a slug, `level`, `status_on`), money is whole
pence and dates are ISO 8601. A solution's fields are built from the kind descriptor
(`registry.catalogue.kinds`), so a field added to a kind is accepted and documented with it.
What a type cannot say (an owner that is in the registry, an end after a start, a free slug) the
services check, answering 422 with the field named.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from registry.catalogue.kinds import KINDS, Field
from registry.validation import MAX_PENCE, MAX_STAFF_DAYS
from registry.web.api.schemas import (
    AdoptionStatus,
    InterestLevel,
    MilestoneMetric,
    ProgrammeStatus,
    SolutionKind,
)

Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=80, description="A slug")]
Pence = Annotated[int, msgspec.Meta(ge=0, le=MAX_PENCE, description="Whole pence")]
Version = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1, description="The version you last read")]


class Body(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Every request body: unknown fields are refused rather than ignored."""


def present(body: msgspec.Struct) -> dict[str, Any]:
    """The fields a request sent, as the services' input mapping (left-out ones omitted)."""
    return {
        name: msgspec.to_builtins(value) if isinstance(value, list) else value
        for name in body.__struct_fields__
        if (value := getattr(body, name)) is not msgspec.UNSET
    }


# -- acting for an organisation ------------------------------------------------------------------


class ForOrganisation(Body, kw_only=True):
    organisation: Slug


class InterestInput(ForOrganisation, kw_only=True):
    level: InterestLevel  # type: ignore[valid-type]


class PledgeInput(ForOrganisation, kw_only=True):
    """Money and/or staff days; pledging again replaces the active pledge's amounts."""

    amount_pence: Pence = 0
    staff_days: Annotated[int, msgspec.Meta(ge=0, le=MAX_STAFF_DAYS)] = 0
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class AdoptionInput(ForOrganisation, kw_only=True):
    status: AdoptionStatus  # type: ignore[valid-type]
    status_on: dt.date | None = None


class VersionInput(Body, kw_only=True):
    version: Version


class RetireInput(VersionInput, kw_only=True):
    """Why it is retired: kept in its history, as the page's confirmation asks."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


# -- solutions ------------------------------------------------------------------------------------


class LinkInput(Body, kw_only=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


def _one_of(values) -> object:
    return Literal[tuple(values)]  # type: ignore[valid-type]


def _input_type(fields: list[Field]) -> object:
    """The type a field (as every kind that has it declares it) takes in a request."""
    field = fields[0]
    if field.type in ("choice", "choices"):
        options = dict.fromkeys(o for f in fields for o in (f.options or {}))
        if field.name == "status":
            options = dict.fromkeys(s for kind in KINDS.values() for s in kind.statuses)
        if not options:
            return str
        allowed = _one_of(options)
        if field.type == "choices":
            return Annotated[list[allowed], msgspec.Meta(max_length=field.max_items)]  # type: ignore[valid-type]
        return allowed | Literal[""] if not field.required else allowed
    if field.type in ("pence", "count"):
        bound = MAX_PENCE if field.type == "pence" else field.maximum
        number = Annotated[int, msgspec.Meta(ge=field.minimum, le=bound)]
        return number if field.required else number | None
    if field.type == "date":
        return dt.date if field.required else dt.date | None
    if field.type in ("lines", "organisations"):
        item = Annotated[str, msgspec.Meta(max_length=field.max_length or 100)]
        return Annotated[list[item], msgspec.Meta(max_length=field.max_items)]  # type: ignore[valid-type]
    if field.type == "links":
        return Annotated[list[LinkInput], msgspec.Meta(max_length=field.max_items)]
    length = field.max_length or (80 if field.type in ("slug", "organisation") else 300)
    return Annotated[str, msgspec.Meta(max_length=length)]


def _solution_fields() -> list[tuple[str, object, object]]:
    by_name: dict[str, list[Field]] = {}
    for kind in KINDS.values():
        for field in kind.all_fields:
            by_name.setdefault(field.name, []).append(field)
    return [
        (name, _input_type(fields) | msgspec.UnsetType, msgspec.UNSET)  # type: ignore[operator]
        for name, fields in by_name.items()
    ]


_FIELDS = _solution_fields()

# A solution's fields, each optional here: creating needs `kind` and the kind's required fields
# (the service names any missing), editing sends only what changes, with `version`.
SolutionInput = msgspec.defstruct(
    "SolutionInput",
    [("kind", SolutionKind), *_FIELDS],
    bases=(Body,),
    module=__name__,
    kw_only=True,
)
SolutionChanges = msgspec.defstruct(
    "SolutionChanges",
    [("version", Version), *_FIELDS],
    bases=(Body,),
    module=__name__,
    kw_only=True,
)


# -- programmes -----------------------------------------------------------------------------------


class ProgrammeInput(Body, kw_only=True):
    """A programme as a whole: saving creates it, or replaces what it says."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    summary: Annotated[str, msgspec.Meta(min_length=1, max_length=280)]
    description: Annotated[str, msgspec.Meta(max_length=20_000)] = ""
    owner: Slug
    status: ProgrammeStatus  # type: ignore[valid-type]
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    source: Annotated[str, msgspec.Meta(max_length=120)] = ""


class LinkSolutionsInput(Body, kw_only=True):
    solutions: Annotated[list[Slug], msgspec.Meta(min_length=1, max_length=100)]


class MilestoneInput(Body, kw_only=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    due_on: dt.date | None = None
    metric: MilestoneMetric  # type: ignore[valid-type]
    # the solution a computed target counts from
    solution: Slug | None = None
    target_value: Annotated[int, msgspec.Meta(ge=1, le=10**12)] | None = None
    target_unit: Annotated[str, msgspec.Meta(max_length=60)] = ""
    target_status: Annotated[str, msgspec.Meta(max_length=20)] = ""
    position: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 0
    source: Annotated[str, msgspec.Meta(max_length=120)] = ""


class FigureInput(Body, kw_only=True):
    """A figure and where it comes from: the source is required, as on the page."""

    value: Annotated[int, msgspec.Meta(ge=0, le=10**12)]
    as_of: dt.date
    source: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    source_url: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    note: Annotated[str, msgspec.Meta(max_length=300)] = ""
