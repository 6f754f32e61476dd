"""The Meilisearch engine without a Meilisearch server: what it sends, in what order, and failures.

`FakeMeilisearch` (fake_meilisearch.py) answers the endpoints the engine uses as a real
Meilisearch v1.50.0 server did, quirks included, and records every request. It stands in only at
the network edge; the contract suite runs the engine against a real server when `MEILI_URL` is
set (`make test-meili`).
"""

from __future__ import annotations

import asyncio
import math
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest
from fake_meilisearch import ALL_INDEXES_KEY, SCOPED_KEY, FakeMeilisearch, serve
from search_corpus import CORPUS
from search_corpus import SPEC as CORPUS_SPEC

from search import MAX_TOTAL_HITS, SearchQuery, SearchUnavailable, SortField
from search.highlight import POST, PRE
from search.meilisearch.engine import RANKING_RULES, SHOWN, MeiliEngine, meili_settings

pytestmark = pytest.mark.no_database

# the registry's key covers `solutions*`, so the index is named inside it
SPEC = replace(CORPUS_SPEC, name="solutions")


@pytest.fixture
def fake() -> Iterator[tuple[FakeMeilisearch, str]]:
    with serve() as served:
        yield served


@pytest.fixture
async def engine(fake: tuple[FakeMeilisearch, str]) -> AsyncIterator[MeiliEngine]:
    engine = MeiliEngine(fake[1], SCOPED_KEY, SPEC, batch_size=1000, timeout=2)
    yield engine
    await engine.close()


def documents(n: int) -> list[dict[str, Any]]:
    return [{**CORPUS[i % len(CORPUS)], "id": f"doc-{i:05d}"} for i in range(n)]


# -- settings -------------------------------------------------------------------------------


def test_settings_follow_the_spec() -> None:
    settings = meili_settings(SPEC, max_facet_values=500)
    assert settings["searchableAttributes"] == [
        "title",
        "summary",
        "tags",
        "owner_name",
        "description",
    ]
    assert settings["filterableAttributes"] == list(SPEC.filterable)
    assert settings["sortableAttributes"] == ["title_sort", "interest_count", "updated", "id"]
    assert settings["rankingRules"] == RANKING_RULES
    assert settings["rankingRules"][0] == "sort"
    assert set(settings["rankingRules"]) == {
        "sort",
        "words",
        "typo",
        "proximity",
        "attribute",
        "exactness",
    }
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert settings["typoTolerance"]["enabled"] is True
    assert settings["pagination"] == {"maxTotalHits": MAX_TOTAL_HITS}
    assert settings["faceting"]["maxValuesPerFacet"] == 500


async def test_settings_are_applied_to_a_new_index_before_any_document(fake, engine) -> None:
    state, _ = fake
    await engine.apply_settings()
    await engine.upsert(documents(3))
    writes = state.writes()
    assert writes[0] == ("POST", "/indexes")
    assert writes[1] == ("PATCH", f"/indexes/{SPEC.name}/settings")
    assert writes[2] == ("POST", f"/indexes/{SPEC.name}/documents")
    assert state.indexes[SPEC.name]["primaryKey"] == "id"
    assert state.indexes[SPEC.name]["settings"] == meili_settings(SPEC)


async def test_settings_are_reapplied_to_an_existing_index(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(2))
    await engine.apply_settings()
    assert state.writes() == [("PATCH", f"/indexes/{SPEC.name}/settings")]


# -- batches and tasks ----------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 999, 1000, 1001, 2500])
async def test_documents_travel_in_batches(fake, engine, n: int) -> None:
    state, _ = fake
    state.add_index(SPEC.name, [])
    await engine.upsert(documents(n))
    sent = [r for r in state.requests if r.method == "POST" and r.path.endswith("/documents")]
    assert len(sent) == math.ceil(n / 1000)
    assert [len(r.body) for r in sent] == [min(1000, n - i * 1000) for i in range(len(sent))]
    assert all(r.query["primaryKey"] == ["id"] for r in sent)
    assert len(state.indexes[SPEC.name]["docs"]) == n
    # every task was waited for before upsert returned
    polled = {int(p.rsplit("/", 1)[1]) for p in state.paths("GET") if p.startswith("/tasks/")}
    assert polled == set(state.tasks)


async def test_deletes_travel_in_batches(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(2500))
    await engine.delete([f"doc-{i:05d}" for i in range(2100)] + ["no-such-doc"])
    sent = [r for r in state.requests if r.path.endswith("/delete-batch")]
    assert [len(r.body) for r in sent] == [1000, 1000, 101]
    assert len(state.indexes[SPEC.name]["docs"]) == 400


