"""Repairing a missing or unreadable search index while the server runs.

Each app process runs a `Repairer`: every few seconds, and at once when nudged (by `/healthz`
finding search degraded), it asks the engine for its health. When the engine answers that its
index needs rebuilding (`Health.needs_rebuild`: the embedded index is gone, damaged or built for
another spec; the Meilisearch server answers but has lost the index) it rebuilds the index from
the database with `reindex`, in the background, while pages fall back to database listings. An
engine that cannot be reached is left alone: a rebuild could not help it.

The rule for one rebuild at a time across processes: a repairer first takes `search-rebuild.lock`
in the data directory with a non-blocking `flock`, then asks for the engine's health again while
holding it. A process finding the lock taken skips this round; the embedded engine picks up the
generation the other process publishes at its next search, and the second look under the lock
stops a process that arrives just after a repair from rebuilding again. Processes that share no
data directory (Meilisearch with app containers on several machines) can each rebuild, but only
a missing index triggers it and a rebuild fills a fresh index and swaps it in, so a second one is
wasted work, never harm. A failed rebuild is tried again after a back-off (30 seconds, doubling
to 10 minutes), so a disk that stays broken is not rebuilt onto in a loop.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from registry.indexing.loop import BackgroundLoop
from registry.indexing.rebuild import reindex
from search import SearchEngine

log = logging.getLogger("registry.indexing")

LOCK_FILE = "search-rebuild.lock"
FIRST_RETRY = 30.0  # seconds after a failed rebuild
LAST_RETRY = 600.0


@contextlib.contextmanager
def rebuild_lock(path: Path) -> Iterator[bool]:
    """Yields whether this process may rebuild now (no other process holds `path`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Repairer(BackgroundLoop):
    """The process's watch on the index: `check` once, or `start` a loop of checks. Stopping
    lets a rebuild in progress finish, for up to a minute."""

    name = "search-repair"
    stop_wait = 60.0

    def __init__(self, engine: SearchEngine, data_dir: Path, *, interval: float = 5.0) -> None:
        super().__init__(interval=interval)
        self.engine = engine
        self.lock_path = data_dir / LOCK_FILE
        self._failures = 0
        self._next_try = 0.0

    async def check(self) -> str:
        """Look at the index and rebuild it if it needs it. Says what happened: `healthy`,
        `unreachable`, `waiting` (backing off), `busy` (another process rebuilds), `rebuilt`
        or `failed`."""
        health = await self.engine.health()
        if health.ok:
            return "healthy"
        if not health.needs_rebuild:
            return "unreachable"
        if time.monotonic() < self._next_try:
            return "waiting"
        log.warning("the search index needs rebuilding: %s", health.detail)

        async def still_needed() -> bool:
            return (await self.engine.health()).needs_rebuild

        return await self.rebuild(still_needed)

    async def rebuild(self, still_needed: Callable[[], Awaitable[bool]]) -> str:
        """Rebuild the index under the cross-process lock, if `still_needed()` says so once the
        lock is held."""
        with rebuild_lock(self.lock_path) as held:
            if not held:
                return "busy"
            if not await still_needed():
                return "healthy"
            try:
                count = await reindex(self.engine)
            except Exception as exc:  # the old state stays; try again after a while
                self._failures += 1
                wait = min(LAST_RETRY, FIRST_RETRY * 2 ** (self._failures - 1))
                self._next_try = time.monotonic() + wait
                log.warning("rebuilding the search index failed (next try in %gs): %s", wait, exc)
                return "failed"
        self._failures, self._next_try = 0, 0.0
        log.info("rebuilt the search index: %s solution(s)", count)
        return "rebuilt"

    async def round(self) -> None:
        await self.check()
