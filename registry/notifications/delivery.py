"""From queued notifications to sent mail, exactly once.

`compose` puts each immediate notification in a message of its own, and gathers each person's
digest notifications of a period that has ended into one message. It runs in one transaction
that one process at a time may hold (an advisory lock on PostgreSQL; SQLite's write lock), and
a notification is taken only while it has no message, so none is put in two.

`send_due` sends queued messages one by one: each is claimed (status "sending", a conditional
update that only one worker can win) before it is handed to the mail server, and recorded as
sent after. A worker killed between the two leaves the claim behind; a claim older than
`CLAIM_LEASE` is marked "unconfirmed" and never sent again, because the server may well have
taken it. A failure the server calls temporary is retried with back-off and recorded; after
`MAX_ATTEMPTS`, or on a permanent refusal, the message is "failed". A message whose reason is
gone by the time it is sent (the follow stopped, the person unsubscribed) is "cancelled".

`unsubscribe` is what the signed link in every message does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from piccolo.engine.postgres import PostgresEngine

from registry import changes, db
from registry.accounts import Actor
from registry.config import Settings
from registry.indexing.sync import backoff
from registry.notifications.mail import (
    Item,
    MailFailed,
    deliver,
    read_unsubscribe_token,
    render,
    unsubscribe_token,
)
from registry.notifications.recipients import DIGESTS, IMMEDIATE, MEMBER, period_of
from registry.tables import (
    ContactMail,
    Follow,
    MailMessage,
    MailPreference,
    Notification,
    User,
)

log = logging.getLogger("registry.notifications")

MESSAGE_STATUSES = ("queued", "sending", "sent", "failed", "cancelled", "unconfirmed")
MAX_ATTEMPTS = 8
CLAIM_LEASE = dt.timedelta(minutes=10)  # far longer than one SMTP conversation may take
COMPOSE_LOCK_KEY = 74202  # the registry's mail composer, among PostgreSQL advisory locks
BATCH = 200


@dataclass
class MailResult:
    composed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    unconfirmed: int = 0
    errors: list[str] = field(default_factory=list)


# -- composing ---------------------------------------------------------------------------------


async def compose(now: dt.datetime | None = None) -> int:
    """Messages for the notifications ready to go; returns how many were made."""
    now = now or dt.datetime.now(dt.UTC)
    made = 0
    async with db.transaction():
        database = db.database()
        if isinstance(database, PostgresEngine):
            rows = await MailMessage.raw(
                "SELECT pg_try_advisory_xact_lock({}) AS locked", COMPOSE_LOCK_KEY
            )
            if not rows[0]["locked"]:
                return 0  # another worker is composing
        immediate = (
            await Notification.select(Notification.id, Notification.user, Notification.reason)
            .where((Notification.delivery == IMMEDIATE) & Notification.message.is_null())
            .order_by(Notification.id)
            .limit(BATCH)
        )
        for row in immediate:
            await _message_for([row["id"]], row["user"], "event", "", row["reason"])
            made += 1
        for delivery in DIGESTS:
            current = period_of(delivery, now)
            due = await Notification.select(
                Notification.id, Notification.user, Notification.period
            ).where(
                (Notification.delivery == delivery)
                & Notification.message.is_null()
                & (Notification.period < current)
            )
            groups: dict[tuple[int, str], list[int]] = defaultdict(list)
            for row in due:
                groups[row["user"], row["period"]].append(row["id"])
            for (user, period), ids in sorted(groups.items()):
                await _message_for(ids, user, "digest", period, f"digest:{delivery}")
                made += 1
    return made


async def _message_for(ids: list[int], user: int, kind: str, period: str, reason: str) -> None:
    inserted = await MailMessage.insert(
        MailMessage(user=user, kind=kind, period=period, reason=reason, status="queued")
    )
    await Notification.update({Notification.message: inserted[0]["id"]}).where(
        Notification.id.is_in(ids) & Notification.message.is_null()
    )


# -- sending -----------------------------------------------------------------------------------


# The queue tables of mail (`MailMessage`, `ContactMail`) share the columns these helpers use:
# status, attempts, claimed_at, available_at, sent_at, last_error and message_id.
MailTable = type[MailMessage] | type[ContactMail]
SendOne = Callable[[Settings, dict], Awaitable[str]]


async def release_abandoned(table: MailTable, now: dt.datetime) -> int:
    """Claims left by a worker that stopped mid-send: never sent again, since the mail server
    may have taken them; recorded for an administrator to see."""
    rows = (
        await table.update(
            {
                table.status: "unconfirmed",
                table.last_error: "the worker stopped while sending this message; it is not "
                "sent again, in case the mail server had already taken it",
            }
        )
        .where((table.status == "sending") & (table.claimed_at < now - CLAIM_LEASE))
        .returning(table.id)
    )
    return len(rows)


async def _claim(table: MailTable, row_id: int, now: dt.datetime) -> bool:
    claimed = (
        await table.update(
            {table.status: "sending", table.claimed_at: now, table.attempts: table.attempts + 1}
        )
        .where((table.id == row_id) & (table.status == "queued"))
        .returning(table.id)
    )
    return bool(claimed)


async def send_rows(
    settings: Settings, table: MailTable, send_one: SendOne, now: dt.datetime | None = None
) -> MailResult:
    """Send the rows of `table` that are due, one at a time, each claimed before it is handed
    to the mail server and recorded after, so none is sent twice."""
    result = MailResult()
    now = now or dt.datetime.now(dt.UTC)
    result.unconfirmed = await release_abandoned(table, now)
    due = (
        await table.select()
        .where((table.status == "queued") & (table.available_at <= now))
        .order_by(table.id)
        .limit(BATCH)
    )
    for row in due:
        if not await _claim(table, row["id"], dt.datetime.now(dt.UTC)):
            continue  # another worker took it
        outcome = await send_one(settings, row)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


async def hand_over(settings: Settings, table: MailTable, row: dict, email: EmailMessage) -> str:
    """Give `email` (the mail of `row`) to the mail server and record the outcome: sent, to be
    retried with back-off, or failed for good."""
    try:
        await deliver(settings, email)
    except MailFailed as exc:
        attempts = row["attempts"] + 1
        if exc.permanent or attempts >= MAX_ATTEMPTS:
            await record(table, row["id"], "failed", error=str(exc))
            log.warning("%s %s failed for good: %s", table._meta.tablename, row["id"], exc)
            return "failed"
        await record(
            table,
            row["id"],
            "queued",
            error=str(exc),
            available_at=dt.datetime.now(dt.UTC) + backoff(attempts),
        )
        log.info("%s %s will be retried: %s", table._meta.tablename, row["id"], exc)
        return "retrying"
    await record(table, row["id"], "sent", header=str(email["Message-ID"]))
    return "sent"


async def send_due(settings: Settings, now: dt.datetime | None = None) -> MailResult:
    """Send the queued notification messages that are due, one at a time."""
    return await send_rows(settings, MailMessage, _send_one, now)


async def _still_wanted(user: dict, reason: str) -> bool:
    if not user["is_active"]:
        return False
    if reason == MEMBER:
        off = await MailPreference.exists().where(
            (MailPreference.user == user["id"]) & (MailPreference.organisation_mail == False)  # noqa: E712
        )
        return not off
    if reason.startswith("follow:"):
        follow_id = reason.removeprefix("follow:")
        return follow_id.isdigit() and await Follow.exists().where(
            (Follow.id == int(follow_id)) & (Follow.user == user["id"])
        )
    if reason.startswith("digest:"):
        return await Follow.exists().where(
            (Follow.user == user["id"]) & (Follow.delivery == reason.removeprefix("digest:"))
        )
    return True


def _why(reason: str) -> str:
    if reason == MEMBER:
        return "you are a member of an organisation it concerns"
    if reason.startswith("digest:"):
        return f"you follow things in the registry with a {reason.removeprefix('digest:')} digest"
    return "you follow this in the registry"


async def _send_one(settings: Settings, message: dict) -> str:
    user = (
        await User.select(User.id, User.email, User.display_name, User.is_active)
        .where(User.id == message["user"])
        .first()
    )
    items = (
        await Notification.select()
        .where(Notification.message == message["id"])
        .order_by(Notification.id)
    )
    if user is None or not items or not await _still_wanted(user, message["reason"]):
        await record(MailMessage, message["id"], "cancelled")
        return "cancelled"
    token = unsubscribe_token(settings.secret_key, user["id"], message["reason"])
    base = settings.base_url
    listed = [Item(n["title"], n["text"], f"{base}{n['path']}", n["created_at"]) for n in items]
    if message["kind"] == "digest":
        weekly = "W" in message["period"]
        period = f"in the week {message['period']}" if weekly else f"on {message['period']}"
        subject = f"Your {'weekly' if weekly else 'daily'} registry digest: {len(listed)} update"
        subject += "" if len(listed) == 1 else "s"
        template = "digest"
    else:
        period, template = "", "event"
        subject = f"{items[0]['title']}: {_subject_words(items[0]['kind'])}"
    email = render(
        settings,
        to=user["email"],
        name=user["display_name"],
        subject=subject,
        template=template,
        items=listed,
        unsubscribe_url=f"{base}/unsubscribe/{token}",
        stops=_why(message["reason"]),
        period=period,
    )
    return await hand_over(settings, MailMessage, message, email)


SUBJECT_WORDS = {
    "interest.registered": "interest registered",
    "interest.withdrawn": "interest withdrawn",
    "pledge.made": "new pledge",
    "pledge.changed": "pledge changed",
    "pledge.confirmed": "pledge confirmed",
    "pledge.withdrawn": "pledge withdrawn",
    "adoption.recorded": "adoption recorded",
    "funding.reached": "funding target reached",
    "demand.gathering": "demand is gathering",
    "framework.ending": "framework ending",
    "solution.registered": "newly registered",
    "solution.published": "published",
    "solution.edited": "edited",
    "solution.retired": "retired",
    "solution.status": "status changed",
    "solution.transferred": "moved to another owner",
    "search.match": "matches your saved search",
    "programme.status": "status changed",
    "programme.figure": "figure recorded",
    "programme.transfer": "moved to another owner",
    "milestone.met": "milestone met",
    "milestone.missed": "milestone missed",
}


def _subject_words(kind: str) -> str:
    return SUBJECT_WORDS.get(kind, "update")


async def record(
    table: MailTable,
    row_id: int,
    status: str,
    *,
    error: str = "",
    header: str = "",
    available_at: dt.datetime | None = None,
) -> None:
    values: dict = {table.status: status, table.last_error: error[:2000]}
    if status == "sent":
        values[table.sent_at] = dt.datetime.now(dt.UTC)
        values[table.message_id] = header[:200]
    if available_at is not None:
        values[table.available_at] = available_at
    await table.update(values).where(table.id == row_id)


async def run(settings: Settings, now: dt.datetime | None = None) -> MailResult:
    """One round of mail: compose what is ready, then send what is due (notifications, then
    the messages to solutions' contacts)."""
    from registry.notifications import contact

    composed = await compose(now)
    result = await send_due(settings, now)
    result.composed = composed
    # The messages people wrote to solutions' contacts go out in the same round.
    relayed = await contact.send_due(settings, now)
    for name in ("sent", "retrying", "failed", "cancelled", "unconfirmed"):
        setattr(result, name, getattr(result, name) + getattr(relayed, name))
    return result


# -- unsubscribing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unsubscribed:
    what: str  # in words: "mail about ...", for the page that confirms it


async def unsubscribe_target(settings: Settings, token: str) -> tuple[int, str, str]:
    """The person and reason a link names, and what it stops in words; NotFound otherwise."""
    from registry.errors import NotFound

    read = read_unsubscribe_token(settings.secret_key, token)
    if read is None:
        raise NotFound("This unsubscribe link is not valid: it may have been cut short")
    user_id, reason = read
    return user_id, reason, _what(reason)


def _what(reason: str) -> str:
    if reason == MEMBER:
        return "email about what your organisations own and do"
    if reason.startswith("digest:"):
        return f"your {reason.removeprefix('digest:')} digest (the things followed in it)"
    return "email about this follow (the follow ends)"


async def unsubscribe(settings: Settings, token: str) -> Unsubscribed:
    """Stop what the link says, for the person it names; doing it twice is harmless."""
    user_id, reason, what = await unsubscribe_target(settings, token)
    user = await User.select(User.id, User.email).where(User.id == user_id).first()
    if user is None:
        return Unsubscribed(what)
    actor = Actor(user_id=user_id, label=user["email"])
    async with changes.change(actor, "mail.unsubscribe", "user", user_id) as change:
        change.after = {"reason": reason}
        if reason == MEMBER:
            await changes.save_row(
                MailPreference,
                MailPreference.user == user_id,
                {"organisation_mail": False},
                on_insert={"user": user_id},
                on_update={"updated_at": dt.datetime.now(dt.UTC)},
            )
        elif reason.startswith("digest:"):
            await Follow.delete().where(
                (Follow.user == user_id) & (Follow.delivery == reason.removeprefix("digest:"))
            )
        elif reason.startswith("follow:") and reason.removeprefix("follow:").isdigit():
            await Follow.delete().where(
                (Follow.id == int(reason.removeprefix("follow:"))) & (Follow.user == user_id)
            )
    return Unsubscribed(what)