async def test_a_failed_task_makes_the_write_unavailable(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, [])
    state.failing_task_types.add("documentAdditionOrUpdate")
    with pytest.raises(SearchUnavailable, match="documentAdditionOrUpdate went wrong"):
        await engine.upsert(documents(3))


async def test_documents_are_stored_without_highlight_markers(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, [])
    forged = {**CORPUS[0], "title": f"Fake {PRE}mark{POST}", "tags": [f"{PRE}x"]}
    await engine.upsert([forged])
    stored = state.indexes[SPEC.name]["docs"][forged["id"]]
    assert stored["title"] == "Fake mark"
    assert stored["tags"] == ["x"]


async def test_a_document_that_does_not_fit_is_refused_before_sending(fake, engine) -> None:
    state, _ = fake
    with pytest.raises(ValueError, match="interest_count"):
        await engine.upsert([{**CORPUS[0], "interest_count": "lots"}])
    assert not [r for r in state.requests if r.path.endswith("/documents")]


# -- rebuild --------------------------------------------------------------------------------


async def test_rebuild_fills_a_fresh_index_and_swaps_it_in(fake) -> None:
    state, url = fake
    state.add_index(SPEC.name, documents(5))
    engine = MeiliEngine(url, SCOPED_KEY, SPEC, batch_size=10)
    progress: list[int] = []
    try:
        assert await engine.rebuild(documents(25)[::-1], progress.append) == 25
    finally:
        await engine.close()
    writes = state.writes()
    assert writes[0] == ("POST", "/indexes")  # the temporary index
    fresh = next(r.body["uid"] for r in state.requests if r.path == "/indexes" and r.body)
    assert fresh.startswith(f"{SPEC.name}__rebuild_")
    assert writes[1] == ("PATCH", f"/indexes/{fresh}/settings")
    assert writes[2:5] == [("POST", f"/indexes/{fresh}/documents")] * 3
    assert writes[5] == ("POST", "/swap-indexes")
    # confirmed by a task on the live index, never by reading the swap task
    assert writes[6] == ("PATCH", f"/indexes/{SPEC.name}/settings")
    swap_task = next(n for n, t in state.tasks.items() if t["type"] == "indexSwap")
    assert f"/tasks/{swap_task}" not in state.paths("GET")
    assert writes[7] == ("DELETE", f"/indexes/{fresh}")
    assert sorted(state.indexes[SPEC.name]["docs"]) == sorted(d["id"] for d in documents(25))
    assert fresh not in state.indexes
    assert progress == [10, 20, 25]


async def test_rebuild_creates_the_live_index_when_missing(fake, engine) -> None:
    state, _ = fake
    assert await engine.rebuild(documents(3)) == 3
    assert len(state.indexes[SPEC.name]["docs"]) == 3
    assert list(state.indexes) == [SPEC.name]


async def test_a_failed_rebuild_never_swaps_and_removes_its_index(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(5))

    async def failing() -> AsyncIterator[list[dict[str, Any]]]:
        yield documents(30)[10:20]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        await engine.rebuild(failing())
    assert "/swap-indexes" not in state.paths()
    assert list(state.indexes) == [SPEC.name]
    assert sorted(state.indexes[SPEC.name]["docs"]) == sorted(d["id"] for d in documents(5))


async def test_leftovers_of_a_dead_rebuild_are_removed_but_not_a_running_ones(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(5))
    state.add_index(f"{SPEC.name}__rebuild_1", documents(2), updated="2025-01-01T00:00:00.0Z")
    running = f"{SPEC.name}__rebuild_2"
    state.add_index(running, documents(2))  # written to just now: another rebuild's
    state.add_index("someone_elses_index", documents(1))
    await engine.rebuild(documents(4))
    assert sorted(state.indexes) == sorted([SPEC.name, running, "someone_elses_index"])


