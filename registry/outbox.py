"""The search outbox: a row per change that the search index has yet to reflect.

`enqueue` is called inside the transaction of the change, so the row exists exactly when the
change does; the indexer (registry.indexing) drains the rows after commit.
"""

from __future__ import annotations

from registry.tables import SearchOutbox


async def enqueue(solution_id: int, operation: str = "upsert") -> None:
    await SearchOutbox.insert(SearchOutbox(solution_id=solution_id, operation=operation))
