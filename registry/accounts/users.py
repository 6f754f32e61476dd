"""Users and their memberships of organisations, and checking a user's email and password.

Users are created by the `registry` command (or the demo accounts in development), never from a
web request; organisation admins manage their organisation's memberships.
"""

from __future__ import annotations

import datetime as dt

from registry import changes
from registry.accounts.actors import Actor, MembershipRef, require
from registry.accounts.members import set_membership
from registry.accounts.passwords import (
    check_against_nobody,
    check_password_rules,
    hash_password,
    password_matches,
)
from registry.errors import NotFound, PermissionDenied, ValidationFailed
from registry.organisations import organisation_by_slug
from registry.tables import Membership, User
from registry.validation import Checker
from registry.vocabulary import ROLES


async def create_user(
    actor: Actor,
    email: str,
    display_name: str,
    password: str,
    *,
    is_digital_office: bool = False,
    is_demo: bool = False,
) -> dict:
    if not actor.is_system:
        raise PermissionDenied("Users are created with the registry command")
    checker = Checker({"email": email, "display_name": display_name})
    email = checker.email("email", "Email address", required=True)
    display_name = checker.text(
        "display_name", "Name", required=True, min_length=1, max_length=120, multiline=False
    )
    problem = check_password_rules(password, email)
    if problem:
        checker.fail("password", problem)
    checker.raise_if_invalid()
    if await User.exists().where(User.email == email):
        raise ValidationFailed({"email": "A user with this email address already exists"})
    # Hashed before the transaction, so the write lock is never held for the hash's duration.
    password_hash = await hash_password(password)
    async with changes.change(actor, "user.create", "user") as change:
        user = User(
            email=email,
            display_name=display_name,
            password_hash=password_hash,
            is_digital_office=is_digital_office,
            is_demo=is_demo,
        )
        await user.save()
        change.subject_id = user.id
        change.after = {"email": email, "is_digital_office": is_digital_office, "is_demo": is_demo}
    return {"id": user.id, "email": email, "display_name": display_name}


async def add_member(actor: Actor, email: str, organisation_slug: str, role: str) -> dict:
    """Give a user a role in an organisation (or change the role they have; the last
    administrator keeps theirs). Who is acting is checked before the role or the user is
    looked at, so a refusal says nothing about either."""
    organisation = await organisation_by_slug(organisation_slug)
    require(actor, "membership.manage", organisation)
    checker = Checker({"role": role})
    role = checker.choice("role", "Role", ROLES)
    checker.raise_if_invalid()
    user = await User.select(User.id, User.email).where(User.email == email.strip().lower()).first()
    if user is None:
        raise NotFound(f"No user has the email address {email}")
    return await changes.retrying_races(lambda: set_membership(actor, organisation, user, role))


async def load_actor(user_id: int, *, allow_demo: bool = True) -> Actor | None:
    """The actor of an active user, or None (unknown, deactivated, or a demo account where
    demo accounts are not allowed)."""
    user = await User.select().where((User.id == user_id) & (User.is_active.eq(True))).first()
    if user is None or (user["is_demo"] and not allow_demo):
        return None
    rows = await Membership.select(
        Membership.organisation,
        Membership.role,
        Membership.organisation.slug.as_alias("slug"),
        Membership.organisation.name.as_alias("name"),
        Membership.organisation.kind.as_alias("kind"),
    ).where(Membership.user == user_id)
    rows.sort(key=lambda row: row["name"])
    return Actor(
        user_id=user["id"],
        label=user["email"],
        roles={row["organisation"]: row["role"] for row in rows},
        is_digital_office=user["is_digital_office"],
        display_name=user["display_name"],
        memberships=tuple(
            MembershipRef(row["organisation"], row["slug"], row["name"], row["kind"], row["role"])
            for row in rows
        ),
    )


async def authenticate(email: str, password: str, *, allow_demo: bool) -> dict | None:
    """The user whose email and password these are, or None. Demo accounts only sign in where
    the caller allows them (development)."""
    user = await User.select().where(User.email == email.strip().lower()).first()
    if user is None:
        await check_against_nobody(password)
        return None
    if not await password_matches(user["password_hash"], password):
        return None
    if not user["is_active"] or (user["is_demo"] and not allow_demo):
        return None
    await User.update({User.last_signed_in_at: dt.datetime.now(dt.UTC)}).where(
        User.id == user["id"]
    )
    return user
