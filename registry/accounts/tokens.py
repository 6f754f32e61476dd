"""API tokens: how a council's own systems act in the registry for one of its people.

A token belongs to one person acting for one organisation, with scopes that say which kinds of
action it may take (`SCOPES`), an optional expiry, a name, and its created and last-used times.
Only a SHA-256 of its secret is stored (the secret has 256 random bits, so a slow hash adds
nothing); the secret is shown once, when it is made.

A token never carries more than its person's current rights: every request re-reads the person
and their membership, so a token stops working the moment its person leaves the organisation or
is deactivated, and a role taken away (an administrator made a member) is gone from the token at
once. The actor a token gives (`TokenActor`) acts for the token's organisation only, and only in
its scopes, whatever else its person may do.

Also here, because every server process must see the same numbers: each token's rate limits
(requests counted per token in a fixed window, one conditional update per request, like the
sign-in limits), and the answers kept for retried requests sent with an `Idempotency-Key`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from registry import changes, db
from registry.accounts.actors import Actor, MembershipRef, require, require_signed_in
from registry.accounts.users import load_actor
from registry.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    SignInRequired,
    TooManyRequests,
    ValidationFailed,
)
from registry.organisations import organisation_by_slug
from registry.tables import ApiIdempotency, ApiRateLimit, ApiToken, User
from registry.validation import Checker

SCOPES = {
    "read": "Read as you: your organisation's drafts and pledge notes",
    "interest": "Register, change and withdraw interest",
    "sponsorship": "Pledge, change, confirm and withdraw pledges",
    "adoption": "Record adoption",
    "solutions": "Register, edit, publish and retire solutions",
    "programmes": "Manage programmes, milestones and figures (Digital Office curators)",
}
CURATOR_SCOPES = frozenset({"programmes"})
# The scope each kind of action needs, by the action's first word (`interest.register`).
ACTION_SCOPES = {
    "interest": "interest",
    "sponsorship": "sponsorship",
    "adoption": "adoption",
    "solution": "solutions",
    "programme": "programmes",
    "milestone": "programmes",
}
PREFIX = "ssr_"
MAX_ACTIVE_TOKENS = 50  # per person
_USED_EVERY = dt.timedelta(minutes=1)

RATE_WINDOW = dt.timedelta(minutes=1)
IDEMPOTENCY_LIFETIME = dt.timedelta(hours=24)
# A claim on a key whose request never finished (its process died before answering) may be taken
# over after this long: far longer than any write takes, short enough that a retry soon succeeds.
UNFINISHED_CLAIM = dt.timedelta(seconds=60)
# The status of a key whose work is committed but whose answer is not kept yet (the request may
# have died in between): its body holds the slug of what the work changed.
WORK_DONE = -1
MAX_IDEMPOTENCY_KEY = 200
MAX_IDEMPOTENCY_KEYS = 10_000  # per token, in one lifetime
MAX_KEPT_ANSWER = 256 * 1024  # bytes


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class TokenActor(Actor):
    """A person acting through a token: for the token's organisation only (with the person's
    current role there), and only for actions in the token's scopes."""

    token_id: int = 0
    organisation_id: int = 0
    scopes: frozenset[str] = field(default_factory=frozenset)

    def may(self, action: str, organisation_id: int) -> bool:
        needed = ACTION_SCOPES.get(action.partition(".")[0])
        if needed is None or needed not in self.scopes:
            return False
        return super().may(action, organisation_id)


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    name: str
    prefix: str
    organisation_slug: str
    organisation_name: str
    person_name: str
    person_email: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= dt.datetime.now(dt.UTC):
            return "expired"
        return "active"


@dataclass(frozen=True, slots=True)
class Issued:
    """A token just made: its view, and its secret, which is never shown again."""

    token: TokenView
    secret: str


_COLUMNS = (
    ApiToken.all_columns(),
    ApiToken.organisation.slug.as_alias("organisation_slug"),
    ApiToken.organisation.name.as_alias("organisation_name"),
    ApiToken.organisation.kind.as_alias("organisation_kind"),
    ApiToken.user.display_name.as_alias("person_name"),
    ApiToken.user.email.as_alias("person_email"),
)


