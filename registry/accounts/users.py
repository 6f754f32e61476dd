"""Users, memberships, roles and password checks, and the one rule every service asks first:
may this actor do this for that organisation?

An `Actor` is who is acting: a signed-in user with their memberships, or the seed loader.
Services never trust an organisation named in input; they look up the actor's role in that
organisation and refuse with `PermissionDenied` when it does not allow the action.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from registry import audit, db
from registry.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RegistryError,
    ValidationFailed,
)
from registry.tables import Membership, Organisation, SignInAttempt, User, WebSession
from registry.validation import Checker
from registry.vocabulary import ROLES

ANY_ROLE = frozenset(ROLES)
# Which membership roles allow which action for the organisation acted for.
PERMISSIONS: dict[str, frozenset[str]] = {
    "interest.register": ANY_ROLE,
    "interest.withdraw": ANY_ROLE,
    "sponsorship.pledge": ANY_ROLE,
    "sponsorship.withdraw": ANY_ROLE,
    "sponsorship.confirm": frozenset({"org_admin"}),
    "adoption.record": ANY_ROLE,
    "solution.create": ANY_ROLE,
    "solution.create.procurement": frozenset({"procurement", "org_admin"}),
    "solution.edit": ANY_ROLE,
    "solution.retire": frozenset({"procurement", "org_admin"}),
    "membership.manage": frozenset({"org_admin"}),
}
# Actions the Digital Office's curators may take on any solution, whoever owns it. Acting *for*
# an organisation (interest, pledges, adoption) is never among them.
CURATION = frozenset({"solution.edit", "solution.retire"})

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class MembershipRef:
    organisation_id: int
    slug: str
    name: str
    kind: str
    role: str


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    roles: Mapping[int, str] = field(default_factory=dict)  # organisation id -> role
    is_digital_office: bool = False
    is_system: bool = False
    display_name: str = ""
    memberships: tuple[MembershipRef, ...] = ()

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def organisations_for(self, action: str) -> list[MembershipRef]:
        """The organisations this actor may take `action` for, by name."""
        return [m for m in self.memberships if self.may(action, m.organisation_id)]

    def role_in(self, organisation_id: int) -> str | None:
        return self.roles.get(organisation_id)

    def may(self, action: str, organisation_id: int) -> bool:
        if self.is_system:
            return True
        if self.is_digital_office and action in CURATION:
            return True
        role = self.role_in(organisation_id)
        return role is not None and role in PERMISSIONS[action]


ANONYMOUS = Actor(user_id=None, label="anonymous")


def system_actor(label: str = "system") -> Actor:
    """The seed loader and maintenance commands: never reachable from a web request."""
    return Actor(user_id=None, label=label, is_system=True)


def require(actor: Actor, action: str, organisation: Mapping) -> None:
    if not actor.may(action, organisation["id"]):
        if actor.user_id is None and not actor.is_system:
            raise PermissionDenied("Sign in to do this")
        raise PermissionDenied(
            f"You are not a member of {organisation['name']} with a role that allows this"
        )


def require_digital_office(actor: Actor) -> None:
    if not (actor.is_system or actor.is_digital_office):
        raise PermissionDenied("Only Digital Office staff can do this")


# -- passwords ----------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the email is unknown, so a wrong email costs the same time.
_UNKNOWN_USER_HASH = _hasher.hash("no such user: this hash only equalises timing")


def check_password_rules(password: str, email: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 256:
        return "Password must be 256 characters or fewer"
    if password.strip().lower() == email.strip().lower():
        return "Password must not be your email address"
    return None


# -- users and memberships ----------------------------------------------------------------


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
    async with db.transaction():
        user = User(
            email=email,
            display_name=display_name,
            password_hash=hash_password(password),
            is_digital_office=is_digital_office,
            is_demo=is_demo,
        )
        await user.save()
        await audit.record(
            actor,
            "user.create",
            "user",
            user.id,
            after={"email": email, "is_digital_office": is_digital_office, "is_demo": is_demo},
        )
    return {"id": user.id, "email": email, "display_name": display_name}


async def add_member(actor: Actor, email: str, organisation_slug: str, role: str) -> dict:
    checker = Checker({"role": role})
    role = checker.choice("role", "Role", ROLES)
    checker.raise_if_invalid()
    user = await User.objects().where(User.email == email.strip().lower()).first()
    if user is None:
        raise NotFound(f"No user has the email address {email}")
    organisation = await organisation_by_slug(organisation_slug)
    require(actor, "membership.manage", organisation)
    async with db.transaction():
        existing = (
            await Membership.objects()
            .where((Membership.user == user.id) & (Membership.organisation == organisation["id"]))
            .first()
        )
        before = {"role": existing.role} if existing else None
        if existing:
            if existing.role == role:
                return {"email": user.email, "organisation": organisation["slug"], "role": role}
            existing.role = role
            await existing.save()
            membership_id = existing.id
        else:
            membership = Membership(user=user.id, organisation=organisation["id"], role=role)
            await membership.save()
            membership_id = membership.id
        await audit.record(
            actor,
            "membership.set",
            "membership",
            membership_id,
            organisation_id=organisation["id"],
            before=before,
            after={"user": user.email, "role": role},
        )
    return {"email": user.email, "organisation": organisation["slug"], "role": role}


async def organisation_by_slug(slug: str) -> dict:
    row = await Organisation.select().where(Organisation.slug == slug).first()
    if row is None:
        raise NotFound(f"There is no organisation called {slug!r}")
    return row


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
        password_matches(_UNKNOWN_USER_HASH, password)
        return None
    if not password_matches(user["password_hash"], password):
        return None
    if not user["is_active"] or (user["is_demo"] and not allow_demo):
        return None
    await User.update({User.last_signed_in_at: dt.datetime.now(dt.UTC)}).where(
        User.id == user["id"]
    )
    return user


__all__ = [
    "ANONYMOUS",
    "Actor",
    "Conflict",
    "add_member",
    "authenticate",
    "create_user",
    "load_actor",
    "require",
    "system_actor",
]


# -- sessions -----------------------------------------------------------------------------------

SESSION_IDLE = dt.timedelta(hours=2)
SESSION_LONGEST = dt.timedelta(hours=12)
_SEEN_EVERY = dt.timedelta(minutes=1)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(user_id: int, previous_token: str | None = None) -> str:
    """A new session for `user_id`, with a token never used before: any session the browser
    had is ended first, so a token planted before sign-in is worthless after it."""
    if previous_token:
        await end_session(previous_token)
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    # Sessions nobody came back to would otherwise stay forever; sign-in is rare enough to
    # sweep them here.
    await WebSession.delete().where(
        (WebSession.expires_at <= now) | (WebSession.last_seen_at <= now - SESSION_IDLE)
    )
    await WebSession.insert(
        WebSession(
            token_hash=_token_hash(token),
            user=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LONGEST,
        )
    )
    return token


async def end_session(token: str) -> None:
    await WebSession.delete().where(WebSession.token_hash == _token_hash(token))


async def actor_for_session(token: str | None, *, allow_demo: bool) -> Actor:
    """Who holds this session token: a signed-in user's actor, or `ANONYMOUS` when the token is
    unknown, expired or idle too long (or belongs to a demo account where they are refused)."""
    if not token or len(token) > 100:
        return ANONYMOUS
    async with db.reading():
        session = (
            await WebSession.select().where(WebSession.token_hash == _token_hash(token)).first()
        )
        live = session is not None and _still_live(session)
        actor = await load_actor(session["user"], allow_demo=allow_demo) if live else None
    # Writes after the reads, outside their transaction.
    if session is not None and not live:
        await WebSession.delete().where(WebSession.id == session["id"])
    elif actor is not None and session["last_seen_at"] + _SEEN_EVERY <= dt.datetime.now(dt.UTC):
        await WebSession.update({WebSession.last_seen_at: dt.datetime.now(dt.UTC)}).where(
            WebSession.id == session["id"]
        )
    return actor or ANONYMOUS


def _still_live(session: Mapping) -> bool:
    now = dt.datetime.now(dt.UTC)
    return session["expires_at"] > now and session["last_seen_at"] + SESSION_IDLE > now


# -- slowing down password guessing ------------------------------------------------------------

ATTEMPT_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_ATTEMPTS_PER_ADDRESS = 20


class TooManyAttempts(RegistryError):
    code = "too_many_requests"


async def check_sign_in_allowed(address: str, email: str) -> None:
    """Refuse a sign-in attempt from an address that has tried too often, or for an account
    that has failed too often, in the last quarter of an hour."""
    since = dt.datetime.now(dt.UTC) - ATTEMPT_WINDOW
    email = email.strip().lower()
    by_address = await SignInAttempt.count().where(
        (SignInAttempt.address == address) & (SignInAttempt.created_at > since)
    )
    failures = await SignInAttempt.count().where(
        (SignInAttempt.email == email)
        & SignInAttempt.succeeded.eq(False)
        & (SignInAttempt.created_at > since)
    )
    if by_address >= MAX_ATTEMPTS_PER_ADDRESS or failures >= MAX_FAILURES_PER_ACCOUNT:
        minutes = int(ATTEMPT_WINDOW.total_seconds() // 60)
        raise TooManyAttempts(f"Too many sign-in attempts. Wait {minutes} minutes, then try again.")


async def sign_in(
    address: str, email: str, password: str, *, allow_demo: bool, previous_token: str | None
) -> str:
    """Sign a person in: the token of a new session. Every rule of signing in lives here, so
    any way in gets them: both fields required, attempts limited per address and per account
    (`TooManyAttempts`), each attempt recorded, the browser's previous session ended. A wrong
    email or password is refused without saying which (`ValidationFailed` on "email")."""
    email = email.strip()
    missing = {}
    if not email:
        missing["email"] = "Enter your email address"
    if not password:
        missing["password"] = "Enter your password"  # noqa: S105 - a message, not a secret
    if missing:
        raise ValidationFailed(missing)
    await check_sign_in_allowed(address, email)
    user = await authenticate(email, password, allow_demo=allow_demo)
    await record_sign_in_attempt(address, email, user is not None)
    if user is None:
        raise ValidationFailed({"email": "Enter a correct email address and password"})
    return await start_session(user["id"], previous_token)


async def record_sign_in_attempt(address: str, email: str, succeeded: bool) -> None:
    await SignInAttempt.insert(
        SignInAttempt(address=address[:64], email=email.strip().lower()[:254], succeeded=succeeded)
    )
    # Keep the table small: attempts older than a day no longer count for anything.
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await SignInAttempt.delete().where(SignInAttempt.created_at < old)
