"""The Meilisearch engine without a Meilisearch server: what it sends, in what order, and failures.

`FakeMeilisearch` answers the handful of endpoints the engine uses, the way Meilisearch's API
reference describes them (tasks enqueued with 202 and polled until they succeed or fail), and
records every request. It stands in only at the network edge; the contract suite runs the engine
against a real server when `MEILI_URL` is set.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from search_corpus import CORPUS, SPEC

from search import MAX_TOTAL_HITS, SearchQuery, SearchUnavailable, SortField
from search.highlight import POST, PRE
from search.meilisearch.engine import RANKING_RULES, MeiliEngine, meili_settings

pytestmark = pytest.mark.no_database

NOW = "2025-01-01T00:00:00.000000Z"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


class FakeMeilisearch:
    """Enough of Meilisearch's HTTP API for the engine, with every request recorded."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.indexes: dict[str, dict[str, Any]] = {}
        self.tasks: dict[int, dict[str, Any]] = {}
        self.failing_task_types: set[str] = set()
        self.key_status = 403
        self.search_delay = 0.0
        self.search_response: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    def writes(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests if r.method != "GET"]

    def add_index(self, uid: str, docs: list[dict[str, Any]]) -> None:
        self.indexes[uid] = {"primaryKey": "id", "docs": {d["id"]: d for d in docs}, "settings": {}}

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(Request(method, path, query, body))
            return self._route(method, path.strip("/").split("/"), query, body)

    def _task(self, kind: str, uid: str | None, apply: Any = None) -> tuple[int, Any]:
        number = len(self.tasks)
        error = None
        if kind in self.failing_task_types:
            error = {"message": f"{kind} went wrong", "code": "internal", "type": "internal"}
        elif apply is not None:
            apply()
        self.tasks[number] = {
            "uid": number,
            "indexUid": uid,
            "status": "failed" if error else "succeeded",
            "type": kind,
            "details": {},
            "error": error,
            "duration": "PT0.001S",
            "enqueuedAt": NOW,
            "startedAt": NOW,
            "finishedAt": NOW,
        }
        return 202, {
            "taskUid": number,
            "indexUid": uid,
            "status": "enqueued",
            "type": kind,
            "enqueuedAt": NOW,
        }

    def _missing(self, uid: str) -> tuple[int, Any]:
        return 404, {
            "message": f"Index `{uid}` not found.",
            "code": "index_not_found",
            "type": "invalid_request",
            "link": "https://docs.meilisearch.com/errors#index_not_found",
        }

    def _route(
        self, method: str, parts: list[str], query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        match method, parts:
            case "GET", ["health"]:
                return 200, {"status": "available"}
            case "GET", ["keys", _]:
                if self.key_status == 404:
                    return 404, {"message": "API key not found.", "code": "api_key_not_found"}
                return 403, {
                    "message": "The provided API key is invalid.",
                    "code": "invalid_api_key",
                }
            case "GET", ["tasks", number]:
                return 200, self.tasks[int(number)]
            case "GET", ["indexes"]:
                results = [
                    {"uid": uid, "primaryKey": i["primaryKey"], "createdAt": NOW, "updatedAt": NOW}
                    for uid, i in self.indexes.items()
                ]
                return 200, {"results": results, "offset": 0, "limit": 1000, "total": len(results)}
            case "POST", ["indexes"]:
                uid = body["uid"]
                return self._task(
                    "indexCreation",
                    uid,
                    lambda: self.indexes.setdefault(
                        uid, {"primaryKey": body.get("primaryKey"), "docs": {}, "settings": {}}
                    ),
                )
            case "POST", ["swap-indexes"]:
                a, b = body[0]["indexes"]

                def swap() -> None:
                    self.indexes[a], self.indexes[b] = self.indexes[b], self.indexes[a]

                return self._task("indexSwap", None, swap)
            case _, ["indexes", uid, *rest] if uid not in self.indexes and rest[:1] != [
                "documents"
            ]:
                return self._missing(uid)
            case "GET", ["indexes", uid]:
                info = self.indexes[uid]
                return 200, {
                    "uid": uid,
                    "primaryKey": info["primaryKey"],
                    "createdAt": NOW,
                    "updatedAt": NOW,
                }
            case "DELETE", ["indexes", uid]:
                return self._task("indexDeletion", uid, lambda: self.indexes.pop(uid))
            case "PATCH", ["indexes", uid, "settings"]:
                return self._task(
                    "settingsUpdate", uid, lambda: self.indexes[uid]["settings"].update(body)
                )
            case "GET", ["indexes", uid, "stats"]:
                count = len(self.indexes[uid]["docs"])
                return 200, {
                    "numberOfDocuments": count,
                    "isIndexing": False,
                    "fieldDistribution": {},
                }
            case "POST", ["indexes", uid, "documents"]:

                def add() -> None:
                    index = self.indexes.setdefault(
                        uid, {"primaryKey": query["primaryKey"][0], "docs": {}, "settings": {}}
                    )
                    index["docs"].update({d["id"]: d for d in body})

                return self._task("documentAdditionOrUpdate", uid, add)
            case "POST", ["indexes", uid, "documents", "delete-batch"]:

                def remove() -> None:
                    for pk in body:
                        self.indexes[uid]["docs"].pop(pk, None)

                return self._task("documentDeletion", uid, remove)
            case "POST", ["indexes", uid, "documents", "fetch"]:
                docs = list(self.indexes[uid]["docs"].values())
                page = docs[body["offset"] : body["offset"] + body["limit"]]
                results = [{f: d.get(f) for f in body["fields"]} for d in page]
                return 200, {
                    "results": results,
                    "offset": body["offset"],
                    "limit": body["limit"],
                    "total": len(docs),
                }
            case "POST", ["indexes", uid, "search"]:
                time.sleep(self.search_delay)
                if self.search_response is not None:
                    return 200, self.search_response
                docs = list(self.indexes[uid]["docs"].values())
                # Meilisearch's finite pagination: no hit past `maxTotalHits` (default 1000),
                # and `totalHits` counted up to it
                cap = self.indexes[uid]["settings"].get("pagination", {}).get("maxTotalHits", 1000)
                per_page = body.get("hitsPerPage", 20)
                start = min((body.get("page", 1) - 1) * per_page, cap)
                hits = docs[start : start + min(per_page, cap - start)]
                return 200, {"hits": hits, "totalHits": min(len(docs), cap), "processingTimeMs": 1}
        return 404, {"message": f"no route {method} {'/'.join(parts)}", "code": "not_found"}


@pytest.fixture
def fake() -> Iterator[tuple[FakeMeilisearch, str]]:
    state = FakeMeilisearch()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            status, payload = state.handle(self.command, url.path, parse_qs(url.query), body)
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def engine(fake: tuple[FakeMeilisearch, str]) -> AsyncIterator[MeiliEngine]:
    engine = MeiliEngine(fake[1], "a-scoped-key", SPEC, batch_size=1000, timeout=2)
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
    engine = MeiliEngine(url, "a-scoped-key", SPEC, batch_size=10)
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
    assert writes[6] == ("DELETE", f"/indexes/{fresh}")
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


async def test_leftovers_of_an_interrupted_rebuild_are_removed_by_the_next(fake, engine) -> None:
    state, _ = fake
    state.add_index(SPEC.name, documents(5))
    state.add_index(f"{SPEC.name}__rebuild_1", documents(2))
    state.add_index("someone_elses_index", documents(1))
    await engine.rebuild(documents(4))
    assert sorted(state.indexes) == sorted([SPEC.name, "someone_elses_index"])


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
    engine = MeiliEngine(url, "a-scoped-key", SPEC, batch_size=10)
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
    engine = MeiliEngine(f"http://127.0.0.1:{port}", "a-scoped-key", SPEC, timeout=2)
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
    engine = MeiliEngine(url, "a-scoped-key", SPEC, timeout=0.2)
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
