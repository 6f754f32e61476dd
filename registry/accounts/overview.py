"""The account page's overview: for each organisation the signed-in person acts for, what is
waiting for them there (its drafts, interests, pledges and the solutions it uses) and, for
its administrators, its members and open invitations. Each item names the record, so the page
can link to where it is acted on."""

from __future__ import annotations

from dataclasses import dataclass

from registry import db
from registry.accounts.actors import Actor, require_signed_in
from registry.accounts.members import Member, PendingInvitation, organisation_members
from registry.catalogue import organisation_activity
from registry.catalogue.views import InterestIn, PledgeTo, SolutionRef, Use
from registry.tables import Solution

MAX_DRAFTS = 100


@dataclass(frozen=True, slots=True)
class OrganisationWork:
    slug: str
    name: str
    role: str
    drafts: tuple[SolutionRef, ...]
    interests: tuple[InterestIn, ...]
    pledges: tuple[PledgeTo, ...]
    uses: tuple[Use, ...]
    members: tuple[Member, ...] | None  # None: the person does not manage them
    invitations: tuple[PendingInvitation, ...] = ()


async def account_overview(actor: Actor) -> tuple[OrganisationWork, ...]:
    require_signed_in(actor)
    work = []
    for membership in actor.memberships:
        async with db.reading():
            activity = await organisation_activity(membership.organisation_id)
            drafts = (
                await Solution.select(Solution.slug, Solution.title, Solution.kind, Solution.status)
                .where(
                    (Solution.owner == membership.organisation_id) & (Solution.status == "draft")
                )
                .order_by(Solution.title)
                .limit(MAX_DRAFTS)
            )
        members = None
        invitations: tuple[PendingInvitation, ...] = ()
        if actor.may("membership.manage", membership.organisation_id):
            view = await organisation_members(actor, membership.slug)
            members, invitations = view.members, view.invitations
        work.append(
            OrganisationWork(
                slug=membership.slug,
                name=membership.name,
                role=membership.role,
                drafts=tuple(
                    SolutionRef(r["slug"], r["title"], r["kind"], r["status"]) for r in drafts
                ),
                interests=activity.interests,
                pledges=activity.pledges,
                uses=activity.uses,
                members=members,
                invitations=invitations,
            )
        )
    return tuple(work)
