"""Keeping the solutions index in step with the database, which is the source of truth.

- `solution_document` is a pure function from what the database knows about a solution (with
  its owner, suppliers, adopters, interested organisations and counts) to a search document.
- `documents_for` loads those facts for many solutions in a handful of queries, so a full
  reindex costs the same few queries per thousand solutions, not per solution.
- `drain` applies the search outbox: rows written by the services in the transaction of each
  change. Several rows for one solution coalesce into one document built from the current
  state, so applying them is idempotent. A failure leaves the rows in place with the error, one
  more attempt and a back-off; only the rows that were read are deleted, so a change committed
  meanwhile is never lost. One drainer (or rebuild) runs at a time across processes, so no
  drain writes to an index a rebuild is about to replace.
- `reindex` builds a complete new index beside the live one and swaps it in.
- `check` compares the index with the database: missing, stale and orphaned documents.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import random
import time
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from registry import db, markdown
from registry.config import Settings, get_settings
from registry.tables import (
    Adoption,
    ComponentDetail,
    Interest,
    PlatformDetail,
    ProcurementDetail,
    SearchOutbox,
    Solution,
    Sponsorship,
)
from search import Field, FieldKind, IndexSpec, SearchEngine, SearchUnavailable

log = logging.getLogger("registry.indexing")

TEXT, KEYWORD, INTEGER = FieldKind.TEXT, FieldKind.KEYWORD, FieldKind.INTEGER
SOLUTION_FIELDS = (
    Field("id", KEYWORD),
    Field("slug", KEYWORD),
    Field("kind", KEYWORD),
    Field("status", KEYWORD),
    Field("title", TEXT),
    Field("summary", TEXT),
    Field("tags", TEXT, multi=True),
    Field("owner_name", TEXT),
    Field("supplier_names", TEXT, multi=True),
    Field("description", TEXT),
    Field("owner", KEYWORD),
    Field("service_areas", KEYWORD, multi=True),
    Field("characteristics", KEYWORD, multi=True),
    Field("licence", KEYWORD, multi=True),
    Field("adopters", KEYWORD, multi=True),
    Field("interested", KEYWORD, multi=True),
    Field("title_sort", KEYWORD),
    Field("updated", INTEGER),
    Field("interest_count", INTEGER),
    Field("sponsorship_total", INTEGER),
    Field("adoption_count", INTEGER),
    Field("digest", KEYWORD),
)
FACETS = ("kind", "status", "service_areas", "characteristics", "owner", "licence")


def solutions_spec(prefix: str = "") -> IndexSpec:
    return IndexSpec(
        name=f"{prefix}solutions",
        primary_key="id",
        fields=SOLUTION_FIELDS,
        # Ranking order: a match in the title outranks one in the summary, and so on.
        searchable=("title", "summary", "tags", "owner_name", "supplier_names", "description"),
        filterable=(*FACETS, "adopters", "interested"),
        sortable=(
            "updated",
            "interest_count",
            "sponsorship_total",
            "adoption_count",
            "title_sort",
        ),
        facets=FACETS,
    )


SPEC = solutions_spec()


def make_engine(settings: Settings) -> SearchEngine:
    if settings.search_engine == "meilisearch":
        from search.meili_engine import MeiliEngine

        return MeiliEngine(
            settings.meili_url or "",
            settings.meili_api_key,
            solutions_spec(settings.meili_index_prefix),
        )
    from search.tantivy_engine import TantivyEngine

    return TantivyEngine(settings.search_dir / SPEC.name, SPEC)


# -- documents --------------------------------------------------------------------------------


def solution_document(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The search document of one published solution, from its facts (see `documents_for`)."""
    updated = facts["updated_at"]
    document = {
        "id": str(facts["id"]),
        "slug": facts["slug"],
        "kind": facts["kind"],
        "status": facts["status"],
        "title": facts["title"],
        "summary": facts["summary"],
        "tags": list(facts["tags"] or []),
        "owner_name": facts["owner_name"],
        "supplier_names": sorted(set(facts.get("supplier_names") or [])),
        "description": markdown.plain_text(facts["description"]),
        "owner": facts["owner"],
        "service_areas": list(facts["service_areas"] or []),
        "characteristics": list(facts["characteristics"] or []),
        "licence": [facts["licence"]] if facts.get("licence") else [],
        "adopters": sorted(facts.get("adopters") or []),
        "interested": sorted(facts.get("interested") or []),
        "title_sort": sort_key(facts["title"]),
        "updated": int(updated.timestamp()) if isinstance(updated, dt.datetime) else 0,
        "interest_count": len(facts.get("interested") or []),
        "sponsorship_total": int(facts.get("sponsorship_total") or 0),
        "adoption_count": max(
            len(facts.get("adopters") or []), facts.get("reported_adopters") or 0
        ),
    }
    document["digest"] = _digest(document)
    return document


