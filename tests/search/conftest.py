"""Fixtures for the search package's tests: engines holding the synthetic corpus.

`engine` is parametrised over the embedded Tantivy engine (always) and a Meilisearch server
when `MEILI_URL` is set (otherwise those cases are skipped, saying why).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from search_corpus import CORPUS, SPEC

from search import IndexSpec
from search.meilisearch import MeiliEngine
from search.tantivy import TantivyEngine

MEILI_URL = os.environ.get("MEILI_URL")
NO_MEILI = "MEILI_URL is not set: no Meilisearch server to test against"
MEILI_PREFIX = os.environ.get("MEILI_INDEX_PREFIX", "").strip()

ENGINE_PARAMS = [
    pytest.param("tantivy", id="tantivy"),
    pytest.param(
        "meilisearch",
        id="meilisearch",
        marks=[pytest.mark.meili, pytest.mark.skipif(not MEILI_URL, reason=NO_MEILI)],
    ),
]


def make_engine(kind: str, tmp_path: Path, spec: IndexSpec = SPEC) -> TantivyEngine | MeiliEngine:
    """A new engine of `kind`; its Meilisearch index is named inside the registry key's scope."""
    if kind == "tantivy":
        return TantivyEngine(tmp_path / "search", spec)
    assert MEILI_URL is not None
    # one index per test, so tests cannot see each other's documents, named inside the scope of
    # the key `registry search create-key` makes (`{MEILI_INDEX_PREFIX}solutions*`)
    unique = replace(spec, name=f"{MEILI_PREFIX}solutions_{spec.name}_{uuid.uuid4().hex[:10]}")
    # a small batch size makes even this corpus travel in several batches
    return MeiliEngine(MEILI_URL, os.environ.get("MEILI_API_KEY"), unique, batch_size=5)


async def drop_meili_indexes(engine: MeiliEngine) -> None:
    """Remove the test's index and any temporary index a rebuild left."""
    import meilisearch

    def drop() -> None:
        client = meilisearch.Client(engine.url, os.environ.get("MEILI_API_KEY"))
        for index in client.get_raw_indexes({"limit": 1000}).get("results", []):
            if str(index["uid"]).startswith(engine.spec.name):
                client.wait_for_task(client.delete_index(index["uid"]).task_uid)

    await asyncio.to_thread(drop)


@pytest.fixture(params=ENGINE_PARAMS)
async def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """An engine with its settings applied and no documents."""
    engine = make_engine(request.param, tmp_path)
    await engine.apply_settings()
    yield engine
    if isinstance(engine, MeiliEngine):
        await drop_meili_indexes(engine)
    await engine.close()


@pytest.fixture
async def engine(empty_engine: Any) -> Any:
    """An engine holding the whole corpus."""
    await empty_engine.upsert(CORPUS)
    return empty_engine
