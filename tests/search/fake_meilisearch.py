"""A fake of Meilisearch's HTTP API for the engine's tests, mirroring Meilisearch v1.50.0.

It answers the endpoints the engine uses and records every request. Each rule below is what a real
v1.50.0 server did when the engine ran against it, not only what the API reference says:

- Writes are tasks: answered 202 `enqueued` at once and processed afterwards, one at a time in
  the order they were enqueued, by a worker thread (so a caller that does not wait for a task
  can see its effect late, as on the server).
- Keys are scoped to index patterns (`solutions*`). Such a key sees only the indexes and tasks
  of the indexes it covers, and a task belonging to no single index (an index swap) only with a
  key on every index (`*`): otherwise `GET /tasks/{uid}` answers 404 `task_not_found`.
- Deleting an index is enqueued even when the index does not exist; the task then fails with
  `index_not_found`. Creating one that exists fails with `index_already_exists`. A settings
  update or a document addition creates a missing index.
- A swap exchanges the two indexes' contents: documents, settings, and `createdAt`/`updatedAt`,
  which belong to an index, not to its name. It fails with `index_not_found` if either is gone.
- Search: a word matches a word of a searchable attribute with the same letters (case and
  accents aside), the last query word also as a prefix, words dropped from the end until
  something matches (`matchingStrategy: last`). No typos, filters or ranking beyond the order
  of matched words, then attribute, then insertion; facet counts over the matches.
- v1.50.0 reads `>` as part of the word beside it (and `<`, like other punctuation, as a
  separator): `<b>alarm</b>` holds the words `b>alarm` and `b>`, so `alarm` does not find it,
  while `zephyrine` finds `<zephyrine>` as a prefix of `zephyrine>`.
- Marks: a word found by a prefix is marked over the typed part only (`<mark>recr</mark>uitment`),
  and a mark on a word that follows `<` starts one character early (`<mark><zephyrin</mark>e>`),
  in highlights and in crops alike.
- Synonyms (the `synonyms` setting): keys and equivalents are compared with case and accents
  folded away; only runs of one to three adjacent query words are looked up; a run may then be
  matched by any of its equivalents, whose words must stand side by side in one text, exactly
  (no typos, no prefix); the words of an equivalent found are marked like the query's own.
- Crops: `cropLength` words around the first matched word (from the start without one), with
  `cropMarker` where the text was cut; a cropped attribute not asked to be highlighted is cropped
  without marks.

Only these behaviours are modelled; anything else answers 404 `not_found`, so a test relying on
more fails instead of passing against an invented behaviour.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

VERSION = "1.50.0"
MASTER_KEY = "the-master-key"
SCOPED_KEY = "a-scoped-key"  # what `registry search create-key` makes: indexes `solutions*`
ALL_INDEXES_KEY = "an-all-indexes-key"

# A word: letters, digits and `>` (which v1.50.0 keeps inside words); anything else separates.
_WORD = re.compile(r"(?:[^\W_]|>)+")


class TaskError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    key: str | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded word) of each word of `text`, as v1.50.0 cuts it."""
    return [(m.start(), m.end(), _fold(m.group())) for m in _WORD.finditer(text)]