async def test_the_fake_hides_swap_tasks_from_keys_not_on_every_index(fake) -> None:
    state, url = fake
    state.add_index("solutions", [])
    state.add_index("solutions_new", [])
    import meilisearch
    from meilisearch.errors import MeilisearchApiError

    scoped = meilisearch.Client(url, SCOPED_KEY)
    task = scoped.swap_indexes([{"indexes": ["solutions", "solutions_new"]}])
    state.settle()
    with pytest.raises(MeilisearchApiError) as refused:
        scoped.get_task(task.task_uid)
    assert (refused.value.status_code, refused.value.code) == (404, "task_not_found")
    assert meilisearch.Client(url, ALL_INDEXES_KEY).get_task(task.task_uid).status == "succeeded"
    # and deleting a missing index is enqueued, then fails
    gone = scoped.delete_index("solutions_gone")
    state.settle()
    failed = scoped.get_task(gone.task_uid)
    assert (failed.status, failed.error["code"]) == ("failed", "index_not_found")


async def test_rebuild_with_the_registrys_key_succeeds_and_reports_truly(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(5))
    assert await engine.rebuild(documents(7)) == 7
    assert sorted(state.indexes[SPEC.name]["docs"]) == sorted(d["id"] for d in documents(7))
    assert list(state.indexes) == [SPEC.name]


async def test_a_swap_that_fails_is_reported_and_leaves_the_old_index_live(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(5))
    state.failing_task_types.add("indexSwap")
    with pytest.raises(SearchUnavailable, match="did not swap"):
        await engine.rebuild(documents(7))
    assert sorted(state.indexes[SPEC.name]["docs"]) == sorted(d["id"] for d in documents(5))
    assert list(state.indexes) == [SPEC.name]  # the fresh index was removed, and waited for


async def test_deleting_an_index_already_gone_counts_as_done(fake, engine) -> None:
    state, _ = fake
    # as a rebuild deletes a temporary index another process deleted meanwhile
    await engine._run(engine._drop_index, f"{SPEC.name}__rebuild_1")
    [task] = state.tasks.values()
    assert (task["type"], task["status"]) == ("indexDeletion", "failed")
    assert task["error"]["code"] == "index_not_found"


async def test_after_a_failed_rebuild_the_next_one_succeeds(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(5))
    state.task_delay = 0.005

    async def failing() -> AsyncIterator[list[dict[str, Any]]]:
        yield documents(30)[10:20]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        await engine.rebuild(failing())
    assert list(state.indexes) == [SPEC.name]  # its index is gone before it returns
    assert await engine.rebuild(documents(6)) == 6


async def test_three_concurrent_rebuilds_all_succeed_and_keep_the_index_whole(fake) -> None:
    state, url = fake
    state.add_index(SPEC.name, documents(5))
    state.task_delay = 0.002
    engines = [MeiliEngine(url, SCOPED_KEY, SPEC, batch_size=7) for _ in range(3)]
    try:
        counts = await asyncio.gather(*(e.rebuild(documents(40)) for e in engines))
    finally:
        for e in engines:
            await e.close()
    assert counts == [40, 40, 40]
    assert list(state.indexes) == [SPEC.name]
    live = state.indexes[SPEC.name]
    assert sorted(live["docs"]) == sorted(d["id"] for d in documents(40))
    assert live["settings"] == meili_settings(SPEC)


# -- searching ------------------------------------------------------------------------------


async def test_a_search_asks_for_exact_totals_facets_and_marker_highlights(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, [])
    hit = {**CORPUS[0], "title": "<script>alert(1)</script> telecare"}
    state.search_response = {
        "hits": [
            {
                **hit,
                "_formatted": {
                    **hit,
                    "title": f"<script>{PRE}alert{POST}(1)</script> {PRE}telecare{POST}",
                    "tags": [f"{PRE}telecare{POST}", "alarms"],
                },
            }
        ],
        "totalHits": 41,
        "totalPages": 3,
        "facetDistribution": {"kind": {"platform": 40, "component": 1}},
        "processingTimeMs": 1,
    }
    query = SearchQuery(
        text="alert telecare",
        filters={"status": ['live" OR status = "retired']},
        sort=(SortField("interest_count", descending=True),),
        facets=("kind", "owner"),
        page=2,
        per_page=20,
    )
    result = await engine.search(query)
    body = next(r.body for r in state.requests if r.path.endswith("/search"))
    assert body["q"] == "alert telecare"
    assert body["page"] == 2
    assert body["hitsPerPage"] == 20
    assert body["filter"] == 'status = "live\\" OR status = \\"retired"'
    assert body["sort"] == ["interest_count:desc", "id:asc"]
    assert body["facets"] == ["kind", "owner"]
    assert body["attributesToHighlight"] == list(SPEC.searchable)
    assert (body["highlightPreTag"], body["highlightPostTag"]) == (PRE, POST)
    assert result.total == 41
    assert result.facets == {"kind": {"platform": 40, "component": 1}, "owner": {}}
    [found] = result.hits
    assert found.id == "telecare-hub"
    assert found.document == hit
    assert found.highlights["title"] == (
        "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; <mark>telecare</mark>"
    )
    assert found.highlights["tags"] == "<mark>telecare</mark>, alarms"