def _view(row: Mapping[str, Any]) -> TokenView:
    return TokenView(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        organisation_slug=row["organisation_slug"],
        organisation_name=row["organisation_name"],
        person_name=row["person_name"],
        person_email=row["person_email"],
        scopes=tuple(s for s in SCOPES if s in (row["scopes"] or [])),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


async def _rows(where) -> list[TokenView]:
    rows = (
        await ApiToken.select(*_COLUMNS)
        .where(where)
        .order_by(ApiToken.id, ascending=False)
        .output(load_json=True)
    )
    return [_view(row) for row in rows]


# -- making, listing and revoking ----------------------------------------------------------------


async def issue_token(
    actor: Actor,
    organisation_slug: str,
    data: Mapping[str, Any],
    *,
    for_email: str | None = None,
) -> Issued:
    """Make a token for the actor (or, for the `registry` command, the person `for_email`)
    acting for one organisation they are a member of. `data` holds `name`, `scopes` (a list)
    and optionally `expires_on` (the last day it works)."""
    require_signed_in(actor)
    if for_email is not None:
        if not actor.is_system:
            raise PermissionDenied("Only the registry command makes tokens for other people")
        user = await User.select(User.id).where(User.email == for_email.strip().lower()).first()
        person = await load_actor(user["id"]) if user else None
        if person is None:
            raise NotFound(f"There is no active user with the email address {for_email}")
    else:
        person = actor
    organisation = await organisation_by_slug(organisation_slug)
    role = person.role_in(organisation["id"])
    if role is None:
        raise PermissionDenied(
            f"{person.label} is not a member of {organisation['name']}: a token acts for an "
            "organisation its person belongs to"
        )
    checker = Checker(data)
    name = checker.text("name", "Name", required=True, max_length=80, multiline=False)
    scopes = checker.choices("scopes", "Scopes", SCOPES, max_items=len(SCOPES))
    if not scopes and "scopes" not in checker.errors:
        checker.fail("scopes", "Select at least one scope")
    if CURATOR_SCOPES & set(scopes) and not person.is_digital_office:
        checker.fail("scopes", "Only Digital Office curators can have the programmes scope")
    expires_on = checker.date("expires_on", "Expiry date")
    if expires_on is not None and expires_on < dt.date.today():
        checker.fail("expires_on", "Expiry date must be today or later")
    checker.raise_if_invalid()
    active = await ApiToken.count().where(
        (ApiToken.user == person.user_id) & ApiToken.revoked_at.is_null()
    )
    if active >= MAX_ACTIVE_TOKENS:
        raise Conflict(f"A person can have at most {MAX_ACTIVE_TOKENS} tokens: revoke one first")
    expires_at = None
    if expires_on is not None:  # it works to the end of its last day
        expires_at = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time(), dt.UTC)
    secret = PREFIX + secrets.token_urlsafe(32)
    async with changes.change(actor, "token.create", "api_token") as change:
        inserted = await ApiToken.insert(
            ApiToken(
                token_hash=_hash(secret),
                prefix=secret[: len(PREFIX) + 6],
                name=name,
                user=person.user_id,
                organisation=organisation["id"],
                scopes=scopes,
                expires_at=expires_at,
            )
        )
        change.subject_id = inserted[0]["id"]
        change.after = {
            "organisation": organisation["slug"],
            "user": person.label,
            "name": name,
            "scopes": scopes,
            "expires_on": expires_on,
        }
    (view,) = await _rows(ApiToken.id == inserted[0]["id"])
    return Issued(view, secret)


async def tokens_of(actor: Actor) -> list[TokenView]:
    """The actor's own tokens, newest first."""
    require_signed_in(actor)
    return await _rows(ApiToken.user == actor.user_id)


async def organisation_tokens(actor: Actor, organisation_slug: str) -> list[TokenView]:
    """Every token acting for an organisation: for its administrators (and curators)."""
    require_signed_in(actor)
    organisation = await organisation_by_slug(organisation_slug)
    require(actor, "membership.manage", organisation)
    return await _rows(ApiToken.organisation == organisation["id"])


