"""Server-side sessions: a random token in the browser, only its SHA-256 on the server.

A session ends when its holder signs out, after `SESSION_IDLE` without a request, or
`SESSION_LONGEST` after it began, whichever comes first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping

from registry import db
from registry.accounts.actors import ANONYMOUS, Actor
from registry.accounts.users import load_actor
from registry.tables import WebSession

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