async def test_the_index_pages_no_deeper_than_the_one_cap(fake, engine) -> None:
    state, _ = fake
    await engine.apply_settings()
    await engine.upsert(documents(MAX_TOTAL_HITS + 20))
    result = await engine.search(SearchQuery(page=10, per_page=100))
    assert state.indexes[SPEC.name]["settings"]["pagination"] == {"maxTotalHits": MAX_TOTAL_HITS}
    assert (len(result.hits), result.total) == (100, MAX_TOTAL_HITS)
    searches = len(state.paths("POST"))
    with pytest.raises(ValueError, match="past the first"):
        await engine.search(SearchQuery(page=11, per_page=100))
    assert len(state.paths("POST")) == searches  # refused without asking the server


async def test_an_empty_search_lists_in_primary_key_order(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(2))
    await engine.search(SearchQuery(text="  !? "))
    body = next(r.body for r in state.requests if r.path.endswith("/search"))
    assert body["q"] == ""
    assert body["sort"] == ["id:asc"]
    assert "filter" not in body


async def test_relevance_order_is_left_to_meilisearch(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(2))
    await engine.search(SearchQuery(text="telecare"))
    body = next(r.body for r in state.requests if r.path.endswith("/search"))
    assert "sort" not in body


async def test_fingerprints_page_through_every_document(fake) -> None:
    state, url = fake
    state.add_index(SPEC.name, documents(23))
    engine = MeiliEngine(url, SCOPED_KEY, SPEC, batch_size=10)
    try:
        fingerprints = await engine.fingerprints("updated")
    finally:
        await engine.close()
    assert fingerprints == {d["id"]: d["updated"] for d in documents(23)}


# -- failures -------------------------------------------------------------------------------


async def test_the_master_key_is_refused(fake) -> None:
    state, url = fake
    state.key_status = 404  # may look keys up, yet is no key: the master key
    engine = MeiliEngine(url, "the-master-key", SPEC)
    try:
        with pytest.raises(SearchUnavailable, match="master key"):
            await engine.apply_settings()
        with pytest.raises(SearchUnavailable, match="master key"):
            await engine.search(SearchQuery(text="telecare"))
    finally:
        await engine.close()
    assert state.paths() == ["/keys/the-master-key", "/keys/the-master-key"]


async def test_health_reports_the_documents_of_an_answering_server(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(7))
    health = await engine.health()
    assert health.ok
    assert "7 documents" in health.detail


async def test_a_missing_index_is_unavailable(fake, engine) -> None:
    with pytest.raises(SearchUnavailable, match="index_not_found"):
        await engine.search(SearchQuery(text="telecare"))
    health = await engine.health()
    assert not health.ok
    assert "index_not_found" in health.detail
    assert health.needs_rebuild  # the server answers: rebuilding restores the index


async def test_an_unreachable_server_is_unavailable_quickly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # nothing listens on the port any more
    engine = MeiliEngine(f"http://127.0.0.1:{port}", SCOPED_KEY, SPEC, timeout=2)
    try:
        started = time.monotonic()
        with pytest.raises(SearchUnavailable, match="cannot reach Meilisearch"):
            await engine.search(SearchQuery(text="telecare"))
        with pytest.raises(SearchUnavailable):
            await engine.count()
        with pytest.raises(SearchUnavailable):
            await engine.upsert(documents(2))
        health = await engine.health()
        assert not health.ok
        assert "cannot reach Meilisearch" in health.detail
        assert not health.needs_rebuild  # no rebuild can reach it either
        assert time.monotonic() - started < 2
    finally:
        await engine.close()


async def test_a_slow_server_is_unavailable_after_the_timeout(fake) -> None:
    state, url = fake
    state.add_index(SPEC.name, documents(2))
    state.search_delay = 1.0
    engine = MeiliEngine(url, SCOPED_KEY, SPEC, timeout=0.2)
    try:
        started = time.monotonic()
        with pytest.raises(SearchUnavailable, match="did not answer"):
            await engine.search(SearchQuery(text="telecare"))
        assert time.monotonic() - started < 1
    finally:
        await engine.close()