async def revoke_token(actor: Actor, token_id: int) -> TokenView:
    """Revoke a token: its person may, and so may whoever manages its organisation's members.
    Revoking a revoked token changes nothing."""
    require_signed_in(actor)
    found = await _rows(ApiToken.id == token_id)
    row = (
        await ApiToken.select(ApiToken.user, ApiToken.organisation)
        .where(ApiToken.id == token_id)
        .first()
    )
    if not found or row is None:
        raise NotFound("There is no such token")
    token = found[0]
    if row["user"] != actor.user_id and not actor.may("membership.manage", row["organisation"]):
        # Someone else's token, in an organisation they do not manage: as if it did not exist.
        raise NotFound("There is no such token")
    if token.revoked_at is not None:
        return token
    async with changes.change(actor, "token.revoke", "api_token", token_id) as change:
        await ApiToken.update(
            {ApiToken.revoked_at: dt.datetime.now(dt.UTC), ApiToken.revoked_by: actor.user_id}
        ).where((ApiToken.id == token_id) & ApiToken.revoked_at.is_null())
        change.before = {"organisation": token.organisation_slug, "name": token.name}
    (view,) = await _rows(ApiToken.id == token_id)
    return view


# -- acting through a token ------------------------------------------------------------------------


async def actor_for_token(secret: str, *, allow_demo: bool) -> TokenActor:
    """The actor of a token's secret, with its person's rights as they are now, or
    `SignInRequired` saying why the token does not work."""
    if not secret or len(secret) > 200 or not secret.startswith(PREFIX):
        raise SignInRequired("This is not a registry API token")
    async with db.reading():
        row = (
            await ApiToken.select(*_COLUMNS)
            .where(ApiToken.token_hash == _hash(secret))
            .output(load_json=True)
            .first()
        )
        if row is None:
            raise SignInRequired("This token is not known: it may have been mistyped")
        token = _view(row)
        if token.state == "revoked":
            raise SignInRequired("This token has been revoked")
        if token.state == "expired":
            raise SignInRequired("This token has expired")
        person = await load_actor(row["user"], allow_demo=allow_demo)
    if person is None:
        raise SignInRequired("This token's person can no longer sign in")
    organisation_id = row["organisation"]
    role = person.role_in(organisation_id)
    if role is None:
        raise SignInRequired(
            f"This token's person is no longer a member of {token.organisation_name}"
        )
    now = dt.datetime.now(dt.UTC)
    if token.last_used_at is None or token.last_used_at + _USED_EVERY <= now:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == token.id)
    return TokenActor(
        user_id=person.user_id,
        label=person.label,
        roles={organisation_id: role},
        is_digital_office=person.is_digital_office,
        display_name=person.display_name,
        memberships=tuple(m for m in person.memberships if m.organisation_id == organisation_id)
        or (
            MembershipRef(
                organisation_id,
                token.organisation_slug,
                token.organisation_name,
                row["organisation_kind"],
                role,
            ),
        ),
        token_id=token.id,
        organisation_id=organisation_id,
        scopes=frozenset(token.scopes),
    )


