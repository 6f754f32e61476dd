"""Who is told: the members of organisations and the followers of things, and the queuing of one
notification per person, never to the person who caused it.

A person reached both as a member and as a follower is told once. Member mail is immediate and
stops when the person unsubscribes from it (`MailPreference.organisation_mail`); a follow's mail
comes as the follow says (immediately, or in the day's or week's digest).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from registry import db
from registry.tables import Follow, MailPreference, Membership, Notification, User

IMMEDIATE = "immediate"
DIGESTS = ("daily", "weekly")
DELIVERIES = {
    "immediate": "Immediately, one email each",
    "daily": "In a daily digest",
    "weekly": "In a weekly digest",
}
MEMBER = "member"


@dataclass(frozen=True)
class Event:
    """Something worth telling: what it is about and what happened, in a sentence."""

    kind: str
    subject_type: str
    subject_slug: str
    title: str
    text: str
    path: str


def period_of(delivery: str, when: dt.datetime) -> str:
    """The digest period a notification made at `when` belongs to: its day or its ISO week (UTC).
    The strings sort in time order, so "before the current period" is a comparison."""
    day = when.astimezone(dt.UTC).date()
    if delivery == "daily":
        return day.isoformat()
    if delivery == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return ""


class Recipients:
    """People to tell, each with why (what unsubscribing stops) and how."""

    def __init__(self) -> None:
        self.people: dict[int, tuple[str, str]] = {}  # user id -> (reason, delivery)
        # The organisations whose members are told: their webhooks are told too.
        self.organisations: set[int] = set()

    def add(self, user_id: int, reason: str, delivery: str) -> None:
        self.people.setdefault(user_id, (reason, delivery))

    async def members_of(self, organisation_ids: Iterable[int | None]) -> Recipients:
        ids = sorted({i for i in organisation_ids if i is not None})
        if not ids:
            return self
        self.organisations.update(ids)
        rows = await Membership.select(Membership.user).where(
            Membership.organisation.is_in(ids) & (Membership.user.is_active == True)  # noqa: E712
        )
        users = {r["user"] for r in rows}
        if users:
            off = await MailPreference.select(MailPreference.user).where(
                MailPreference.user.is_in(sorted(users))
                & (MailPreference.organisation_mail == False)  # noqa: E712
            )
            users -= {r["user"] for r in off}
        for user_id in sorted(users):
            self.add(user_id, MEMBER, IMMEDIATE)
        return self

    async def digital_office(self, organisation_ids: Iterable[int]) -> Recipients:
        """The Digital Office's curators, and the members of its organisation."""
        rows = await User.select(User.id).where(
            (User.is_digital_office == True) & (User.is_active == True)  # noqa: E712
        )
        for row in rows:
            self.add(row["id"], MEMBER, IMMEDIATE)
        return await self.members_of(organisation_ids)

    async def followers_of(self, target_type: str, target_ids: Iterable[int | None]) -> Recipients:
        ids = sorted({i for i in target_ids if i is not None})
        if not ids:
            return self
        rows = await Follow.select(Follow.id, Follow.user, Follow.delivery).where(
            (Follow.target_type == target_type) & Follow.target_id.is_in(ids)
        )
        for row in rows:
            self.add(row["user"], f"follow:{row['id']}", row["delivery"])
        return self

    async def queue(self, event: Event, *, caused_by: int | None) -> int:
        """Queue the event for everyone gathered except `caused_by`, and for the webhooks of
        the organisations whose members are told (whoever caused it); returns how many people."""
        from registry.notifications import webhooks

        await webhooks.queue_event(event, self.organisations)
        now = dt.datetime.now(dt.UTC)
        period = {delivery: period_of(delivery, now) for delivery in (IMMEDIATE, *DIGESTS)}
        title, text, path = event.title[:300], event.text[:1000], event.path[:300]
        rows = [
            (
                user_id,
                event.kind,
                event.subject_type,
                event.subject_slug,
                title,
                text,
                path,
                reason,
                delivery,
                period.get(delivery, ""),
                now,
            )
            for user_id, (reason, delivery) in self.people.items()
            if user_id != caused_by
        ]
        await insert_many(Notification, NOTIFICATION_COLUMNS, rows)
        return len(rows)


NOTIFICATION_COLUMNS = (
    "user",
    "kind",
    "subject_type",
    "subject_slug",
    "title",
    "text",
    "path",
    "reason",
    "delivery",
    "period",
    "created_at",
)
# Rows of one INSERT: SQLite allows 32,766 values a statement, PostgreSQL 65,535 parameters.
INSERT_BATCH = 1000


async def insert_many(table: type[Table], columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert plain rows (values in the order of `columns`) in the current transaction, as
    one statement per `INSERT_BATCH` rows with the driver's own parameters: building a Piccolo
    row object and its SQL for each of a thousand followers cost most of an event's time."""
    if not rows:
        return
    database = db.database()
    transaction = database.current_transaction.get()
    if transaction is None:  # outside a change: a transaction of its own
        async with db.transaction():
            await insert_many(table, columns, rows)
        return
    names = ", ".join(f'"{name}"' for name in columns)
    name = table._meta.tablename
    postgres = isinstance(database, PostgresEngine)
    width = len(columns)
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        if postgres:
            marks = ", ".join(
                "(" + ", ".join(f"${n * width + i + 1}" for i in range(width)) + ")"
                for n in range(len(batch))
            )
        else:
            marks = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(batch))
        values = [value for row in batch for value in row]
        sql = f'INSERT INTO "{name}" ({names}) VALUES {marks}'  # noqa: S608 - names are ours
        if postgres:
            await transaction.connection.execute(sql, *values)
        else:
            cursor = await transaction.connection.execute(sql, values)
            await cursor.close()