async def test_validation_happens_before_any_request(fake, engine) -> None:
    state, _ = fake
    with pytest.raises(ValueError, match="cannot filter"):
        await engine.search(SearchQuery(filters={"title": ["x"]}))
    with pytest.raises(ValueError, match="cannot sort"):
        await engine.search(SearchQuery(sort=(SortField("kind"),)))
    assert state.requests == []


# -- what is indexed, and marks on whole words -----------------------------------------------


GLUED = {
    "<script>alert(1)</script> widget": "alert",
    "<b>alarm</b> board": "alarm",
    "the (alarm) & <i>beacon</i>": "beacon",
}


async def test_words_glued_to_markup_are_found_and_shown_as_stored(fake, engine) -> None:
    state, _ = fake
    await engine.apply_settings()
    docs = [{**CORPUS[0], "id": f"glued-{n}", "title": t} for n, t in enumerate(GLUED)]
    await engine.upsert(docs)
    stored = state.indexes[SPEC.name]["docs"]["glued-1"]
    assert stored["title"] == "< b > alarm < /b > board"  # the searchable copy
    assert stored[SHOWN] == {"title": "<b>alarm</b> board"}
    for n, (title, word) in enumerate(GLUED.items()):
        result = await engine.search(SearchQuery(text=word))
        hit = next(h for h in result.hits if h.id == f"glued-{n}")
        assert hit.document == docs[n]
        expected = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert hit.highlights["title"] == expected.replace(word, f"<mark>{word}</mark>")
    assert await engine.fingerprints("title") == {d["id"]: d["title"] for d in docs}


async def test_the_servers_marks_are_moved_onto_whole_words(fake, engine) -> None:
    state, _ = fake
    await engine.apply_settings()
    # an index written before searchable copies existed: the server marks `<zephyrin`
    state.add_index(
        SPEC.name,
        [{**CORPUS[0], "id": "old", "title": "the <zephyrine> flood", "summary": "Recruitment"}],
    )
    state.indexes[SPEC.name]["settings"] = meili_settings(SPEC)
    [hit] = (await engine.search(SearchQuery(text="zephyrine"))).hits
    assert hit.highlights["title"] == "the &lt;<mark>zephyrine</mark>&gt; flood"
    [hit] = (await engine.search(SearchQuery(text="recr"))).hits
    assert hit.highlights["summary"] == "<mark>Recruitment</mark>"


async def test_crops_come_from_the_server_with_whole_words_marked(fake, engine) -> None:
    state, _ = fake
    await engine.apply_settings()
    filler = " ".join(f"word{n}" for n in range(60))
    text = f"{filler} the <zephyrine> flood gauge {filler}"
    await engine.upsert([{**CORPUS[0], "id": "long", "description": text}])
    query = SearchQuery(text="zephyr", crop=("description",), crop_length=10)
    [hit] = (await engine.search(query)).hits
    body = next(r.body for r in state.requests if r.path.endswith("/search"))
    assert (body["attributesToCrop"], body["cropLength"]) == (["description"], 10)
    cropped = hit.highlights["description"]
    assert cropped.startswith("\u2026")
    assert cropped.endswith("\u2026")
    assert "the &lt;<mark>zephyrine</mark>&gt; flood" in cropped
    assert len(cropped.split()) <= 11


async def test_a_search_asks_only_for_what_is_shown(fake, engine) -> None:
    state, _ = fake
    await engine.apply_settings()
    await engine.upsert(documents(3))
    result = await engine.search(
        SearchQuery(text="telecare", highlight=("title",), crop=("description",))
    )
    body = next(r.body for r in state.requests if r.path.endswith("/search"))
    assert body["attributesToHighlight"] == ["title", "description"]
    assert "facets" not in body
    assert result.server_ms == 1
    assert all(set(h.highlights) == {"title", "description"} for h in result.hits)
    await engine.search(SearchQuery(text="telecare", highlight=()))
    last = [r.body for r in state.requests if r.path.endswith("/search")][-1]
    assert "attributesToHighlight" not in last
    assert "attributesToCrop" not in last
    with pytest.raises(ValueError, match="cannot highlight 'owner'"):
        await engine.search(SearchQuery(text="x", highlight=("owner",)))


async def test_the_field_the_engine_keeps_for_itself_is_refused(fake, engine) -> None:
    with pytest.raises(ValueError, match=SHOWN):
        await engine.upsert([{**CORPUS[0], SHOWN: {"title": "x"}}])