def sort_key(text: str) -> str:
    """Case and accents folded away ("Éilean" sorts with "eilean"), the same in every engine."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))[:200]


def _digest(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def _loaded_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _chunks(items: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def documents_for(solution_ids: Sequence[int]) -> tuple[list[dict], set[int]]:
    """Documents for those of `solution_ids` that are published, and the ids that are not
    (drafts, or gone) so their documents can be removed."""
    documents: list[dict] = []
    found: set[int] = set()
    for chunk in _chunks(list(solution_ids)):
        facts = await _facts(list(chunk))
        found |= set(facts)
        documents += [solution_document(f) for f in facts.values()]
    return documents, set(solution_ids) - found


async def published_ids() -> list[int]:
    rows = (
        await Solution.select(Solution.id).where(Solution.status != "draft").order_by(Solution.id)
    )
    return [row["id"] for row in rows]


async def _facts(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = await Solution.select(
        *Solution.all_columns(),
        Solution.owner.slug.as_alias("owner_slug"),
        Solution.owner.name.as_alias("owner_name"),
    ).where(Solution.id.is_in(ids) & (Solution.status != "draft"))
    facts = {}
    for row in rows:
        for name in ("tags", "service_areas", "characteristics"):
            row[name] = _loaded_json(row[name])
        facts[row["id"]] = {
            **row,
            "owner": row["owner_slug"],
            "supplier_names": [],
            "adopters": [],
            "interested": [],
            "sponsorship_total": 0,
        }
    if not facts:
        return {}
    ids = list(facts)
    for row in await ProcurementDetail.select(
        ProcurementDetail.solution,
        ProcurementDetail.awarded_suppliers,
        ProcurementDetail.procurement_body.name.as_alias("body_name"),
    ).where(ProcurementDetail.solution.is_in(ids)):
        names = [*_loaded_json(row["awarded_suppliers"] or []), row["body_name"]]
        facts[row["solution"]]["supplier_names"] += [n for n in names if n]
    for row in await PlatformDetail.select(
        PlatformDetail.solution, PlatformDetail.operator.name.as_alias("operator_name")
    ).where(PlatformDetail.solution.is_in(ids)):
        if row["operator_name"]:
            facts[row["solution"]]["supplier_names"].append(row["operator_name"])
    for row in await ComponentDetail.select(
        ComponentDetail.solution, ComponentDetail.licence
    ).where(ComponentDetail.solution.is_in(ids)):
        facts[row["solution"]]["licence"] = row["licence"]
    for row in await Adoption.select(
        Adoption.solution, Adoption.organisation.slug.as_alias("slug")
    ).where(Adoption.solution.is_in(ids) & (Adoption.status == "live")):
        facts[row["solution"]]["adopters"].append(row["slug"])
    for row in await Interest.select(
        Interest.solution, Interest.organisation.slug.as_alias("slug")
    ).where(Interest.solution.is_in(ids) & Interest.withdrawn_at.is_null()):
        facts[row["solution"]]["interested"].append(row["slug"])
    for row in await Sponsorship.select(Sponsorship.solution, Sponsorship.amount_pence).where(
        Sponsorship.solution.is_in(ids) & (Sponsorship.status != "withdrawn")
    ):
        facts[row["solution"]]["sponsorship_total"] += row["amount_pence"]
    return facts


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
async def _one_drainer(*, wait: float = 0.0) -> AsyncIterator[bool]:
    """Held by whoever applies outbox rows or rebuilds the index, across processes, so a drain
    never writes to an index that a rebuild is about to replace. Yields whether it was taken
    (waiting up to `wait` seconds). On PostgreSQL it is an advisory lock held by a transaction;
    on SQLite (one machine) a file lock beside the database."""
    deadline = time.monotonic() + wait
    engine = db.engine()
    if isinstance(engine, PostgresEngine):
        async with engine.transaction():
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
    async with _one_drainer() as locked:
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
        for chunk in _chunks([row["id"] for row in rows]):
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


STOP_WAIT = 30.0  # seconds a stopping drainer may take to finish its drain


class Indexer:
    """The process's drainer: drains right after each write (`nudge`) and every few seconds,
    so rows waiting for a back-off, or written by another process, are not forgotten.

    Stopping asks the loop to finish what it is doing and waits: cancelling a drain in the
    middle of a transaction could leave a database connection open."""

    def __init__(self, engine: SearchEngine, *, interval: float = 5.0) -> None:
        self.engine = engine
        self.interval = interval
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None

    def nudge(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="search-outbox")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        done, _ = await asyncio.wait({self._task}, timeout=STOP_WAIT)
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
                result = await drain_all(self.engine)
                if not result.failed and await _postponed() and (await self.engine.health()).ok:
                    # the engine is back: retry what waits for a back-off now, not later
                    result = await drain_all(self.engine, overdue=True)
                if result.busy:
                    await asyncio.sleep(0.2)
                    self._wake.set()
            except Exception:  # the loop must outlive any one failure; the rows stay
                log.exception("draining the search outbox failed")


# -- rebuilding and checking ------------------------------------------------------------------


async def reindex(
    engine: SearchEngine, progress: Callable[[int], None] | None = None, batch: int = 1000
) -> int:
    """Build a fresh index of every published solution beside the live one and swap it in.
    Outbox rows already committed when it starts are covered by it and removed afterwards."""
    async with _one_drainer(wait=120) as locked:
        if not locked:
            raise SearchUnavailable("the search outbox is being applied by another process")
        covered = [row["id"] for row in await SearchOutbox.select(SearchOutbox.id)]
        ids = await published_ids()

        async def batches() -> AsyncIterator[list[dict]]:
            for start in range(0, len(ids), batch):
                documents, _ = await documents_for(ids[start : start + batch])
                yield documents

        count = await engine.rebuild(batches(), progress)
        for chunk in _chunks(covered):
            await SearchOutbox.delete().where(SearchOutbox.id.is_in(list(chunk)))
    return count


@dataclass
class CheckReport:
    missing: list[str] = field(default_factory=list)  # slugs in the database, not the index
    stale: list[str] = field(default_factory=list)  # slugs whose document is out of date
    orphaned: list[str] = field(default_factory=list)  # ids in the index, not the database

    @property
    def differences(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.orphaned)


async def check(engine: SearchEngine) -> CheckReport:
    expected: dict[str, tuple[str, str]] = {}
    ids = await published_ids()
    for start in range(0, len(ids), 1000):
        documents, _ = await documents_for(ids[start : start + 1000])
        expected |= {d["id"]: (d["slug"], d["digest"]) for d in documents}
    indexed = await engine.fingerprints("digest")
    report = CheckReport()
    for doc_id, (slug, digest) in sorted(expected.items(), key=lambda item: item[1][0]):
        if doc_id not in indexed:
            report.missing.append(slug)
        elif indexed[doc_id] != digest:
            report.stale.append(slug)
    report.orphaned = sorted(set(indexed) - set(expected), key=lambda i: (len(i), i))
    return report
