"""Adoptions a component's publiccode.yml proposes: each `usedBy` entry that matches a registry
organisation is kept as a proposal until the component's owner confirms it (which records the
adoption through `collaboration.write_adoption`, the service the adoption form uses, audited
and told as any adoption is) or dismisses it.

A proposal is a row of its own (`ProposedAdoption`), not an adoption with another status:
every count of adoptions (the dashboard's matrix, an organisation's profile, search facets and
filters, feeds, programme milestones, the API) reads `Adoption`, so none of them can count a
proposal by mistake. The row stays once decided, so importing the file again proposes neither a
confirmed nor a dismissed organisation again; an organisation that already records its own use
is not proposed at all.

Only members of the component's owner may confirm or dismiss (any role that may edit it): the
file is the owner's statement. The Digital Office's curators edit records but never act for an
organisation, and confirming records another organisation's use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from registry import changes, collaboration, db
from registry.accounts import Actor, require_signed_in
from registry.accounts.actors import PERMISSIONS
from registry.catalogue import solution_ref
from registry.errors import Conflict, NotFound, PermissionDenied
from registry.tables import Adoption, Organisation, ProposedAdoption

PROPOSED, CONFIRMED, DISMISSED = "proposed", "confirmed", "dismissed"
SOURCE = "named in its publiccode.yml usedBy; confirmed by the owner"
MAX_WRITTEN = 300


@dataclass(frozen=True)
class Proposal:
    organisation_slug: str
    organisation_name: str
    org_id: str
    written: str


def may_decide(actor: Actor, owner_id: int) -> bool:
    """Whether `actor` may confirm or dismiss the proposals of a component `owner_id` owns."""
    return actor.is_system or actor.role_in(owner_id) in PERMISSIONS["solution.edit"]


async def propose(
    actor: Actor, solution: dict, matched: Iterable[tuple[str, int]]
) -> tuple[list[int], list[int]]:
    """Keep a proposal for each (usedBy as written, organisation id) not proposed before and
    not already recorded as using the component. Called inside the import's transaction.
    Returns the organisation ids newly proposed and those left alone."""
    wanted: dict[int, str] = {}
    for written, organisation_id in matched:
        wanted.setdefault(organisation_id, written[:MAX_WRITTEN])
    if not wanted:
        return [], []
    ids = list(wanted)
    known = {
        row["organisation"]
        for row in await ProposedAdoption.select(ProposedAdoption.organisation).where(
            (ProposedAdoption.solution == solution["id"]) & ProposedAdoption.organisation.is_in(ids)
        )
    }
    known |= {
        row["organisation"]
        for row in await Adoption.select(Adoption.organisation).where(
            (Adoption.solution == solution["id"]) & Adoption.organisation.is_in(ids)
        )
    }
    new = [i for i in ids if i not in known]
    if not new:
        return [], ids
    async with changes.to_solution(
        actor, "adoption.propose", solution["id"], solution["slug"]
    ) as change:
        await ProposedAdoption.insert(
            *(
                ProposedAdoption(solution=solution["id"], organisation=i, written=wanted[i])
                for i in new
            )
        )
        names = await Organisation.select(Organisation.name).where(Organisation.id.is_in(new))
        change.after = {"proposed": sorted(row["name"] for row in names)}
    return new, [i for i in ids if i in known]


async def open_proposals(actor: Actor, solution_id: int, owner_id: int) -> list[Proposal]:
    """The proposals waiting for a decision, for those who may decide them (else none)."""
    if not may_decide(actor, owner_id):
        return []
    rows = (
        await ProposedAdoption.select(
            ProposedAdoption.organisation.slug.as_alias("slug"),
            ProposedAdoption.organisation.name.as_alias("name"),
            ProposedAdoption.organisation.org_id.as_alias("org_id"),
            ProposedAdoption.written,
        )
        .where((ProposedAdoption.solution == solution_id) & (ProposedAdoption.status == PROPOSED))
        .order_by(ProposedAdoption.id)
    )
    return [Proposal(r["slug"], r["name"], r["org_id"] or "", r["written"]) for r in rows]


async def _proposal(actor: Actor, solution_slug: str, organisation_slug: str):
    """The component, the organisation and the open proposal, once the actor is known to be a
    member of the component's owner."""
    require_signed_in(actor)
    solution = await solution_ref(solution_slug, actor)
    if not may_decide(actor, solution["owner"]):
        raise PermissionDenied(
            "Only members of the organisation that owns this component can confirm or "
            "dismiss the uses its publiccode.yml names"
        )
    row = (
        await ProposedAdoption.select(
            ProposedAdoption.id,
            ProposedAdoption.status,
            ProposedAdoption.organisation.id.as_alias("organisation_id"),
        )
        .where(
            (ProposedAdoption.solution == solution["id"])
            & (ProposedAdoption.organisation.slug == str(organisation_slug)[:80])
        )
        .first()
    )
    if row is None:
        raise NotFound(f"No use of {solution['title']} by {organisation_slug!r} is proposed")
    if row["status"] != PROPOSED:
        raise Conflict(f"That proposed use has already been {row['status']}")
    organisation = (
        await Organisation.select().where(Organisation.id == row["organisation_id"]).first()
    )
    return solution, organisation, row


async def _decide(row_id: int, actor: Actor, status: str) -> None:
    await ProposedAdoption.update(
        {
            ProposedAdoption.status: status,
            ProposedAdoption.decided_by: actor.user_id,
            ProposedAdoption.decided_at: dt.datetime.now(dt.UTC),
        }
    ).where((ProposedAdoption.id == row_id) & (ProposedAdoption.status == PROPOSED))


async def confirm(actor: Actor, solution_slug: str, organisation_slug: str) -> str:
    """Record the proposed organisation as using the component (live), in one transaction
    with the proposal's decision. Returns the sentence saying what changed."""
    solution, organisation, row = await _proposal(actor, solution_slug, organisation_slug)
    async with db.transaction():
        await _decide(row["id"], actor, CONFIRMED)
        saved = await collaboration.write_adoption(
            actor, solution, organisation, "live", source=SOURCE
        )
    return saved["sentence"]


async def dismiss(actor: Actor, solution_slug: str, organisation_slug: str) -> str:
    """Set the proposal aside: the organisation is not recorded and not proposed again."""
    solution, organisation, row = await _proposal(actor, solution_slug, organisation_slug)
    async with changes.to_solution(
        actor,
        "adoption.dismiss",
        solution["id"],
        solution["slug"],
        organisation_id=organisation["id"],
    ) as change:
        await _decide(row["id"], actor, DISMISSED)
        change.after = {"organisation": organisation["slug"], "status": DISMISSED}
    return (
        f"{organisation['name']} is not recorded as using {solution['title']}, "
        "and will not be proposed again."
    )
