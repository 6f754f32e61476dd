"""Reading organisations: the councils, national bodies and partners the registry knows.

Organisations are loaded from the seed catalogue (their identifiers are authoritative), so this
module only reads them; a profile adds what the organisation owns, uses, is interested in and
sponsors.
"""

from __future__ import annotations

from piccolo.query.functions.aggregate import Count

from registry import db
from registry.collaboration import organisation_activity
from registry.errors import NotFound, ValidationFailed
from registry.tables import Adoption, Organisation
from registry.vocabulary import ORGANISATION_KINDS

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


async def list_organisations(
    *, kind: str | None = None, page: int = 1, per_page: int = 20
) -> tuple[list[dict], int]:
    where = Organisation.kind == kind if kind else None
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
    return rows, total


async def get_organisation(slug: str) -> dict:
    row = await Organisation.select().where(Organisation.slug == slug).first()
    if row is None:
        raise NotFound(f"There is no organisation called {slug!r}")
    return row


async def organisation_profile(slug: str) -> dict:
    async with db.reading():
        organisation = await get_organisation(slug)
        return {**organisation, **await organisation_activity(organisation["id"])}


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
