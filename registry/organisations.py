"""Reading organisations: the councils, national bodies and partners the registry knows.

Organisations are loaded from the seed catalogue (their identifiers are authoritative), so this
module only reads them; a profile adds what the organisation owns, uses, is interested in and
sponsors.
"""

from __future__ import annotations

from registry.collaboration import organisation_activity
from registry.errors import NotFound
from registry.tables import Organisation

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
    organisation = await get_organisation(slug)
    return {**organisation, **await organisation_activity(organisation["id"])}
