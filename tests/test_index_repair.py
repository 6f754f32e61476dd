"""A search index lost or damaged while the server runs is rebuilt without a restart, by one
process at a time, and health says ok again afterwards."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest

from registry import indexing
from registry.indexing.repair import LOCK_FILE, rebuild_lock
from search import SearchQuery
from search.tantivy import TantivyEngine
from tests.clients import app_client
from tests.factories import make_solution


@pytest.fixture
async def ferry(fife, search_index):
    solution = await make_solution("platform", fife, title="Ferry bookings")
    await indexing.drain_all(search_index)
    return solution


async def until_healthy(client, seconds: float = 30.0) -> dict:
    """Poll /healthz until search is ok again (bounded; not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while True:
        body = (await client.get("/healthz")).json()
        if body["status"] == "ok" or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.1)


async def searched(client) -> list[str]:
    response = await client.get("/api/v1/search", params={"q": "ferry"})
    assert response.status_code == 200, response.text
    return [hit["slug"] for hit in response.json()["hits"]]


def live_generation(directory: Path) -> Path:
    return directory / (directory / "CURRENT").read_text().strip()


async def test_a_deleted_index_is_rebuilt_while_the_server_runs(search_index, ferry):
    async with app_client(search_index) as client:
        assert await searched(client) == [ferry.slug]

        shutil.rmtree(search_index.directory)  # someone clears the data volume
        assert (await client.get("/api/v1/search", params={"q": "ferry"})).status_code == 503
        degraded = (await client.get("/healthz")).json()
        assert (degraded["status"], degraded["search"]) == ("degraded", "degraded")

        assert await until_healthy(client) == {
            **degraded,
            "status": "ok",
            "search": "ok",
        }
        assert await searched(client) == [ferry.slug]


async def test_a_damaged_index_is_rebuilt_while_the_server_runs(search_index, ferry):
    async with app_client(search_index) as client:
        assert await searched(client) == [ferry.slug]
        damaged = live_generation(search_index.directory)
        victim = max(damaged.glob("*.store"), key=lambda p: p.stat().st_size)
        os.truncate(victim, victim.stat().st_size // 2)  # a file cut short on disk

        degraded = (await client.get("/healthz")).json()
        assert (degraded["status"], degraded["search"]) == ("degraded", "degraded")

        assert (await until_healthy(client))["search"] == "ok"
        assert live_generation(search_index.directory) != damaged
        assert await searched(client) == [ferry.slug]


async def test_only_one_process_rebuilds_and_the_others_pick_its_index_up(
    search_index, ferry, tmp_path
):
    data = tmp_path / "data"
    other = TantivyEngine(search_index.directory, indexing.SPEC)  # as another worker would have
    try:
        shutil.rmtree(search_index.directory)
        repairer = indexing.Repairer(search_index, data)
        with rebuild_lock(data / LOCK_FILE) as held:  # another process is rebuilding
            assert held
            assert await repairer.check() == "busy"
            assert not (await search_index.health()).ok
        assert await indexing.Repairer(other, data).check() == "rebuilt"
        # the first process needs no rebuild of its own: it reads the one just published
        assert await repairer.check() == "healthy"
        assert [
            h.document["slug"] for h in (await search_index.search(SearchQuery(text="ferry"))).hits
        ] == [ferry.slug]
    finally:
        await other.close()


async def test_an_engine_that_cannot_be_reached_is_not_rebuilt_onto(search_index, ferry, tmp_path):
    await search_index.close()  # stands in for an search_index that does not answer at all
    assert await indexing.Repairer(search_index, tmp_path / "data").check() == "unreachable"