class FakeMeilisearch:
    """The server's state, its task queue and its answers; see the module docstring."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.indexes: dict[str, dict[str, Any]] = {}
        self.tasks: dict[int, dict[str, Any]] = {}
        self.keys: dict[str, list[str]] = {SCOPED_KEY: ["solutions*"], ALL_INDEXES_KEY: ["*"]}
        self.failing_task_types: set[str] = set()
        self.key_status = 403
        self.search_delay = 0.0
        self.task_delay = 0.0  # how long the worker takes over each task
        self.search_response: dict[str, Any] | None = None
        self._lock = threading.RLock()
        self._queue: list[tuple[int, Callable[[], None] | None]] = []
        self._wake = threading.Condition(self._lock)
        self._stopped = False
        self._worker = threading.Thread(target=self._work, daemon=True)
        self._worker.start()

    # -- for tests ----------------------------------------------------------------------------

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method is None or r.method == method]

    def writes(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.requests if r.method != "GET"]

    def add_index(
        self, uid: str, docs: list[dict[str, Any]], *, updated: str | None = None
    ) -> None:
        with self._lock:
            stamp = updated or _now()
            self.indexes[uid] = {
                "primaryKey": "id",
                "docs": {d["id"]: d for d in docs},
                "settings": {},
                "createdAt": stamp,
                "updatedAt": stamp,
            }

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until every enqueued task has been processed."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._queue and time.monotonic() < deadline:
                self._wake.wait(0.01)

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
        self._worker.join(2)

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, key: str | None
    ) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(Request(method, path, query, body, key))
        if method == "POST" and path.rstrip("/").endswith("/search"):
            time.sleep(self.search_delay)
        with self._lock:
            return self._route(method, path.strip("/").split("/"), query, body, key)

    # -- tasks --------------------------------------------------------------------------------

    def _enqueue(
        self, kind: str, uid: str | None, apply: Callable[[], None] | None, indexes: list[str]
    ) -> tuple[int, Any]:
        number = len(self.tasks)
        self.tasks[number] = {
            "uid": number,
            "indexUid": uid,
            "status": "enqueued",
            "type": kind,
            "details": {},
            "error": None,
            "duration": None,
            "enqueuedAt": _now(),
            "startedAt": None,
            "finishedAt": None,
            "_indexes": indexes,
        }
        self._queue.append((number, apply))
        self._wake.notify_all()
        return 202, {
            "taskUid": number,
            "indexUid": uid,
            "status": "enqueued",
            "type": kind,
            "enqueuedAt": self.tasks[number]["enqueuedAt"],
        }

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                number, apply = self._queue[0]
            if self.task_delay:
                time.sleep(self.task_delay)
            with self._wake:
                task = self.tasks[number]
                task["startedAt"] = _now()
                try:
                    if task["type"] in self.failing_task_types:
                        raise TaskError("internal", f"{task['type']} went wrong")
                    if apply is not None:
                        apply()
                except TaskError as exc:
                    task["status"] = "failed"
                    task["error"] = {
                        "message": exc.message,
                        "code": exc.code,
                        "type": "invalid_request",
                        "link": f"https://docs.meilisearch.com/errors#{exc.code}",
                    }
                else:
                    task["status"] = "succeeded"
                task["finishedAt"] = _now()
                task["duration"] = "PT0.001S"
                self._queue.pop(0)
                self._wake.notify_all()

    def _index(self, uid: str) -> dict[str, Any]:
        if uid not in self.indexes:
            raise TaskError("index_not_found", f"Index `{uid}` not found.")
        return self.indexes[uid]

    def _touch(self, uid: str, primary_key: str | None = None) -> dict[str, Any]:
        """The index `uid`, created if missing, marked as just updated."""
        if uid not in self.indexes:
            stamp = _now()
            self.indexes[uid] = {
                "primaryKey": primary_key,
                "docs": {},
                "settings": {},
                "createdAt": stamp,
                "updatedAt": stamp,
            }
        index = self.indexes[uid]
        index["updatedAt"] = _now()
        if index["primaryKey"] is None:
            index["primaryKey"] = primary_key
        return index

    # -- keys ---------------------------------------------------------------------------------

    def _covers(self, key: str | None, uid: str) -> bool:
        patterns = self.keys.get(key or "", ["*"])  # any other key: the master key
        return any(p == "*" or fnmatch.fnmatchcase(uid, p) for p in patterns)

    def _on_every_index(self, key: str | None) -> bool:
        return "*" in self.keys.get(key or "", ["*"])

    def _task_view(self, task: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in task.items() if not k.startswith("_")}

    # -- routes -------------------------------------------------------------------------------

    def _route(
        self,
        method: str,
        parts: list[str],
        query: dict[str, list[str]],
        body: Any,
        key: str | None,
    ) -> tuple[int, Any]:
        if parts[:1] == ["indexes"] and len(parts) > 1 and not self._covers(key, parts[1]):
            return 403, {"message": "The provided API key is invalid.", "code": "invalid_api_key"}
        match method, parts:
            case "GET", ["health"]:
                return 200, {"status": "available"}
            case "GET", ["version"]:
                return 200, {"pkgVersion": VERSION}
            case "POST", ["keys"] if key == MASTER_KEY:
                made = f"key-{len(self.keys)}"
                self.keys[made] = list(body["indexes"])
                stamp = _now()
                answer = {**body, "key": made, "uid": made, "createdAt": stamp, "updatedAt": stamp}
                return 201, answer
            case "DELETE", ["keys", made] if key == MASTER_KEY:
                self.keys.pop(made, None)
                return 204, None
            case "GET", ["keys", _]:
                if self.key_status == 404:
                    return 404, {"message": "API key not found.", "code": "api_key_not_found"}
                return 403, {
                    "message": "The provided API key is invalid.",
                    "code": "invalid_api_key",
                }
            case "GET", ["tasks", number]:
                task = self.tasks.get(int(number))
                visible = task is not None and (
                    self._on_every_index(key)
                    if task["indexUid"] is None
                    else all(self._covers(key, uid) for uid in task["_indexes"])
                )
                if not visible:
                    return 404, {
                        "message": f"Task `{number}` not found.",
                        "code": "task_not_found",
                        "type": "invalid_request",
                        "link": "https://docs.meilisearch.com/errors#task_not_found",
                    }
                return 200, self._task_view(task)  # type: ignore[arg-type]
            case "GET", ["indexes"]:
                results = [
                    {
                        "uid": uid,
                        "primaryKey": i["primaryKey"],
                        "createdAt": i["createdAt"],
                        "updatedAt": i["updatedAt"],
                    }
                    for uid, i in self.indexes.items()
                    if self._covers(key, uid)
                ]
                return 200, {"results": results, "offset": 0, "limit": 1000, "total": len(results)}
            case "POST", ["indexes"]:
                uid = body["uid"]

                def create() -> None:
                    if uid in self.indexes:
                        raise TaskError("index_already_exists", f"Index `{uid}` already exists.")
                    self._touch(uid, body.get("primaryKey"))

                return self._enqueue("indexCreation", uid, create, [uid])
            case "POST", ["swap-indexes"]:
                a, b = body[0]["indexes"]
                for uid in (a, b):
                    if not self._covers(key, uid):
                        return 403, {
                            "message": "The provided API key is invalid.",
                            "code": "invalid_api_key",
                        }

                def swap() -> None:
                    first, second = self._index(a), self._index(b)
                    self.indexes[a], self.indexes[b] = second, first

                return self._enqueue("indexSwap", None, swap, [a, b])
            case "DELETE", ["indexes", uid]:

                def delete() -> None:
                    self._index(uid)
                    del self.indexes[uid]

                return self._enqueue("indexDeletion", uid, delete, [uid])
            case "PATCH", ["indexes", uid, "settings"]:
                return self._enqueue(
                    "settingsUpdate",
                    uid,
                    lambda: self._touch(uid)["settings"].update(body),
                    [uid],
                )
            case "POST", ["indexes", uid, "documents"]:

                def add() -> None:
                    index = self._touch(uid, query.get("primaryKey", [None])[0])
                    index["docs"].update({d[index["primaryKey"]]: d for d in body})

                return self._enqueue("documentAdditionOrUpdate", uid, add, [uid])
            case "POST", ["indexes", uid, "documents", "delete-batch"]:

                def remove() -> None:
                    index = self._index(uid)
                    for pk in body:
                        index["docs"].pop(pk, None)
                    self._touch(uid)

                return self._enqueue("documentDeletion", uid, remove, [uid])
            case _, ["indexes", uid, *_] if uid not in self.indexes:
                return 404, {
                    "message": f"Index `{uid}` not found.",
                    "code": "index_not_found",
                    "type": "invalid_request",
                    "link": "https://docs.meilisearch.com/errors#index_not_found",
                }
            case "GET", ["indexes", uid]:
                info = self.indexes[uid]
                return 200, {
                    "uid": uid,
                    "primaryKey": info["primaryKey"],
                    "createdAt": info["createdAt"],
                    "updatedAt": info["updatedAt"],
                }
            case "GET", ["indexes", uid, "stats"]:
                count = len(self.indexes[uid]["docs"])
                return 200, {
                    "numberOfDocuments": count,
                    "isIndexing": False,
                    "fieldDistribution": {},
                }
            case "POST", ["indexes", uid, "documents", "fetch"]:
                docs = list(self.indexes[uid]["docs"].values())
                page = docs[body["offset"] : body["offset"] + body["limit"]]
                results = [{f: d[f] for f in body["fields"] if f in d} for d in page]
                return 200, {
                    "results": results,
                    "offset": body["offset"],
                    "limit": body["limit"],
                    "total": len(docs),
                }
            case "POST", ["indexes", uid, "search"]:
                if self.search_response is not None:
                    return 200, self.search_response
                return 200, self._search(self.indexes[uid], body)
        return 404, {"message": f"no route {method} {'/'.join(parts)}", "code": "not_found"}

    # -- search -------------------------------------------------------------------------------

    def _search(self, index: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        settings = index["settings"]
        searchable = settings.get("searchableAttributes") or []
        typed = [w for _, _, w in words(body.get("q") or "")]
        docs = list(index["docs"].values())
        found: list[tuple[tuple[int, int], dict[str, Any]]] = []
        asked = typed
        table = _synonym_table(settings.get("synonyms") or {})
        while asked:
            runs = _runs(table, asked)
            for order, doc in enumerate(docs):
                first = _first_match(doc, searchable, asked, runs)
                if first is not None:
                    found.append(((first, order), doc))
            if found:
                break
            asked = asked[:-1]  # matchingStrategy "last"
        if not typed:
            found = [((0, order), doc) for order, doc in enumerate(docs)]
        found.sort(key=lambda item: item[0])
        matched = [doc for _, doc in found]
        for spec in reversed(body.get("sort") or []):
            name, _, direction = spec.partition(":")
            matched.sort(key=lambda d, n=name: d.get(n), reverse=direction == "desc")
        cap = settings.get("pagination", {}).get("maxTotalHits", 1000)
        per_page = body.get("hitsPerPage", 20)
        start = min((body.get("page", 1) - 1) * per_page, cap)
        page = matched[start : start + min(per_page, cap - start)]
        highlight = body.get("attributesToHighlight") or []
        crop = body.get("attributesToCrop") or []
        equivalents = {
            w for options in _runs(table, asked).values() for _, eq in options for w in eq
        }
        hits = []
        for doc in page:
            hit = dict(doc)
            if highlight or crop:
                formatted = dict(doc)
                for name in dict.fromkeys([*highlight, *crop]):
                    formatted[name] = _format(
                        doc.get(name),
                        asked,
                        also=equivalents,
                        mark=name in highlight and name in searchable,
                        crop=body.get("cropLength", 10) if name in crop else None,
                        pre=body.get("highlightPreTag", "<em>"),
                        post=body.get("highlightPostTag", "</em>"),
                        marker=body.get("cropMarker", "\u2026"),
                    )
                hit["_formatted"] = formatted
            hits.append(hit)
        response: dict[str, Any] = {
            "hits": hits,
            "query": body.get("q") or "",
            "processingTimeMs": 1,
            "hitsPerPage": per_page,
            "page": body.get("page", 1),
            "totalHits": min(len(matched), cap),
            "totalPages": -(-min(len(matched), cap) // per_page),
        }
        if body.get("facets"):
            distribution: dict[str, dict[str, int]] = {}
            for name in body["facets"]:
                counts: dict[str, int] = {}
                for doc in matched:
                    value = doc.get(name)
                    for v in set(value if isinstance(value, list) else [value]):
                        if v is not None:
                            counts[str(v)] = counts.get(str(v), 0) + 1
                distribution[name] = dict(sorted(counts.items()))
            response["facetDistribution"] = distribution
        return response


def _matches(word: str, typed: str, last: bool) -> bool:
    return word == typed or (last and word.startswith(typed))


Runs = dict[int, list[tuple[int, tuple[str, ...]]]]


def _synonym_table(synonyms: dict[str, list[str]]) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """The synonyms by their folded words (as v1.50.0 lowercases and de-unicodes them)."""
    table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for term, same in synonyms.items():
        key = tuple(w for _, _, w in words(term))
        if 1 <= len(key) <= 3:  # v1.50.0 looks synonyms up for one to three query words
            table.setdefault(key, []).extend(tuple(w for _, _, w in words(s)) for s in same)
    return table


def _runs(table: dict[tuple[str, ...], list[tuple[str, ...]]], typed: list[str]) -> Runs:
    """For each query word, the runs starting there that have synonyms: (last word, equivalent)."""
    runs: Runs = {}
    for first in range(len(typed)):
        for last in range(first, min(first + 3, len(typed))):
            for equivalent in table.get(tuple(typed[first : last + 1]), []):
                if equivalent:
                    runs.setdefault(first, []).append((last, equivalent))
    return runs


def _holds(text: str, phrase: tuple[str, ...]) -> bool:
    cut = [w for _, _, w in words(text)]
    return any(tuple(cut[i : i + len(phrase)]) == phrase for i in range(len(cut)))


def _first_match(
    doc: dict[str, Any], searchable: list[str], typed: list[str], runs: Runs | None = None
) -> int | None:
    """The rank of the first searchable attribute holding a word of the query, if every query
    word is found somewhere (itself, or as part of a run matched by one of its synonyms)."""
    texts = [(rank, _texts(doc.get(name))) for rank, name in enumerate(searchable)]
    # best[i]: the lowest rank with which the first i query words are all matched
    best: dict[int, int] = {0: len(searchable)}
    for i, query_word in enumerate(typed):
        if i not in best:
            continue
        last = i == len(typed) - 1
        ranks = [
            rank
            for rank, values in texts
            for text in values
            if any(_matches(w, query_word, last) for _, _, w in words(text))
        ]
        if ranks:
            best[i + 1] = min(best.get(i + 1, len(searchable)), best[i], min(ranks))
        for end, equivalent in (runs or {}).get(i, []):
            ranks = [rank for rank, values in texts for text in values if _holds(text, equivalent)]
            if ranks:
                best[end + 1] = min(best.get(end + 1, len(searchable)), best[i], min(ranks))
    return best.get(len(typed))


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _format(
    value: Any,
    typed: list[str],
    *,
    also: set[str] = frozenset(),  # type: ignore[assignment]
    mark: bool,
    crop: int | None,
    pre: str,
    post: str,
    marker: str,
) -> Any:
    if isinstance(value, list):
        return [
            _format(v, typed, also=also, mark=mark, crop=crop, pre=pre, post=post, marker=marker)
            for v in value
        ]
    if not isinstance(value, str):
        return value
    cut = words(value)
    spans = []
    first_word = None
    for n, (start, end, word) in enumerate(cut):
        for i, query_word in enumerate(typed):
            if _matches(word, query_word, i == len(typed) - 1):
                # the typed part only, one character early after `<` (both as v1.50.0 does)
                early = 1 if start > 0 and value[start - 1] == "<" else 0
                spans.append((start - early, start - early + min(len(query_word), end - start)))
                first_word = n if first_word is None else first_word
                break
        else:
            if word in also:  # a word of a synonym found: the whole word
                spans.append((start, end))
                first_word = n if first_word is None else first_word
    begin, finish = 0, len(value)
    if crop is not None and len(cut) > crop:
        centre = first_word or 0
        low = max(0, min(centre - (crop - 1) // 2, len(cut) - crop))
        high = low + crop
        begin = 0 if low == 0 else cut[low][0]
        finish = len(value) if high >= len(cut) else cut[high - 1][1]
    out = [marker] if begin > 0 else []
    position = begin
    for start, end in spans if mark else []:
        if start < begin or end > finish:
            continue
        out += [value[position:start], pre, value[start:end], post]
        position = end
    out.append(value[position:finish])
    if finish < len(value):
        out.append(marker)
    return "".join(out)


@contextmanager
def serve(state: FakeMeilisearch | None = None) -> Iterator[tuple[FakeMeilisearch, str]]:
    """Run a fake server on a free local port: (its state, its URL)."""
    state = state or FakeMeilisearch()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            auth = self.headers.get("Authorization") or ""
            key = auth.removeprefix("Bearer ").strip() or None
            status, payload = state.handle(self.command, url.path, parse_qs(url.query), body, key)
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
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        state.stop()
