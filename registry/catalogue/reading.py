"""Reading solutions: one in full (with its kind's facts and the organisations it names), the
published ones a page at a time, and the small views other services and forms need. Drafts
exist only for their owner's members and the Digital Office."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from registry.accounts import ANONYMOUS, Actor
from registry.catalogue.fields import COMMON_FIELDS, DETAIL_TABLES
from registry.catalogue.kinds import COMMON, KINDS, Field
from registry.catalogue.views import (
    DatedLink,
    Link,
    Lot,
    OrganisationRef,
    SolutionRef,
    SolutionSummary,
    SolutionView,
    SupplyLink,
)
from registry.errors import NotFound
from registry.tables import Organisation, Solution, SupplyRoute

# -- reading ----------------------------------------------------------------------------------


def may_see_drafts(actor: Actor, owner_id: int) -> bool:
    return actor.is_system or actor.is_digital_office or actor.role_in(owner_id) is not None


async def _row(slug: str) -> dict:
    row = await Solution.select().where(Solution.slug == slug).first().output(load_json=True)
    if row is None:
        raise NotFound(f"There is no solution called {slug!r}")
    return row


async def _detail(kind: str, solution_id: int) -> dict:
    table = DETAIL_TABLES[kind]
    row = await table.select().where(table.solution == solution_id).first().output(load_json=True)
    return row or {}


async def get_solution(slug: str, actor: Actor = ANONYMOUS) -> SolutionView:
    """Everything stored about one solution. Drafts are visible only to their owner's members
    and the Digital Office; to anyone else they do not exist, and the contact's address is
    left empty."""
    row = await _row(slug)
    insider = may_see_drafts(actor, row["owner"])
    if row["status"] == "draft" and not insider:
        raise NotFound(f"There is no solution called {slug!r}")
    if not insider:
        # The contact's address is for those who keep the record (the owner's members, and
        # curators, who edit it): anyone else writes through "Contact the owner", which
        # reveals it only when the contact replies. Pages, the API and exports read this view.
        row["contact_email"] = ""
    return await _view(row)


def _ref(org: Mapping | None) -> OrganisationRef | None:
    return OrganisationRef(org["slug"], org["name"], org["kind"], org["org_id"]) if org else None


async def _view(row: dict) -> SolutionView:
    kind = KINDS[row["kind"]]
    detail = await _detail(row["kind"], row["id"])
    # Organisations are stored by id in single fields and by slug in lists (sponsors).
    org_ids, org_slugs = {row["owner"]}, set()
    for f in kind.fields:
        if f.type == "organisation" and detail.get(f.name):
            org_ids.add(detail[f.name])
        elif f.type == "organisations":
            org_slugs |= set(detail.get(f.name) or [])
    orgs = await Organisation.select(
        Organisation.id,
        Organisation.slug,
        Organisation.name,
        Organisation.kind,
        Organisation.org_id,
    ).where(Organisation.id.is_in(list(org_ids)) | Organisation.slug.is_in(list(org_slugs) or [""]))
    by_id = {o["id"]: o for o in orgs}
    by_slug = {o["slug"]: o for o in orgs}

    details: dict[str, Any] = {}
    for f in kind.fields:
        value = detail.get(f.name)
        if f.type == "organisation":
            value = _ref(by_id.get(value)) if value else None
        elif f.type == "organisations":
            value = [_ref(by_slug[s]) for s in value or [] if s in by_slug]
        else:
            value = _structured(f, value)
        details[f.name] = value
    owner = by_id[row["owner"]]
    common = {f.name: _structured(f, row[f.name]) for f in COMMON if f.name != "owner"}
    return SolutionView(
        **common,
        description_html=row["description_html"],  # sanitised when saved
        how_to_join_html=row["how_to_join_html"],
        supply_links=await supply_links(row["id"], row["kind"]),
        kind=row["kind"],
        owner=_ref(owner),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        details=MappingProxyType(details),
        id=row["id"],
        owner_id=owner["id"],
    )


def _structured(f: Field, value: Any) -> Any:
    """A stored value of a field with parts, as its view type."""
    if f.type == "links":
        return [Link(link["title"], link["url"]) for link in value or []]
    if f.type == "dated_links":
        return [
            DatedLink(item["title"], item["url"], item.get("as_of") or "") for item in value or []
        ]
    if f.type == "lots":
        return [Lot(item["name"], tuple(item.get("suppliers") or ())) for item in value or []]
    if f.type == "notes":
        return MappingProxyType(dict(value or {}))
    if f.is_list:
        return list(value or [])
    return value


async def supply_links(solution_id: int, kind: str) -> tuple[SupplyLink, ...]:
    """The procurements a solution is bought through, or the solutions a procurement supplies:
    published ones only, by title."""
    mine, theirs = (
        (SupplyRoute.procurement, SupplyRoute.solution)
        if kind == "procurement"
        else (SupplyRoute.solution, SupplyRoute.procurement)
    )
    rows = await SupplyRoute.select(
        SupplyRoute.lot,
        theirs.slug.as_alias("slug"),
        theirs.title.as_alias("title"),
        theirs.kind.as_alias("kind"),
        theirs.status.as_alias("status"),
    ).where((mine == solution_id) & (theirs.status != "draft"))
    links = [
        SupplyLink(SolutionRef(r["slug"], r["title"], r["kind"], r["status"]), r["lot"])
        for r in rows
    ]
    return tuple(sorted(links, key=lambda link: (link.solution.title, link.lot)))


def editable_fields(view: SolutionView) -> dict[str, Any]:
    """A solution in the flat input shape `create_solution` and `update_solution` take."""
    values = {k: getattr(view, k) for k in COMMON_FIELDS}
    for f in KINDS[view.kind].fields:
        values[f.name] = view.details.get(f.name)
    for f in KINDS[view.kind].all_fields:
        value = values[f.name]
        if f.type == "organisation":
            value = value.slug if value else ""
        elif f.type == "organisations":
            value = [s.slug for s in value or []]
        elif f.type == "links":
            value = [{"title": link.title, "url": link.url} for link in value or []]
        elif f.type == "dated_links":
            value = [
                {
                    "title": link.title,
                    "url": link.url,
                    "as_of": link.as_of or None,
                }
                for link in value or []
            ]
        elif f.type == "lots":
            value = [{"name": lot.name, "suppliers": list(lot.suppliers)} for lot in value or []]
        elif f.type == "notes":
            value = dict(value or {})
        elif f.is_list:
            value = list(value or [])
        values[f.name] = value
    return values


def summary_columns() -> tuple:
    """The columns a `SolutionSummary` is read from (`summary_of`)."""
    return (
        Solution.slug,
        Solution.kind,
        Solution.title,
        Solution.summary,
        Solution.status,
        Solution.updated_at,
        Solution.owner.slug.as_alias("owner_slug"),
        Solution.owner.name.as_alias("owner_name"),
    )


def summary_of(row: dict) -> SolutionSummary:
    return SolutionSummary(
        slug=row["slug"],
        kind=row["kind"],
        title=row["title"],
        summary=row["summary"],
        status=row["status"],
        owner=OrganisationRef(row["owner_slug"], row["owner_name"]),
        updated_at=row["updated_at"],
    )


async def list_solutions(
    *, kind: str | None = None, page: int = 1, per_page: int = 20, owner_id: int | None = None
) -> tuple[list[SolutionSummary], int]:
    """Published solutions (not drafts) in title order, a page at a time, with the total."""
    where = Solution.status != "draft"
    if kind:
        where &= Solution.kind == kind
    if owner_id is not None:
        where &= Solution.owner == owner_id
    total = await Solution.count().where(where)
    rows = (
        await Solution.select(*summary_columns())
        .where(where)
        .order_by(Solution.title)
        .order_by(Solution.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return [summary_of(row) for row in rows], total


async def solution_ref(slug: str, actor: Actor = ANONYMOUS) -> dict:
    """The few columns collaboration needs, with the same draft visibility as `get_solution`."""
    row = (
        await Solution.select(
            Solution.id,
            Solution.slug,
            Solution.title,
            Solution.kind,
            Solution.status,
            Solution.owner,
        )
        .where(Solution.slug == slug)
        .first()
    )
    if row is None or (row["status"] == "draft" and not may_see_drafts(actor, row["owner"])):
        raise NotFound(f"There is no solution called {slug!r}")
    return row


async def organisation_choices() -> list[dict]:
    """Every organisation, by name, for the organisation fields of the solution form."""
    return await Organisation.select(
        Organisation.slug, Organisation.name, Organisation.kind
    ).order_by(Organisation.name)
