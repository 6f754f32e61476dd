"""Keeping the search index in step with the database, which is the source of truth.

- `documents`: the solutions index spec, the engine the settings choose, and the pure function
  from a solution's facts to its search document (loaded in bulk by `documents_for`).
- `sync`: applying the search outbox (written by the services in the transaction of each
  change) to the index, idempotently, with back-off on failure; `Indexer` is a process's loop.
- `rebuild`: `reindex` builds a complete new index beside the live one and swaps it in;
  `check` compares the index with the database.
- `repair`: `Repairer` rebuilds, in the background, an index the engine reports missing or
  unreadable, one process at a time.
"""

from registry.indexing.documents import (
    SPEC,
    documents_for,
    make_engine,
    published_ids,
    solution_document,
    solutions_spec,
    sort_key,
)
from registry.indexing.rebuild import CheckReport, check, reindex
from registry.indexing.repair import Repairer
from registry.indexing.sync import (
    DrainResult,
    Indexer,
    backoff,
    drain,
    drain_all,
    outbox_summary,
)
from search import SearchUnavailable

__all__ = [
    "SPEC",
    "CheckReport",
    "DrainResult",
    "Indexer",
    "Repairer",
    "SearchUnavailable",
    "backoff",
    "check",
    "documents_for",
    "drain",
    "drain_all",
    "make_engine",
    "outbox_summary",
    "published_ids",
    "reindex",
    "solution_document",
    "solutions_spec",
    "sort_key",
]
