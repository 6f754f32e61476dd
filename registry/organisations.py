"""Organisations, read and written: the councils, national bodies and partners the registry knows.

Their identifiers are authoritative, so they are written only by the seed loader and the Digital
Office's curators, through `save_organisation` (checked and audited like any change). Every
service finds an organisation by its slug through `organisation_by_slug`; a profile
(`OrganisationProfile`) adds what the organisation owns, uses, is interested in and sponsors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from piccolo.query.functions.aggregate import Count

from registry import audit, changes, db, markdown
from registry.errors import NotFound, ValidationFailed
from registry.finding import organisations_named
from registry.tables import Adoption, Organisation, Solution
from registry.validation import Checker
from registry.vocabulary import ORGANISATION_KINDS

if TYPE_CHECKING:
    from registry.accounts import Actor
    from registry.catalogue.views import InterestIn, PledgeTo, SolutionRef, Use

MAX_NAME_QUERY = 200  # characters of a name looked for in the list
LIST_COLUMNS = (
    Organisation.id,
    Organisation.slug,
    Organisation.name,
    Organisation.kind,
    Organisation.org_id,
    Organisation.gss_code,
    Organisation.iso_3166_2,
    Organisation.is_island,
)


@dataclass(frozen=True, slots=True)
class OrganisationSummary:
    """An organisation as a listing shows it: who it is and its identifiers."""

    slug: str
    name: str
    kind: str
    org_id: str | None
    gss_code: str | None
    iso_3166_2: str | None
    is_island: bool


async def list_organisations(
    *, kind: str | None = None, name: str | None = None, page: int = 1, per_page: int = 20
) -> tuple[list[OrganisationSummary], int]:
    """Organisations by name, a page at a time (of one kind, and named like `name`, if given:
    as the search box names them), with the total."""
    where = Organisation.kind == kind if kind else None
    if name and name.strip():
        named = organisations_named(name)
        if named is None:  # no words to look for: nothing is named
            return [], 0
        where = named if where is None else where & named
    count_query = Organisation.count()
    query = Organisation.select(*LIST_COLUMNS)
    if where is not None:
        count_query = count_query.where(where)
        query = query.where(where)
    total = await count_query
    rows = (
        await query.order_by(Organisation.name)
        .order_by(Organisation.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    summaries = [
        OrganisationSummary(
            slug=row["slug"],
            name=row["name"],
            kind=row["kind"],
            org_id=row["org_id"],
            gss_code=row["gss_code"],
            iso_3166_2=row["iso_3166_2"],
            is_island=bool(row["is_island"]),
        )
        for row in rows
    ]
    return summaries, total


async def organisation_by_slug(slug: str) -> dict:
    """The stored row of the organisation called `slug`: the one lookup by slug every service
    uses (to act for an organisation, to name an owner, to show a profile)."""
    row = await Organisation.select().where(Organisation.slug == slug).first()
    if row is None:
        raise NotFound(f"There is no organisation called {slug!r}")
    return row


@dataclass(frozen=True)
class OrganisationProfile:
    """One organisation as its page and the API show it: who it is, and what it owns, uses, is
    interested in and sponsors (published solutions only)."""

    slug: str
    name: str
    kind: str
    org_id: str | None
    gss_code: str | None
    iso_3166_2: str | None
    is_island: bool
    website: str
    description: str
    description_html: str
    source: str
    owns: tuple[SolutionRef, ...]
    uses: tuple[Use, ...]
    interests: tuple[InterestIn, ...]
    pledges: tuple[PledgeTo, ...]


async def organisation_profile(slug: str) -> OrganisationProfile:
    # Imported here: the catalogue reads actors, and actors' services look organisations up
    # through this module, so a module-level import would be circular.
    from registry.catalogue.activity import organisation_activity

    async with db.reading():
        row = await organisation_by_slug(slug)
        activity = await organisation_activity(row["id"])
    return OrganisationProfile(
        **{name: row[name] for name in _PROFILE_COLUMNS},
        is_island=bool(row["is_island"]),
        owns=activity.owns,
        uses=activity.uses,
        interests=activity.interests,
        pledges=activity.pledges,
    )


_PROFILE_COLUMNS = (
    "slug",
    "name",
    "kind",
    "org_id",
    "gss_code",
    "iso_3166_2",
    "website",
    "description",
    "description_html",
    "source",
)


# -- the directory page ----------------------------------------------------------------------


async def organisation_directory(kind: str | None = None) -> dict:
    """Every organisation, grouped by kind in the vocabulary's order (councils first), each
    with how many published solutions it is live on; `kind` keeps one group only. The counts
    of every kind come back whatever the filter, so a page can offer the other kinds."""
    if kind and kind not in ORGANISATION_KINDS:
        raise ValidationFailed(
            {"kind": f"Kind must be one of: {', '.join(ORGANISATION_KINDS)}"},
            message=f"There is no kind of organisation called {kind!r}.",
        )
    async with db.reading():
        rows = await Organisation.select(*LIST_COLUMNS)
        rows.sort(key=lambda r: r["name"].casefold())
        live = await (
            Adoption.select(Adoption.organisation, Count(Adoption.id, alias="live"))
            .where((Adoption.status == "live") & Adoption.solution.status.not_in(["draft"]))
            .group_by(Adoption.organisation)
        )
        live_on = {row["organisation"]: row["live"] for row in live}
        counts = {k: sum(1 for r in rows if r["kind"] == k) for k in ORGANISATION_KINDS}
        groups = [
            {
                "kind": k,
                "organisations": [
                    {**r, "live_on": live_on.get(r["id"], 0)} for r in rows if r["kind"] == k
                ],
            }
            for k in ORGANISATION_KINDS
            if counts[k] and (not kind or k == kind)
        ]
        return {"kind": kind or None, "counts": counts, "total": len(rows), "groups": groups}


# -- writing ----------------------------------------------------------------------------------

ORG_ID_TAKEN = "Another organisation already has this identifier"


def check_organisation(data: Mapping[str, Any]) -> dict[str, Any]:
    """An organisation's fields as they are stored, or `ValidationFailed` naming every
    problem at once."""
    c = Checker(data)
    values = {
        "slug": c.slug("slug"),
        "name": c.text(
            "name", "Name", required=True, min_length=2, max_length=200, multiline=False
        ),
        "kind": c.choice("kind", "Kind", ORGANISATION_KINDS),
        "org_id": c.text("org_id", "Organisation identifier", max_length=40, multiline=False)
        or None,
        "gss_code": c.text("gss_code", "GSS code", max_length=12, multiline=False) or None,
        "iso_3166_2": c.text("iso_3166_2", "ISO 3166-2 code", max_length=10, multiline=False)
        or None,
        "is_island": bool(data.get("is_island", False)),
        "website": c.url("website", "Website"),
        "description": c.markdown("description", "Description", max_length=5000),
        "source": c.text("source", "Source", max_length=120, multiline=False),
    }
    c.raise_if_invalid()
    return values


async def save_organisation(actor: Actor, data: Mapping[str, Any]) -> dict:
    """Create an organisation, or update the one with this slug, and return its row. Only the
    seed loader and the Digital Office's curators do this: an organisation's identifiers are
    authoritative. One that already holds these values is left alone (no audit event); a new
    name reaches the search documents of the solutions that show it."""
    # Imported here: accounts look organisations up through this module.
    from registry.accounts.actors import require_digital_office

    require_digital_office(actor)
    values = check_organisation(data)
    # Rendered before the transaction, so the write lock is not held for it.
    html = await markdown.render_when_saving(values["description"])

    async def work() -> dict:
        async with changes.change(
            actor, "organisation.update", "organisation", subject_slug=values["slug"]
        ) as change:
            if values["org_id"] and await Organisation.exists().where(
                (Organisation.org_id == values["org_id"]) & (Organisation.slug != values["slug"])
            ):
                raise ValidationFailed({"org_id": ORG_ID_TAKEN})
            saved = await changes.save_row(
                Organisation,
                Organisation.slug == values["slug"],
                values,
                on_insert={"description_html": html},
                on_update={"description_html": html, "updated_at": dt.datetime.now(dt.UTC)},
            )
            if not saved.changed:
                return change.unchanged(saved.row)
            change.subject_id = saved.row["id"]
            if saved.before is None:
                change.action, change.after = "organisation.create", values
                return saved.row
            change.before, change.after = audit.changes(saved.before, values)
            if "name" in change.after:
                for solution_id in await _solutions_naming(saved.row["id"]):
                    change.reindex(solution_id)
            return saved.row

    # A unique index holds slugs and identifiers: the loser of a race finds the winner's row.
    return await changes.retrying_races(work)


async def _solutions_naming(organisation_id: int) -> set[int]:
    """The solutions whose search documents carry this organisation's name: as owner, or in
    an organisation field of their kind (a procurement body, a platform's operator)."""
    from registry.catalogue.kinds import KINDS  # the catalogue reads organisations: not at import

    owned = await Solution.select(Solution.id).where(Solution.owner == organisation_id)
    named = {r["id"] for r in owned}
    for kind in KINDS.values():
        table = kind.detail_table
        for f in kind.fields:
            if f.type == "organisation":
                rows = await table.select(table.solution).where(
                    getattr(table, f.name) == organisation_id
                )
                named |= {r["solution"] for r in rows}
    return named
