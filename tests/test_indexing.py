"""The index follows the database through the outbox: changes arrive, outages lose nothing,
rebuilds swap atomically, and `search check` tells the truth."""

from __future__ import annotations

import asyncio
import contextvars
import shutil
import time

import pytest

from registry import catalogue, collaboration, indexing
from registry.indexing import rebuild
from registry.indexing.sync import one_drainer
from registry.tables import SearchOutbox
from search import SearchQuery
from tests.clients import app_client, run_registry, start_registry
from tests.factories import SYSTEM, make_actor, make_solution


async def found(search_index, text: str) -> list[str]:
    result = await search_index.search(SearchQuery(text=text))
    return [hit.document["slug"] for hit in result.hits]


async def eventually(check, seconds: float = 5.0):
    """Poll `check` until it is true (not a timing assertion: a generous upper bound)."""
    deadline = time.monotonic() + seconds
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.05)


async def test_the_document_is_a_pure_function_of_the_facts(fife):
    solution = await make_solution("component", fife, title="Éilean forms", licence="MIT")
    [document], gone = await indexing.documents_for([solution.id])
    assert gone == set()
    assert document["id"] == str(solution.id)
    assert document["licence"] == ["mit"]  # filter values are stored folded
    assert document["owner"] == "fife"
    assert document["owner_name"] == "Fife Council"
    assert document["title_sort"] == "eilean forms"
    again, _ = await indexing.documents_for([solution.id])
    assert again == [document]  # same facts, same document, same digest

    actor = await make_actor(fife, "member")
    await collaboration.register_interest(actor, solution.slug, "fife", "exploring")
    [changed], _ = await indexing.documents_for([solution.id])
    assert changed["interested"] == ["fife"]
    assert changed["interest_count"] == 1
    assert changed["digest"] != document["digest"]


async def test_drafts_are_never_indexed(fife, search_index):
    draft = await make_solution("platform", fife, status="draft", title="Secret plan")
    await indexing.drain_all(search_index)
    assert await found(search_index, "secret plan") == []
    _, gone = await indexing.documents_for([draft.id])
    assert gone == {draft.id}


async def test_several_changes_to_one_solution_become_one_document(fife, search_index):
    solution = await make_solution("platform", fife, title="Shared booking")
    for n in range(2, 5):
        await catalogue.update_solution(SYSTEM, solution.slug, {"title": f"Booking v{n}"}, n - 1)
    assert await SearchOutbox.count() == 4
    result = await indexing.drain(search_index)
    assert result.applied == 1
    assert await SearchOutbox.count() == 0
    assert await found(search_index, "booking") == [solution.slug]
    hit = (await search_index.search(SearchQuery(text="booking"))).hits[0]
    assert hit.document["title"] == "Booking v4"


async def test_a_change_is_searchable_soon_after_it_commits(fife, search_index):
    indexer = indexing.Indexer(search_index, interval=60)
    await indexer.start()
    try:
        solution = await make_solution("challenge", fife, title="Flood warning sensors")
        indexer.nudge()
        assert await eventually(lambda: found(search_index, "flood sensors"))
        await catalogue.update_solution(SYSTEM, solution.slug, {"title": "Flood gauges"}, 1)
        indexer.nudge()

        async def renamed():
            return await found(search_index, "gauges") == [solution.slug]

        assert await eventually(renamed)
    finally:
        await indexer.stop()


async def test_writes_succeed_while_the_index_is_away_and_recovery_loses_nothing(
    pooled_db, fife, search_index, tmp_path
):
    actor = await make_actor(fife, "org_admin")
    solutions = [await make_solution("platform", fife, title=f"Service {n}") for n in range(5)]
    await indexing.drain_all(search_index)
    assert (await indexing.check(search_index)).differences == 0

    away = tmp_path / "index-away"
    shutil.move(search_index.directory, away)  # the index's volume disappears
    for n in range(100):
        target = solutions[n % 5]
        current = await catalogue.get_solution(target.slug)
        await catalogue.update_solution(
            actor, target.slug, {"summary": f"Edit {n}"}, current.version
        )
    outage = await indexing.drain(search_index)
    assert outage.failed == 5
    assert await SearchOutbox.count() == 100  # every change waits, none lost
    waiting = await SearchOutbox.select().first()
    assert waiting["attempts"] == 1
    assert "no search index" in waiting["last_error"]
    assert (await indexing.outbox_summary()) == {"waiting": 100, "failing": 100}

    shutil.move(away, search_index.directory)  # it comes back
    indexer = indexing.Indexer(search_index, interval=0.1)
    await indexer.start()
    try:

        async def recovered():
            return await SearchOutbox.count() == 0

        assert await eventually(recovered)
    finally:
        await indexer.stop()
    report = await indexing.check(search_index)
    assert (report.missing, report.stale, report.orphaned) == ([], [], [])
    hit = (await search_index.search(SearchQuery(text="service 4"))).hits[0]
    assert hit.document["summary"] == "Edit 99"


