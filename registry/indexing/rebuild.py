"""Rebuilding the index from the database and checking it against the database.

`reindex` builds a complete new index beside the live one and swaps it in; `check` reports
documents missing from the index, stale in it, or orphaned (in the index, not the database).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from registry.indexing.documents import chunks, documents_for, published_ids
from registry.indexing.sync import one_drainer
from registry.tables import (
    SearchOutbox,
)
from search import SearchEngine, SearchUnavailable

# -- rebuilding and checking ------------------------------------------------------------------


async def reindex(
    engine: SearchEngine, progress: Callable[[int], None] | None = None, batch: int = 1000
) -> int:
    """Build a fresh index of every published solution beside the live one and swap it in.
    Outbox rows already committed when it starts are covered by it and removed afterwards."""
    async with one_drainer(wait=120) as locked:
        if not locked:
            raise SearchUnavailable("the search outbox is being applied by another process")
        covered = [row["id"] for row in await SearchOutbox.select(SearchOutbox.id)]
        ids = await published_ids()

        async def batches() -> AsyncIterator[list[dict]]:
            for start in range(0, len(ids), batch):
                documents, _ = await documents_for(ids[start : start + batch])
                yield documents

        # the synonyms as curated now, given to the new index before it is swapped in
        from registry.catalogue.synonyms import synonyms_mapping

        await engine.set_synonyms(await synonyms_mapping())
        count = await engine.rebuild(batches(), progress)
        for chunk in chunks(covered):
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