# -- rate limits -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateState:
    """Where one token stands in one of its limits: `allowed` says whether this request fits."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window ends


async def count_request(token_id: int, kind: str, limit: int) -> RateState:
    """Count one request of `kind` (`read` or `write`) against the token's limit, or refuse it
    when the window is full. One conditional update does the counting, so parallel requests in
    any number of server processes never pass the limit together."""
    key = f"{token_id}:{kind}"
    now = dt.datetime.now(dt.UTC)
    ended = now - RATE_WINDOW
    # One statement (an upsert that starts a new window or counts within this one, and counts
    # nothing once the window is full): on SQLite the write lock is held for one statement, not
    # for a transaction of several, which every other writer would queue behind.
    counted = await ApiRateLimit.raw(
        "INSERT INTO api_rate_limit (key, requests, window_started_at) VALUES ({}, 1, {}) "
        "ON CONFLICT (key) DO UPDATE SET "
        "requests = CASE WHEN api_rate_limit.window_started_at <= {} THEN 1 "
        "ELSE api_rate_limit.requests + 1 END, "
        "window_started_at = CASE WHEN api_rate_limit.window_started_at <= {} THEN {} "
        "ELSE api_rate_limit.window_started_at END "
        "WHERE api_rate_limit.window_started_at <= {} OR api_rate_limit.requests < {} "
        "RETURNING requests, window_started_at",
        key,
        now,
        ended,
        ended,
        now,
        ended,
        limit,
    )
    row = (
        counted[0]
        if counted
        else await ApiRateLimit.select(ApiRateLimit.requests, ApiRateLimit.window_started_at)
        .where(ApiRateLimit.key == key)
        .first()
    )
    started = row["window_started_at"]
    if isinstance(started, str):  # SQLite answers RETURNING with the stored text
        started = dt.datetime.fromisoformat(started)
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    reset = max(1, int((started + RATE_WINDOW - now).total_seconds() + 0.999))
    return RateState(
        allowed=bool(counted),
        limit=limit,
        remaining=max(0, limit - row["requests"]),
        reset_seconds=reset,
    )


# -- idempotent retries ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    status: int
    body: bytes


def _stored_key(token_id: int, key: str) -> str:
    return f"{token_id}:{key}"


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            {
                "Idempotency-Key": f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable "
                "ASCII characters, such as a UUID"
            }
        )


async def reserve_idempotency(token_id: int, key: str, request_hash: str) -> KeptAnswer | None:
    """The answer kept for this token's earlier request with `key`, or None when this is the
    first: the key is then reserved until `keep_answer` (or `release_idempotency`). The same
    key with a different request is refused (422), and one whose first request is still being
    handled answers 409, so two retries racing each other do the work once. A claim left by a
    request that never finished (older than `UNFINISHED_CLAIM`) is taken over by the next
    retry."""
    _check_key(key)
    now = dt.datetime.now(dt.UTC)
    await ApiIdempotency.delete().where(ApiIdempotency.created_at < now - IDEMPOTENCY_LIFETIME)
    try:
        if await ApiIdempotency.count().where(ApiIdempotency.token == token_id) >= (
            MAX_IDEMPOTENCY_KEYS
        ):
            raise TooManyRequests(
                f"This token has used {MAX_IDEMPOTENCY_KEYS:,} idempotency keys in a day: send "
                "further requests without one, or wait"
            )
        await ApiIdempotency.insert(
            ApiIdempotency(
                token=token_id, key=_stored_key(token_id, key), request_hash=request_hash, status=0
            )
        )
        return None
    except Exception as exc:
        if not db.is_unique_violation(exc):
            raise
    kept = (
        await ApiIdempotency.select()
        .where(ApiIdempotency.key == _stored_key(token_id, key))
        .first()
    )
    if kept is None:  # released meanwhile: this request goes ahead
        return await reserve_idempotency(token_id, key, request_hash)
    if kept["request_hash"] != request_hash:
        raise ValidationFailed(
            {"Idempotency-Key": "This Idempotency-Key was already used for a different request"}
        )
    if kept["status"] == 0:
        if kept["created_at"] < now - UNFINISHED_CLAIM and await _take_over(kept["id"], now):
            return None
        raise Conflict("The first request with this Idempotency-Key is still being handled")
    return KeptAnswer(kept["status"], kept["body"].encode())


async def work_done(token_id: int, key: str, subject_slug: str) -> None:
    """Record, in the transaction of the work's change, that the work under `key` is done and
    what it changed: a retry then answers from it instead of doing the work again, even if the
    first request never kept its answer."""
    await ApiIdempotency.update(
        {ApiIdempotency.status: WORK_DONE, ApiIdempotency.body: subject_slug}
    ).where((ApiIdempotency.key == _stored_key(token_id, key)) & (ApiIdempotency.status == 0))


async def _take_over(row_id: int, now: dt.datetime) -> bool:
    """Claim anew a key whose first request never finished: one retry wins (the update is
    conditional on the claim still being the stale one), any other still sees it in progress."""
    taken = (
        await ApiIdempotency.update({ApiIdempotency.created_at: now})
        .where(
            (ApiIdempotency.id == row_id)
            & (ApiIdempotency.status == 0)
            & (ApiIdempotency.created_at < now - UNFINISHED_CLAIM)
        )
        .returning(ApiIdempotency.id)
    )
    return bool(taken)


async def keep_answer(token_id: int, key: str, status: int, body: bytes) -> None:
    text = body.decode() if len(body) <= MAX_KEPT_ANSWER else ""
    await ApiIdempotency.update({ApiIdempotency.status: status, ApiIdempotency.body: text}).where(
        ApiIdempotency.key == _stored_key(token_id, key)
    )


async def release_idempotency(token_id: int, key: str) -> None:
    """The request failed: forget the key, so that a retry does the work."""
    await ApiIdempotency.delete().where(
        (ApiIdempotency.key == _stored_key(token_id, key)) & (ApiIdempotency.status == 0)
    )
