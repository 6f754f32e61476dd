"""Applying the search outbox to the index.

The services write an outbox row in the transaction of each change. A drain reads the due rows,
builds one document per solution from the current state (several changes coalesce, so applying
them is idempotent), writes them, and deletes exactly the rows it read: a change committed
meanwhile keeps its row. A failure leaves the rows with the error, one more attempt and a
back-off. One drainer (or rebuild) runs at a time across processes, so no drain writes to an
index a rebuild is about to replace. `Indexer` is a process's drainer loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import logging
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from registry import db
from registry.config import get_settings
from registry.indexing.documents import chunks, documents_for
from registry.indexing.loop import BackgroundLoop
from registry.tables import (
    SearchOutbox,
)
from search import SearchEngine, SearchUnavailable

log = logging.getLogger("registry.indexing")


# -- the outbox -------------------------------------------------------------------------------


@dataclass
class DrainResult:
    applied: int = 0  # solutions whose documents were written or removed
    failed: int = 0  # solutions whose rows wait for a retry
    busy: bool = False  # another drainer held the lock
    error: str = ""


def backoff(attempts: int) -> dt.timedelta:
    """Wait before retry number `attempts`: doubling from a second, at most five minutes, with
    jitter so a recovering engine is not hit by every row at once."""
    seconds = min(300.0, 2.0 ** max(0, attempts - 1))
    return dt.timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311 - jitter


ADVISORY_LOCK_KEY = 74201  # the registry's drainer, among PostgreSQL advisory locks


@contextlib.asynccontextmanager
async def one_drainer(*, wait: float = 0.0) -> AsyncIterator[bool]:
    """Held by whoever applies outbox rows or rebuilds the index, across processes, so a drain
    never writes to an index that a rebuild is about to replace. Yields whether it was taken
    (waiting up to `wait` seconds). On PostgreSQL it is an advisory lock held by a transaction;
    on SQLite (one machine) a file lock beside the database."""
    deadline = time.monotonic() + wait
    database = db.database()
    if isinstance(database, PostgresEngine):
        async with database.transaction():
            while True:
                rows = await SearchOutbox.raw(
                    "SELECT pg_try_advisory_xact_lock({}) AS locked", ADVISORY_LOCK_KEY
                )
                if rows[0]["locked"] or time.monotonic() >= deadline:
                    break
                await asyncio.sleep(0.1)
            yield bool(rows[0]["locked"])
        return
    path = get_settings().data_dir / "search-outbox.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
            except BlockingIOError:
                locked = False
            if locked or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.1)
        try:
            yield locked
        finally:
            if locked:
                fcntl.flock(handle, fcntl.LOCK_UN)


async def drain(engine: SearchEngine, *, limit: int = 1000, overdue: bool = False) -> DrainResult:
    """Apply up to `limit` due outbox rows to the index (with `overdue`, also rows waiting out
    a back-off: the engine is known to be back)."""
    result = DrainResult()
    now = dt.datetime.now(dt.UTC)
    async with one_drainer() as locked:
        if not locked:
            result.busy = True
            return result
        query = SearchOutbox.select(
            SearchOutbox.id, SearchOutbox.solution_id, SearchOutbox.attempts
        )
        if not overdue:
            query = query.where(SearchOutbox.available_at <= now)
        rows = await query.order_by(SearchOutbox.id).limit(limit)
        if not rows:
            return result
        solution_ids = sorted({row["solution_id"] for row in rows})
        documents, gone = await documents_for(solution_ids)
        try:
            if documents:
                await engine.upsert(documents)
            if gone:
                await engine.delete([str(i) for i in sorted(gone)])
        except SearchUnavailable as exc:
            result.failed, result.error = len(solution_ids), str(exc)
            await _postpone(rows, str(exc), now)
            log.warning("search index not updated (%s rows wait): %s", len(rows), exc)
            return result
        # Exactly the rows read: a change committed meanwhile keeps its row for the next drain.
        for chunk in chunks([row["id"] for row in rows]):
            await SearchOutbox.delete().where(SearchOutbox.id.is_in(list(chunk)))
        result.applied = len(solution_ids)
    return result


async def _postpone(rows: list[dict], error: str, now: dt.datetime) -> None:
    for row in rows:
        attempts = row["attempts"] + 1
        await SearchOutbox.update(
            {
                SearchOutbox.attempts: attempts,
                SearchOutbox.last_error: error[:2000],
                SearchOutbox.available_at: now + backoff(attempts),
            }
        ).where(SearchOutbox.id == row["id"])


async def drain_all(engine: SearchEngine, *, overdue: bool = False) -> DrainResult:
    """Drain until nothing due is left (or the engine fails)."""
    total = DrainResult()
    while True:
        result = await drain(engine, overdue=overdue)
        total.applied += result.applied
        total.failed += result.failed
        total.error = result.error or total.error
        if result.busy or result.failed or result.applied == 0:
            total.busy = result.busy
            return total


async def _postponed() -> bool:
    return await SearchOutbox.exists().where(SearchOutbox.attempts > 0)


async def outbox_summary() -> dict[str, Any]:
    rows = await SearchOutbox.select(SearchOutbox.attempts)
    failing = [row for row in rows if row["attempts"]]
    return {"waiting": len(rows), "failing": len(failing)}


class Indexer(BackgroundLoop):
    """The process's drainer: drains right after each write (`nudge`) and every few seconds,
    so rows waiting for a back-off, or written by another process, are not forgotten."""

    name = "search-outbox"

    def __init__(self, engine: SearchEngine, *, interval: float = 5.0) -> None:
        super().__init__(interval=interval)
        self.engine = engine

    async def round(self) -> None:
        result = await drain_all(self.engine)
        if not result.failed and await _postponed() and (await self.engine.health()).ok:
            # the engine is back: retry what waits for a back-off now, not later
            result = await drain_all(self.engine, overdue=True)
        if result.busy:
            await asyncio.sleep(0.2)
            self._wake.set()