async def test_a_crash_during_reindex_leaves_the_old_index_serving(fife, search_index, monkeypatch):
    for n in range(6):
        await make_solution("component", fife, title=f"Library {n}")
    await indexing.drain_all(search_index)
    late = await make_solution("component", fife, title="Library late")
    real = indexing.documents_for
    calls = 0

    async def failing(ids):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the database went away mid-rebuild")
        return await real(ids)

    monkeypatch.setattr(rebuild, "documents_for", failing)
    with pytest.raises(RuntimeError):
        await indexing.reindex(search_index, batch=3)
    monkeypatch.setattr(rebuild, "documents_for", real)

    assert await search_index.count() == 6
    assert len(await found(search_index, "library")) == 6
    assert await SearchOutbox.count().where(SearchOutbox.solution_id == late.id) == 1
    assert await indexing.reindex(search_index) == 7
    assert await SearchOutbox.count() == 0
    assert (await indexing.check(search_index)).differences == 0


async def test_search_check_reports_missing_stale_and_orphaned_documents(fife, search_index):
    kept = await make_solution("platform", fife, title="Kept")
    await make_solution("platform", fife, title="Never drained")
    await indexing.drain_all(search_index)
    changed = await make_solution("platform", fife, title="Changed later")
    await indexing.drain_all(search_index)
    await catalogue.update_solution(SYSTEM, changed.slug, {"title": "Changed again"}, 1)
    missing = await make_solution("platform", fife, title="Missing")
    await search_index.upsert([{**(await indexing.documents_for([kept.id]))[0][0], "id": "99999"}])

    report = await indexing.check(search_index)
    assert report.missing == [missing.slug]
    assert report.stale == [changed.slug]
    assert report.orphaned == ["99999"]


async def test_only_one_drainer_at_a_time(fife, search_index):
    await make_solution("platform", fife)
    async with one_drainer() as held:
        assert held
        # another drainer, with no share in this one's transaction (as in another process)
        result = await asyncio.create_task(
            indexing.drain(search_index), context=contextvars.Context()
        )
    assert result.busy
    assert await SearchOutbox.count() == 1
    assert (await indexing.drain(search_index)).applied == 1


async def test_search_answers_503_and_health_says_degraded_when_the_index_is_unreadable(
    fife, broken_index
):
    await make_solution("platform", fife, title="Still listed")
    async with app_client(broken_index) as client:
        response = await client.get("/api/v1/search", params={"q": "listed"})
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "unavailable"
        assert "/api/v1/solutions" in error["message"]
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded"
        assert health.json()["search"] == "degraded"
        listing = await client.get("/api/v1/solutions")
        assert listing.json()["total"] == 1


# -- the commands, as real processes ----------------------------------------------------------


async def test_reindex_and_search_check_commands(fife, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    solution = await make_solution("platform", fife, title="Command line")
    empty = run_registry("search", "check", data_dir=data)
    assert empty.returncode == 1
    assert "missing: 1" in empty.stdout
    assert solution.slug in empty.stdout

    rebuilt = run_registry("reindex", data_dir=data)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Indexed 1 solution(s)" in rebuilt.stdout
    clean = run_registry("search", "check", data_dir=data)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "The index matches the database." in clean.stdout


async def test_the_worker_process_applies_changes_made_elsewhere(fife, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    log = (tmp_path / "worker.log").open("w")
    worker = start_registry("worker", "--interval", "0.1", data_dir=data, output=log)
    try:
        for n in range(3):
            await make_solution("component", fife, title=f"Worker test {n}")

        async def drained():
            return await SearchOutbox.count() == 0

        assert await eventually(drained, seconds=20)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        log.close()
    check = run_registry("search", "check", data_dir=data)
    assert check.returncode == 0, check.stdout + check.stderr
