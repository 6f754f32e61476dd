"""An organisation's members, managed by its administrators (and by the Digital Office's
curators, for any organisation): listing them, adding a person by email (an existing user
gets the membership at once, a new address an invitation), changing a role and removing one.

Two rules hold whatever the order of requests:

- who is acting is checked before anything they sent is looked at, so a refusal says nothing
  about the people or roles named;
- an organisation always keeps at least one administrator. The last one can neither be
  demoted nor removed (nor leave). Every change to an organisation's memberships first locks
  that organisation's row (on SQLite the write transaction already holds the database's write
  lock), so two administrators demoting each other at once cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from piccolo.engine.postgres import PostgresEngine

from registry import changes, db
from registry.accounts.actors import Actor, require
from registry.accounts.invitations import Invited, create_invitation, pending_invitations
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.organisations import organisation_by_slug
from registry.tables import Invitation, Membership, Organisation, User
from registry.validation import Checker
from registry.vocabulary import ROLES

ADMIN = "org_admin"
MAX_MEMBERS_LISTED = 500  # far more than any organisation here has; a page never grows past it


@dataclass(frozen=True, slots=True)
class Member:
    email: str
    name: str
    role: str
    since: dt.datetime


@dataclass(frozen=True, slots=True)
class PendingInvitation:
    id: int
    email: str
    role: str
    invited_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class MembersView:
    """An organisation's members and the invitations not yet accepted, as its administrators
    see them."""

    slug: str
    name: str
    members: tuple[Member, ...]
    invitations: tuple[PendingInvitation, ...]

    @property
    def admin_count(self) -> int:
        return sum(1 for m in self.members if m.role == ADMIN)


@dataclass(frozen=True, slots=True)
class Added:
    """What adding a person did: `member` (they had an account) or `invited` (with the link's
    token, shown once to the administrator to pass on)."""

    outcome: str
    email: str
    role: str
    organisation: str
    invitation: Invited | None = None


async def _managed(actor: Actor, organisation_slug: str) -> dict:
    """The organisation, once the actor is known to manage its memberships."""
    organisation = await organisation_by_slug(organisation_slug)
    require(actor, "membership.manage", organisation)
    return organisation


def _checked(email: str | None = None, role: str | None = None) -> tuple[str, str]:
    data = {}
    if email is not None:
        data["email"] = email
    if role is not None:
        data["role"] = role
    checker = Checker(data)
    checked_email = checker.email("email", "Email address", required=True) if email else ""
    if email is not None and not email:
        checker.fail("email", "Enter an email address")
    checked_role = checker.choice("role", "Role", ROLES) if role is not None else ""
    checker.raise_if_invalid()
    return checked_email, checked_role


async def lock_organisation(organisation_id: int) -> None:
    """Hold the organisation's row until the transaction ends, so changes to its memberships
    happen one after another. (SQLite's write transactions are already one at a time.)"""
    if isinstance(db.database(), PostgresEngine):
        await Organisation.raw(
            'SELECT "id" FROM "organisation" WHERE "id" = {} FOR UPDATE', organisation_id
        )


async def _membership(organisation: dict, email: str) -> dict:
    row = (
        await Membership.select(
            Membership.id,
            Membership.role,
            Membership.user,
            Membership.user.email.as_alias("email"),
        )
        .where((Membership.organisation == organisation["id"]) & (Membership.user.email == email))
        .first()
    )
    if row is None:
        raise NotFound(f"{email} is not a member of {organisation['name']}")
    return row


async def _keep_an_admin(organisation: dict, membership: dict, new_role: str | None) -> None:
    """Refuse a change that would leave the organisation without an administrator."""
    if membership["role"] != ADMIN or new_role == ADMIN:
        return
    others = await Membership.count().where(
        (Membership.organisation == organisation["id"])
        & (Membership.role == ADMIN)
        & (Membership.id != membership["id"])
    )
    if others == 0:
        raise Conflict(
            f"{membership['email']} is the only administrator of {organisation['name']}: "
            "make someone else an administrator first, so the organisation always has one",
            {"role": "An organisation must always have at least one administrator"},
        )


async def set_membership(actor: Actor, organisation: dict, user: dict, role: str) -> dict:
    """Give `user` (id, email) `role` in `organisation`: the membership is added, or its role
    changed (the last administrator keeps theirs). The caller has checked the actor."""
    result = {"email": user["email"], "organisation": organisation["slug"], "role": role}
    async with changes.change(
        actor, "membership.add", "membership", organisation_id=organisation["id"]
    ) as change:
        await lock_organisation(organisation["id"])
        existing = (
            await Membership.select(Membership.id, Membership.role)
            .where(
                (Membership.user == user["id"]) & (Membership.organisation == organisation["id"])
            )
            .first()
        )
        if existing is not None:
            if existing["role"] == role:
                return change.unchanged(result)
            await _keep_an_admin(organisation, {**existing, "email": user["email"]}, role)
            await Membership.update({Membership.role: role}).where(Membership.id == existing["id"])
            change.action, change.subject_id = "membership.role", existing["id"]
            change.before = {"role": existing["role"]}
        else:
            inserted = await Membership.insert(
                Membership(user=user["id"], organisation=organisation["id"], role=role)
            )
            change.subject_id = inserted[0]["id"]
        change.after = {"user": user["email"], "role": role}
    return result


# -- the members page ----------------------------------------------------------------------------


async def organisation_members(actor: Actor, organisation_slug: str) -> MembersView:
    organisation = await _managed(actor, organisation_slug)
    async with db.reading():
        rows = (
            await Membership.select(
                Membership.role,
                Membership.created_at,
                Membership.user.email.as_alias("email"),
                Membership.user.display_name.as_alias("name"),
            )
            .where(Membership.organisation == organisation["id"])
            .order_by(Membership.id)
            .limit(MAX_MEMBERS_LISTED)
        )
        invitations = await pending_invitations(organisation["id"])
    members = sorted(
        (Member(r["email"], r["name"], r["role"], r["created_at"]) for r in rows),
        key=lambda m: (m.name.casefold(), m.email),
    )
    return MembersView(
        slug=organisation["slug"],
        name=organisation["name"],
        members=tuple(members),
        invitations=tuple(
            PendingInvitation(i["id"], i["email"], i["role"], i["created_at"], i["expires_at"])
            for i in invitations
        ),
    )


async def add_person(actor: Actor, organisation_slug: str, email: str, role: str) -> Added:
    """Add the person with this email address to the organisation in `role`. Someone with an
    account becomes a member now; a new address gets an invitation (any earlier one for it is
    cancelled). Someone already a member is told to change their role instead."""
    organisation = await _managed(actor, organisation_slug)
    email, role = _checked(email, role)
    user = await User.select(User.id, User.email).where(User.email == email).first()
    if user is None:
        invited = await create_invitation(actor, organisation, email, role)
        return Added("invited", email, role, organisation["slug"], invited)
    if await Membership.exists().where(
        (Membership.user == user["id"]) & (Membership.organisation == organisation["id"])
    ):
        raise ValidationFailed(
            {
                "email": f"{email} is already a member of {organisation['name']}: change "
                "their role in the list of members instead"
            }
        )
    await changes.retrying_races(lambda: set_membership(actor, organisation, user, role))
    return Added("member", email, role, organisation["slug"])


async def change_role(actor: Actor, organisation_slug: str, email: str, role: str) -> dict:
    organisation = await _managed(actor, organisation_slug)
    email, role = _checked(email, role)
    async with changes.change(
        actor, "membership.role", "membership", organisation_id=organisation["id"]
    ) as change:
        await lock_organisation(organisation["id"])
        membership = await _membership(organisation, email)
        if membership["role"] == role:
            return change.unchanged({"email": email, "role": role})
        await _keep_an_admin(organisation, membership, role)
        await Membership.update({Membership.role: role}).where(Membership.id == membership["id"])
        change.subject_id = membership["id"]
        change.before = {"user": email, "role": membership["role"]}
        change.after = {"user": email, "role": role}
    return {"email": email, "role": role}


async def remove_member(actor: Actor, organisation_slug: str, email: str) -> None:
    """End a person's membership (an administrator may remove themselves, unless they are the
    last one). Their account and what they recorded stay."""
    organisation = await _managed(actor, organisation_slug)
    email, _ = _checked(email)
    async with changes.change(
        actor, "membership.remove", "membership", organisation_id=organisation["id"]
    ) as change:
        await lock_organisation(organisation["id"])
        membership = await _membership(organisation, email)
        await _keep_an_admin(organisation, membership, None)
        await Membership.delete().where(Membership.id == membership["id"])
        change.subject_id = membership["id"]
        change.before = {"user": email, "role": membership["role"]}


async def cancel_invitation(actor: Actor, organisation_slug: str, invitation_id: int) -> None:
    """Withdraw an invitation not yet accepted: its link stops working."""
    organisation = await _managed(actor, organisation_slug)
    now = dt.datetime.now(dt.UTC)
    async with changes.change(
        actor, "invitation.cancel", "invitation", organisation_id=organisation["id"]
    ) as change:
        cancelled = (
            await Invitation.update({Invitation.cancelled_at: now})
            .where(
                (Invitation.id == invitation_id)
                & (Invitation.organisation == organisation["id"])
                & Invitation.used_at.is_null()
                & Invitation.cancelled_at.is_null()
            )
            .returning(Invitation.id, Invitation.email, Invitation.role)
        )
        if not cancelled:
            raise NotFound(f"{organisation['name']} has no open invitation with that number")
        change.subject_id = cancelled[0]["id"]
        change.before = {"email": cancelled[0]["email"], "role": cancelled[0]["role"]}
