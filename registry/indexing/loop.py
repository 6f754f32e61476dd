"""A background task of the server process that wakes every few seconds, or at once when
nudged, and runs one round of its work: the outbox drainer and the index repairer are both one.

Stopping asks the loop to finish the round it is in and waits for it, for up to `stop_wait`
seconds: cancelling a round in the middle of a transaction could leave a database connection
open. A round that fails is logged and the loop goes on; what it was doing stays to be done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger("registry.indexing")


class BackgroundLoop:
    name = "background"
    stop_wait = 30.0

    def __init__(self, *, interval: float = 5.0) -> None:
        self.interval = interval
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None

    async def round(self) -> None:
        raise NotImplementedError

    def nudge(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        done, _ = await asyncio.wait({self._task}, timeout=self.stop_wait)
        if not done:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()
            if self._stopping:
                return
            try:
                await self.round()
            except Exception:  # the loop must outlive any one failure
                log.exception("%s: a round failed", self.name)
