"""The worker: one runner for the search outbox, mail, webhooks and the scheduled checks.

Each round applies the search outbox to the index, composes and sends the mail that is ready,
sends the webhook deliveries that are due, and, at most once every `CHECK_EVERY`, runs the
scheduled checks (frameworks ending, milestones met or missed). Every job is safe to run in
several processes at once and again after a crash: the outbox is drained under one lock, a mail
message or webhook delivery is claimed before it is sent, a signal is given once by its key. A
job that fails is logged and retried next round; the others go on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from registry import indexing
from registry.config import Settings
from registry.notifications import checks, delivery, webhooks
from search import SearchEngine

log = logging.getLogger("registry.jobs")
CHECK_EVERY = 60.0  # seconds between runs of the scheduled checks


@dataclass
class RoundReport:
    indexed: int = 0
    search_error: str = ""
    mail: delivery.MailResult | None = None
    webhooks: webhooks.WebhookResult | None = None
    checks: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        said = []
        if self.indexed:
            said.append(f"indexed {self.indexed} solution(s)")
        if self.search_error:
            said.append(f"search unavailable, will retry: {self.search_error}")
        if self.mail is not None:
            m = self.mail
            counts = {
                "message(s) composed": m.composed,
                "sent": m.sent,
                "to retry": m.retrying,
                "failed": m.failed,
                "cancelled": m.cancelled,
                "unconfirmed (the worker stopped mid-send)": m.unconfirmed,
            }
            said += [f"mail: {n} {what}" for what, n in counts.items() if n]
        if self.webhooks is not None:
            w = self.webhooks
            counts = {"delivered": w.delivered, "to retry": w.retrying, "failed": w.failed}
            said += [f"webhooks: {n} {what}" for what, n in counts.items() if n]
        said += [
            f"{name.replace('_', ' ')}: {n} signal(s) given" for name, n in self.checks.items() if n
        ]
        said += [f"error: {e}" for e in self.errors]
        return said


class Runner:
    def __init__(
        self,
        settings: Settings,
        engine: SearchEngine,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self._search_ready = False
        self._last_checks: float | None = None

    async def search(self, report: RoundReport) -> None:
        try:
            if not self._search_ready:  # once: later, a missing index is an outage
                await self.engine.apply_settings()
                self._search_ready = True
            result = await indexing.drain_all(self.engine)
        except indexing.SearchUnavailable as exc:
            report.search_error = str(exc)
            return
        report.indexed = result.applied
        if result.failed:
            report.search_error = result.error

    async def mail(self, report: RoundReport) -> None:
        report.mail = await delivery.run(self.settings)

    async def send_webhooks(self, report: RoundReport) -> None:
        report.webhooks = await webhooks.send_due(self.settings)

    async def scheduled(self, report: RoundReport, *, force: bool = False) -> None:
        now = self.clock()
        if not force and self._last_checks is not None and now - self._last_checks < CHECK_EVERY:
            return
        self._last_checks = now
        report.checks = await checks.run(dt.date.today())

    async def round(self, *, force_checks: bool = False) -> RoundReport:
        report = RoundReport()
        # The checks first, so the mail they queue goes out in this same round.
        for name, job in (
            ("search outbox", self.search),
            ("scheduled checks", lambda r: self.scheduled(r, force=force_checks)),
            ("mail", self.mail),
            ("webhooks", self.send_webhooks),
        ):
            try:
                await job(report)
            except Exception as exc:  # one failing job must not stop the others
                log.exception("%s failed", name)
                report.errors.append(f"{name}: {exc}")
        return report

    async def forever(self, interval: float, say: Callable[[str], None]) -> None:
        while True:
            for line in (await self.round()).lines():
                say(line)
            await asyncio.sleep(interval)
