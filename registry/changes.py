"""The one way a change is written: the rows it changes, its audit event and the job rows it
queues (the search outbox, and the notifications its event calls for), in one transaction.

A write service first checks who is acting and what they sent, keeping its own rules and
messages; then it opens `change(...)` (or `to_solution(...)`) and writes its rows inside the
block, saying what the change was (`before`, `after`, the subject once it has an id) and which
jobs follow from it (`reindex`, `queue`). When the block ends without an error the audit event
and the job rows are written and only then is the transaction committed; an error anywhere rolls
all of it back, so an event or a job exists exactly when its change does. A block that finds
nothing to change says so with `unchanged` and writes nothing at all. `save_row` is the select,
compare, update-or-insert and read-back step most changes share, and `retrying_races` runs a
change again when a concurrent one inserted the same "one active row" first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from registry import audit, db, outbox

if TYPE_CHECKING:
    from piccolo.columns.combination import Combinable
    from piccolo.table import Table

    from registry.accounts import Actor

T = TypeVar("T")
RACE_RETRIES = 8

Job = Callable[[], Awaitable[object]]

# Set while a request whose effect must happen once runs (an API call with an Idempotency-Key):
# called with each change it writes, inside that change's transaction, so that what records the
# work as done commits exactly when the work does.
when_written: ContextVar[Callable[[Change], Awaitable[None]] | None] = ContextVar(
    "when_written", default=None
)


@dataclass
class Change:
    """One change being written: what its audit event will say, and the jobs it queues."""

    actor: Actor
    action: str
    subject_type: str
    subject_id: int | None = None
    subject_slug: str = ""
    organisation_id: int | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    _jobs: list[Job] = field(default_factory=list, repr=False)
    _reindexed: set[tuple[int, str]] = field(default_factory=set, repr=False)
    _unchanged: bool = False

    def reindex(self, solution_id: int, operation: str = "upsert") -> None:
        """Bring this solution's search document up to date once the change is committed."""
        if (solution_id, operation) in self._reindexed:
            return
        self._reindexed.add((solution_id, operation))
        # The outbox function is looked up when the row is written, not now.
        self.queue(lambda: outbox.enqueue(solution_id, operation))

    def queue(self, job: Job) -> None:
        """Write a further job row (a message, a webhook delivery) with the change, after its
        audit event; the worker sends it once the change is committed."""
        self._jobs.append(job)

    def unchanged(self, result: T) -> T:
        """Say that nothing needed changing: no audit event and no jobs are written. Returns
        `result`, so a service can `return change.unchanged(row)`."""
        self._unchanged = True
        return result

    async def _write(self) -> None:
        if self._unchanged:
            return
        if self.subject_id is None:
            raise RuntimeError(f"The change {self.action!r} never said what it changed")
        await audit.record(
            self.actor,
            self.action,
            self.subject_type,
            self.subject_id,
            subject_slug=self.subject_slug,
            organisation_id=self.organisation_id,
            before=self.before,
            after=self.after,
        )
        # The notifications this event calls for, queued in the same transaction.
        from registry.notifications.events import queue_for

        await queue_for(self)
        for job in self._jobs:
            await job()
        hook = when_written.get()
        if hook is not None:
            await hook(self)


@asynccontextmanager
async def change(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: int | None = None,
    *,
    subject_slug: str = "",
    organisation_id: int | None = None,
) -> AsyncIterator[Change]:
    """A write transaction for one change; its audit event and jobs are written as it ends."""
    written = Change(
        actor,
        action,
        subject_type,
        subject_id,
        subject_slug=subject_slug,
        organisation_id=organisation_id,
    )
    async with db.transaction():
        yield written
        await written._write()


@asynccontextmanager
async def to_solution(
    actor: Actor,
    action: str,
    solution_id: int,
    solution_slug: str,
    *,
    organisation_id: int | None = None,
) -> AsyncIterator[Change]:
    """A change to a solution or to what is recorded about it (interest, pledges, adoption):
    its search document follows it."""
    async with change(
        actor,
        action,
        "solution",
        solution_id,
        subject_slug=solution_slug,
        organisation_id=organisation_id,
    ) as written:
        written.reindex(solution_id)
        yield written


@dataclass(frozen=True)
class Saved:
    """What `save_row` found and left: the row before (None when it inserted one), the row as
    it is now, and whether it wrote anything."""

    before: dict | None
    row: dict
    changed: bool


async def save_row(
    table: type[Table],
    where: Combinable,
    values: Mapping[str, Any] | Callable[[dict | None], Mapping[str, Any]],
    *,
    on_insert: Mapping[str, Any] | None = None,
    on_update: Mapping[str, Any] | None = None,
) -> Saved:
    """Bring the one row `where` selects to `values`, inside a change: left alone when it
    already holds them, updated (with `on_update` too) when it differs, inserted (with
    `on_insert` too) when there is none, then read back. `values` may be worked out from the
    row found (or None), for a rule that depends on it."""
    existing = await table.select().where(where).first()
    wanted = values(existing) if callable(values) else values
    if existing is not None and all(existing.get(k) == v for k, v in wanted.items()):
        return Saved(existing, existing, changed=False)
    if existing is not None:
        row_id = existing["id"]
        await table.update({**wanted, **(on_update or {})}).where(table._meta.primary_key == row_id)
    else:
        inserted = await table.insert(table(**wanted, **(on_insert or {})))
        row_id = inserted[0]["id"]
    row = await table.select().where(table._meta.primary_key == row_id).first()
    return Saved(existing, row, changed=True)


async def retrying_races(work: Callable[[], Awaitable[T]]) -> T:
    """Run a change again when a concurrent one inserted the same row under a unique index
    first: the second attempt finds the winner's row and updates it or leaves it alone."""
    for attempt in range(RACE_RETRIES):
        try:
            return await work()
        except Exception as exc:
            if not db.is_unique_violation(exc) or attempt == RACE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")
