"""Invitations: how a person without an account joins an organisation.

An administrator adds an email address nobody has an account with (`members.add_person`);
that makes an invitation to a role, with a link holding a random token. The link is shown to
the administrator once, to pass on (when the registry sends mail, it will be sent from here
too). Only the token's SHA-256 is stored, so the table cannot be used to accept one. Whoever
opens the link sets their name and password, which creates their account and their
membership; the invitation is then used up. It lasts `INVITATION_LIFETIME`, is used at most
once (claimed with one conditional update, so two acceptances at once cannot both succeed),
and a newer invitation for the same address and organisation replaces it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from registry import changes
from registry.accounts.actors import Actor
from registry.accounts.passwords import check_password_rules, hash_password
from registry.errors import Conflict, NotFound
from registry.tables import Invitation, Membership, User
from registry.validation import Checker

INVITATION_LIFETIME = dt.timedelta(days=7)
MAX_TOKEN_LENGTH = 100  # a token is 43 characters; anything much longer is not one
NOT_VALID = (
    "This invitation link is not valid. Check that the whole link was copied, or ask the "
    "administrator who invited you for a new one."
)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Invited:
    """A new invitation as its administrator sees it, once: the token is never stored."""

    token: str
    email: str
    role: str
    organisation_name: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class InvitationView:
    """An invitation as the person invited sees it before accepting."""

    email: str
    role: str
    organisation_slug: str
    organisation_name: str
    expires_at: dt.datetime


def _open(now: dt.datetime):
    return (
        Invitation.used_at.is_null()
        & Invitation.cancelled_at.is_null()
        & (Invitation.expires_at > now)
    )


async def create_invitation(actor: Actor, organisation: dict, email: str, role: str) -> Invited:
    """Invite `email` to `role` in `organisation`, cancelling any invitation still open for
    that address there. The caller has checked the actor and the input."""
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    expires_at = now + INVITATION_LIFETIME
    async with changes.change(
        actor, "invitation.create", "invitation", organisation_id=organisation["id"]
    ) as change:
        await Invitation.update({Invitation.cancelled_at: now}).where(
            (Invitation.organisation == organisation["id"])
            & (Invitation.email == email)
            & _open(now)
        )
        inserted = await Invitation.insert(
            Invitation(
                token_hash=_token_hash(token),
                organisation=organisation["id"],
                email=email,
                role=role,
                invited_by=actor.user_id,
                created_at=now,
                expires_at=expires_at,
            )
        )
        change.subject_id = inserted[0]["id"]
        change.after = {"email": email, "role": role, "expires_at": expires_at}
        # Mail: when the registry sends mail, the invitation's message is queued here
        # (`change.queue`), so it is sent exactly when the invitation exists.
    return Invited(token, email, role, organisation["name"], expires_at)


async def pending_invitations(organisation_id: int) -> list[dict]:
    """The organisation's invitations still open, newest first."""
    return (
        await Invitation.select(
            Invitation.id,
            Invitation.email,
            Invitation.role,
            Invitation.created_at,
            Invitation.expires_at,
        )
        .where((Invitation.organisation == organisation_id) & _open(dt.datetime.now(dt.UTC)))
        .order_by(Invitation.id, ascending=False)
        .limit(200)
    )


async def _find(token: str) -> dict:
    """The invitation this token opens, or the refusal that says why it cannot be used."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound(NOT_VALID)
    row = (
        await Invitation.select(
            Invitation.all_columns(),
            Invitation.organisation.slug.as_alias("organisation_slug"),
            Invitation.organisation.name.as_alias("organisation_name"),
        )
        .where(Invitation.token_hash == _token_hash(token))
        .first()
    )
    if row is None:
        raise NotFound(NOT_VALID)
    if row["used_at"] is not None:
        raise Conflict("This invitation has already been used. Sign in with the account it made.")
    if row["cancelled_at"] is not None:
        raise Conflict(
            "This invitation was withdrawn or replaced by a newer one. Use the latest link you "
            "were sent, or ask the administrator who invited you for a new one."
        )
    if row["expires_at"] <= dt.datetime.now(dt.UTC):
        raise Conflict(
            "This invitation has expired: invitations last 7 days. Ask the administrator who "
            "invited you for a new one."
        )
    return row


async def invitation_for_token(token: str) -> InvitationView:
    row = await _find(token)
    return InvitationView(
        row["email"],
        row["role"],
        row["organisation_slug"],
        row["organisation_name"],
        row["expires_at"],
    )


async def accept_invitation(token: str, display_name: str, password: str) -> str:
    """Create the invited person's account (their name and password) and membership, and use
    the invitation up. Returns the email address they sign in with."""
    invitation = await _find(token)  # the token is the credential: checked before the input
    checker = Checker({"display_name": display_name})
    display_name = checker.text(
        "display_name", "Name", required=True, min_length=1, max_length=120, multiline=False
    )
    if not isinstance(password, str):
        password = ""
    problem = check_password_rules(password, invitation["email"])
    if problem:
        checker.fail("password", problem)
    checker.raise_if_invalid()
    # Hashed before the transaction, so the write lock is never held for the hash's duration.
    password_hash = await hash_password(password)
    email = invitation["email"]
    now = dt.datetime.now(dt.UTC)
    async with changes.change(
        Actor(user_id=None, label=email),
        "invitation.accept",
        "membership",
        organisation_id=invitation["organisation"],
    ) as change:
        claimed = (
            await Invitation.update({Invitation.used_at: now})
            .where((Invitation.id == invitation["id"]) & _open(now))
            .returning(Invitation.id)
        )
        if not claimed:
            raise Conflict("This invitation has just been used or withdrawn.")
        if await User.exists().where(User.email == email):
            raise Conflict(
                f"An account with the address {email} already exists: sign in with it, and ask "
                "the administrator to add you to their organisation."
            )
        user = await User.insert(
            User(email=email, display_name=display_name, password_hash=password_hash)
        )
        user_id = user[0]["id"]
        membership = await Membership.insert(
            Membership(
                user=user_id, organisation=invitation["organisation"], role=invitation["role"]
            )
        )
        change.actor = Actor(user_id=user_id, label=email, display_name=display_name)
        change.subject_id = membership[0]["id"]
        change.after = {"user": email, "role": invitation["role"]}
    return email
