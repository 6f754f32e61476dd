"""The Meilisearch engine: one index on a Meilisearch server (v1.50.0 or later), via
meilisearch-python.

Settings come from the `IndexSpec` (`meili_settings`): searchable attributes in ranking order,
filterable and sortable ones (the primary key always sortable, for ties), the default typo
tolerance spelled out, ranking rules with `sort` first so a requested sort is a strict order as in
the embedded engine, and `pagination.maxTotalHits` at the one cap on paging, `MAX_TOTAL_HITS`.
Searches use page/hitsPerPage so `totalHits` is exact (up to that cap) and ask only for what the
caller shows: facet counts of the facets asked for, marks in the fields it highlights, and long
fields cropped by the server. Each text is indexed as a searchable copy with markup characters
spaced, the stored text kept beside it to show, and the server's marks are moved onto whole words
of the stored text before it is escaped and marked (`search.meilisearch.text`). The client is
synchronous and shares mutable headers between calls, so each thread of the engine's pool has
its own client and every call runs off the event loop. Writes go in batches and wait for their
tasks, raising `SearchUnavailable` if one fails; they are for background work (the outbox, the
CLI), not request handlers.

`rebuild` fills a fresh index, swaps it with the live one and deletes the old. A key scoped to the
registry's indexes cannot read the swap task (v1.50.0 answers 404 `task_not_found`: a swap
belongs to no single index), so the swap is confirmed without it: a task enqueued on the live
index after the swap finishes only once the swap has been processed, and then the fresh index's
name no longer holds the generation built (its `createdAt` moved to the live name). Deleting an
index that is already gone counts as done. Several rebuilds may run at once: each removes only
temporary indexes nobody has written to for an hour (`STALE_AFTER`).

The engine refuses the master key: only the master key may look keys up yet is not one. The key
needs the actions search, documents.add, documents.get, documents.delete, indexes.create,
indexes.get, indexes.delete, indexes.swap, settings.update, stats.get and tasks.get.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import meilisearch
import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

from search.highlight import POST, PRE, strip_markers
from search.meilisearch.filters import meili_filter
from search.meilisearch.text import CROP, html_for, searchable_copy
from search.synonyms import check as check_synonyms
from search.types import (
    MAX_TOTAL_HITS,
    Documents,
    Health,
    Hit,
    IndexSpec,
    Progress,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
)
from search.validation import check_document

T = TypeVar("T")

RANKING_RULES = ["sort", "words", "typo", "proximity", "attribute", "exactness"]
_HAS_WORD = re.compile(r"[^\W_]")
_IN_FLIGHT = 4  # document batches a rebuild lets Meilisearch queue before waiting
# A temporary index of a rebuild untouched for this long was left by one that died.
STALE_AFTER = dt.timedelta(hours=1)
# Where a stored document keeps the texts whose searchable copy differs from them.
SHOWN = "_shown_text"


def meili_settings(
    spec: IndexSpec,
    *,
    max_facet_values: int = 1000,
    synonyms: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The index settings that make Meilisearch search the way `spec` says, with `synonyms`
    when they are known (an index's own are otherwise left as they are)."""
    settings: dict[str, Any] = {
        "searchableAttributes": list(spec.searchable),
        "filterableAttributes": list(spec.filterable),
        "sortableAttributes": list(dict.fromkeys([*spec.sortable, spec.primary_key])),
        "displayedAttributes": ["*"],
        "rankingRules": list(RANKING_RULES),
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
            "disableOnWords": [],
            "disableOnAttributes": [],
        },
        "faceting": {"maxValuesPerFacet": max_facet_values, "sortFacetValuesBy": {"*": "alpha"}},
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
        "distinctAttribute": None,
        "stopWords": [],
    }
    if synonyms is not None:
        settings["synonyms"] = {term: list(same) for term, same in synonyms.items()}
    return settings


class MeiliEngine:
    """A `SearchEngine` on the Meilisearch index named `spec.name`."""

    def __init__(
        self,
        url: str,
        api_key: str | None,
        spec: IndexSpec,
        batch_size: int = 1000,
        timeout: float = 5.0,
        *,
        task_timeout: float = 300.0,
        max_facet_values: int = 1000,
        threads: int = 8,
    ) -> None:
        self.spec = spec
        self.url = url.rstrip("/")
        self.batch_size = batch_size
        self.timeout = timeout
        self.task_timeout = task_timeout
        self.max_facet_values = max_facet_values
        self._api_key = api_key
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="meili")
        self._local = threading.local()
        self._key_checked = False
        self._synonyms: dict[str, list[str]] | None = None  # None: not set by this process
        self._closed = False

    # -- the protocol -------------------------------------------------------------------------

    async def apply_settings(self) -> None:
        await self._run(self._apply_settings, self.spec.name)

    async def upsert(self, documents: Iterable[Mapping[str, Any]]) -> None:
        source = iter(documents)
        tasks = []
        while batch := await self._run_plain(_take, source, self.batch_size):
            tasks.append(await self._run(self._send_documents, self.spec.name, batch))
        await self._run(self._wait_all, tasks, "add documents")

    async def delete(self, ids: Iterable[str]) -> None:
        source = iter([str(i) for i in ids])
        tasks = []
        while batch := list(itertools.islice(source, self.batch_size)):
            tasks.append(await self._run(self._delete_batch, batch))
        await self._run(self._wait_all, tasks, "delete documents")

    async def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        query.validate(self.spec)
        params = self._search_params(query)
        text = query.text if _HAS_WORD.search(query.text) else ""
        response = await self._run(self._search, text, params)
        return self._result(query, response, started)

    async def count(self) -> int:
        return await self._run(self._count, self.spec.name)

    async def set_synonyms(self, synonyms: Mapping[str, Sequence[str]]) -> None:
        """Set the live index's `synonyms` setting; kept, so a rebuild gives them to the fresh
        index before it is swapped in."""
        self._synonyms = check_synonyms(synonyms)
        await self._run(self._apply_synonyms, self.spec.name)

    async def fingerprints(self, field_name: str) -> dict[str, Any]:
        self.spec.field(field_name)  # KeyError for a field the spec does not declare
        return await self._run(self._fingerprints, field_name)

    async def health(self) -> Health:
        """`ok` when the server and the index answer; otherwise not ok, with the reason."""
        try:
            return await self._run(self._health)
        except SearchUnavailable as exc:
            return Health(ok=False, detail=str(exc))

    async def rebuild(self, documents: Documents, progress: Progress | None = None) -> int:
        live = self.spec.name
        await self._run(self._apply_settings, live, False)  # the swap needs both indexes
        fresh = f"{live}__rebuild_{time.time_ns()}"
        try:
            await self._run(self._apply_settings, fresh)
            born = await self._run(self._created_at, fresh)
            await self._run(self._drop_leftovers, live, fresh, born)
            await self._fill(fresh, documents, progress)
            await self._run(self._swap, live, fresh, born)
        except BaseException:
            await self._run_plain(self._forget_index, fresh)
            raise
        # after the swap `fresh` holds the previous documents; if deleting it fails, a later
        # rebuild removes it, and this one has still succeeded
        with contextlib.suppress(SearchUnavailable):
            await self._run(self._drop_index, fresh)
        return await self.count()

    async def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- running blocking work ----------------------------------------------------------------

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a call to the server off the event loop, once the key has been checked."""
        if self._closed:
            raise SearchUnavailable("the search engine is closed")
        loop = asyncio.get_running_loop()
        if not self._key_checked:
            await loop.run_in_executor(self._executor, self._guarded, self._check_key)
        return await loop.run_in_executor(self._executor, self._guarded, fn, *args)

    async def _run_plain(self, fn: Callable[..., T], *args: Any) -> T:
        """Run local blocking work (such as pulling documents from an iterator) off the loop."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _guarded(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return fn(*args)
        except MeilisearchApiError as exc:
            raise SearchUnavailable(
                f"Meilisearch at {self.url} refused the request ({exc.status_code}, "
                f"{exc.code}): {exc.message}"
            ) from exc
        except MeilisearchCommunicationError as exc:
            raise SearchUnavailable(
                f"cannot reach Meilisearch at {self.url}: {exc.message}"
            ) from exc
        except MeilisearchTimeoutError as exc:
            raise SearchUnavailable(
                f"Meilisearch at {self.url} did not answer within {self.timeout:g}s"
            ) from exc
        except (MeilisearchError, requests.RequestException) as exc:
            raise SearchUnavailable(f"Meilisearch at {self.url} failed: {exc}") from exc

    def _client(self) -> meilisearch.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = meilisearch.Client(self.url, self._api_key, timeout=self.timeout)
            self._local.client = client
        return client

    def _check_key(self) -> None:
        if self._key_checked or not self._api_key:
            self._key_checked = True
            return
        try:
            self._client().get_key(self._api_key)
        except MeilisearchApiError as exc:
            # Allowed to look keys up, yet not a key itself: that is the master key.
            if exc.status_code == 404:
                raise SearchUnavailable(
                    "MEILI_API_KEY is Meilisearch's master key; give the registry a scoped API "
                    "key instead (search, documents, indexes, settings, tasks and swap actions)"
                ) from exc
            # 401/403: a key that may not read keys, so not the master key
        self._key_checked = True

    # -- tasks --------------------------------------------------------------------------------

    def _wait(self, task_uid: int, what: str, done_if: tuple[str, ...] = ()) -> None:
        """Wait for a task; a task failing with one of the codes `done_if` counts as done."""
        client = self._client()
        deadline = time.monotonic() + self.task_timeout
        delay = 0.005
        while True:
            task = client.get_task(task_uid)
            if task.status == "succeeded":
                return
            if task.status in ("failed", "canceled"):
                error = task.error or {}
                if task.status == "failed" and error.get("code") in done_if:
                    return
                raise SearchUnavailable(
                    f"Meilisearch could not {what} (task {task_uid} {task.status}): "
                    f"{error.get('code', '')}: {error.get('message', '')}"
                )
            if time.monotonic() >= deadline:
                raise SearchUnavailable(
                    f"Meilisearch has not finished task {task_uid} ({what}) "
                    f"after {self.task_timeout:g}s"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.25)

    def _wait_all(self, task_uids: Sequence[int], what: str) -> None:
        for uid in task_uids:
            self._wait(uid, what)

    # -- settings and documents ---------------------------------------------------------------

    def _apply_settings(self, uid: str, existing_too: bool = True) -> None:
        """Create the index `uid` if missing, and apply the spec's settings to it (to an index
        that already exists only when `existing_too`)."""
        client = self._client()
        try:
            info = client.get_raw_index(uid)
        except MeilisearchApiError as exc:
            if exc.status_code != 404:
                raise
            task = client.create_index(uid, {"primaryKey": self.spec.primary_key})
            # another rebuild may have created it meanwhile
            self._wait(task.task_uid, f"create the index {uid!r}", ("index_already_exists",))
        else:
            if not existing_too:
                return
            if info.get("primaryKey") not in (None, self.spec.primary_key):
                raise SearchUnavailable(
                    f"the Meilisearch index {uid!r} has primary key {info['primaryKey']!r}, "
                    f"not {self.spec.primary_key!r}: rebuild the index"
                )
        task = client.index(uid).update_settings(self._settings())
        self._wait(task.task_uid, f"apply the settings of {uid!r}")

    def _settings(self) -> dict[str, Any]:
        return meili_settings(
            self.spec, max_facet_values=self.max_facet_values, synonyms=self._synonyms
        )

    def _apply_synonyms(self, uid: str) -> None:
        task = self._client().index(uid).update_settings({"synonyms": self._synonyms or {}})
        self._wait(task.task_uid, f"apply the synonyms of {uid!r}")

    def _send_documents(self, uid: str, batch: list[Mapping[str, Any]]) -> int:
        prepared = [_indexed_form(self.spec, d) for d in batch]
        task = self._client().index(uid).add_documents(prepared, primary_key=self.spec.primary_key)
        return task.task_uid

    def _delete_batch(self, ids: list[str]) -> int:
        # the client's delete_documents(ids=...) is deprecated in favour of filters, but a
        # filter would need the primary key to be filterable; delete-batch is still the API
        path = f"indexes/{self.spec.name}/documents/delete-batch"
        return int(self._client().http.post(path, ids)["taskUid"])

    # -- reading ------------------------------------------------------------------------------

    def _search_params(self, query: SearchQuery) -> dict[str, Any]:
        params: dict[str, Any] = {
            "page": query.page,
            "hitsPerPage": query.per_page,
            "matchingStrategy": "last",
        }
        marked = _marked_fields(self.spec, query)
        if marked:
            params |= {
                "attributesToHighlight": marked,
                "highlightPreTag": PRE,
                "highlightPostTag": POST,
            }
        if query.crop:
            params |= {
                "attributesToCrop": list(query.crop),
                "cropLength": query.crop_length,
                "cropMarker": CROP,
            }
        expression = meili_filter(self.spec, query.filters)
        if expression:
            params["filter"] = expression
        sort = [f"{s.name}:{'desc' if s.descending else 'asc'}" for s in query.sort]
        if sort or not _HAS_WORD.search(query.text):
            # ties (and the plain listing) in primary-key order, as the embedded engine does
            sort.append(f"{self.spec.primary_key}:asc")
            params["sort"] = sort
        if query.facets:
            params["facets"] = list(query.facets)
        return params

    def _search(self, text: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._client().index(self.spec.name).search(text, params)

    def _result(self, query: SearchQuery, response: dict[str, Any], started: float) -> SearchResult:
        hits = []
        crop = set(query.crop)
        marked = _marked_fields(self.spec, query)
        for raw in response.get("hits", []):
            formatted = raw.pop("_formatted", None) or {}
            shown = raw.pop(SHOWN, None) or {}
            document = {**raw, **shown}
            highlights = {}
            for name in marked:
                words = query.crop_length if name in crop else None
                html = _field_html(document.get(name), raw.get(name), formatted.get(name), words)
                if html is not None:
                    highlights[name] = html
            hits.append(
                Hit(
                    id=str(document.get(self.spec.primary_key)),
                    document=document,
                    highlights=highlights,
                )
            )
        distribution = response.get("facetDistribution") or {}
        facets = {
            name: {str(value): int(n) for value, n in (distribution.get(name) or {}).items()}
            for name in query.facets
        }
        server_ms = response.get("processingTimeMs")
        return SearchResult(
            hits=hits,
            total=int(response.get("totalHits", len(hits))),
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            page=query.page,
            per_page=query.per_page,
            server_ms=float(server_ms) if isinstance(server_ms, int | float) else None,
        )

    def _count(self, uid: str) -> int:
        return self._client().index(uid).get_stats().number_of_documents

    def _fingerprints(self, field_name: str) -> dict[str, Any]:
        pk = self.spec.primary_key
        path = f"indexes/{self.spec.name}/documents/fetch"
        result: dict[str, Any] = {}
        offset = 0
        while True:
            page = self._client().http.post(
                path,
                {"fields": [pk, field_name, SHOWN], "offset": offset, "limit": self.batch_size},
            )
            for document in page.get("results", []):
                shown = document.get(SHOWN) or {}
                result[str(document.get(pk))] = shown.get(field_name, document.get(field_name))
            offset += self.batch_size
            if offset >= int(page.get("total", 0)) or not page.get("results"):
                return result

    def _health(self) -> Health:
        client = self._client()
        status = client.health().get("status")
        if status != "available":
            raise SearchUnavailable(f"Meilisearch at {self.url} reports {status!r}")
        try:
            documents = self._count(self.spec.name)
        except MeilisearchApiError as exc:
            if exc.code != "index_not_found":
                raise
            # the server answers but has lost the index (a wiped volume): a rebuild restores it
            detail = f"Meilisearch at {self.url} has no index {self.spec.name!r} ({exc.code})"
            return Health(ok=False, detail=detail, needs_rebuild=True)
        return Health(ok=True, detail=f"meilisearch: {documents} documents in {self.spec.name!r}")

    # -- rebuilding ---------------------------------------------------------------------------

    def _created_at(self, uid: str) -> str:
        return str(self._client().get_raw_index(uid).get("createdAt"))

    def _drop_leftovers(self, live: str, fresh: str, now: str) -> None:
        """Delete the temporary indexes of rebuilds that died: untouched for `STALE_AFTER`
        before `now` (the server's clock, from the fresh index), so that a rebuild running
        beside this one keeps its index."""
        reference = _moment(now)
        if reference is None:
            return
        listing = self._client().get_raw_indexes({"limit": 1000})
        for index in listing.get("results", []):
            uid = str(index.get("uid", ""))
            if not uid.startswith(f"{live}__rebuild_") or uid == fresh:
                continue
            touched = _moment(str(index.get("updatedAt", "")))
            if touched is not None and reference - touched >= STALE_AFTER:
                self._drop_index(uid)

    async def _fill(self, uid: str, documents: Documents, progress: Progress | None) -> None:
        pending: list[tuple[int, int]] = []  # (task, documents written once it succeeds)
        sent = 0

        async def send(batch: list[Mapping[str, Any]]) -> None:
            nonlocal sent
            task = await self._run(self._send_documents, uid, batch)
            sent += len(batch)
            pending.append((task, sent))
            while len(pending) > _IN_FLIGHT:
                await settle()

        async def settle() -> None:
            task, written = pending.pop(0)
            await self._run(self._wait, task, "add documents to the new index")
            if progress:
                progress(written)

        if hasattr(documents, "__aiter__"):
            buffer: list[Mapping[str, Any]] = []
            async for chunk in documents:  # type: ignore[union-attr]
                buffer.extend(chunk)
                while len(buffer) >= self.batch_size:
                    await send(buffer[: self.batch_size])
                    del buffer[: self.batch_size]
            if buffer:
                await send(buffer)
        else:
            source = iter(documents)  # type: ignore[arg-type]
            while batch := await self._run_plain(_take, source, self.batch_size):
                await send(batch)
        while pending:
            await settle()

    def _swap(self, live: str, fresh: str, born: str) -> None:
        """Swap `fresh` into `live` and confirm it, without reading the swap task (see above)."""
        client = self._client()
        client.swap_indexes([{"indexes": [live, fresh]}])
        # the same settings again: a task on the live index that runs after the swap
        task = client.index(live).update_settings(self._settings())
        self._wait(task.task_uid, f"confirm the swap of {fresh!r} into {live!r}")
        if self._created_at(fresh) == born:
            raise SearchUnavailable(
                f"Meilisearch did not swap {fresh!r} into {live!r} (the swap task failed)"
            )

    def _drop_index(self, uid: str) -> None:
        """Delete an index and wait until it is gone; one already gone counts as deleted."""
        task = self._client().delete_index(uid)
        self._wait(task.task_uid, f"delete the index {uid!r}", ("index_not_found",))

    def _forget_index(self, uid: str) -> None:
        """Best-effort removal of a half-built index; a later rebuild removes any leftover."""
        with contextlib.suppress(SearchUnavailable):
            self._guarded(self._drop_index, uid)


def _take(source: Iterator[Mapping[str, Any]], size: int) -> list[Mapping[str, Any]]:
    return list(itertools.islice(source, size))


def _marked_fields(spec: IndexSpec, query: SearchQuery) -> list[str]:
    """The fields whose highlights the caller shows: those it names (all searchable fields by
    default) and those it crops."""
    shown = spec.searchable if query.highlight is None else query.highlight
    return list(dict.fromkeys([*shown, *query.crop]))


def _field_html(stored: Any, indexed: Any, formatted: Any, crop_words: int | None) -> str | None:
    """The highlight of one field (a text, or a list of texts joined by ", ")."""
    if isinstance(stored, str):
        return html_for(
            stored,
            indexed if isinstance(indexed, str) else stored,
            formatted if isinstance(formatted, str) else None,
            crop_words,
        )
    if isinstance(stored, list | tuple):
        indexed_list = indexed if isinstance(indexed, list) else stored
        formatted_list = formatted if isinstance(formatted, list) else []
        parts = []
        for i, text in enumerate(stored):
            if not isinstance(text, str):
                continue
            copy = indexed_list[i] if i < len(indexed_list) else text
            mark = formatted_list[i] if i < len(formatted_list) else None
            parts.append(
                html_for(
                    text,
                    copy if isinstance(copy, str) else text,
                    mark if isinstance(mark, str) else None,
                    crop_words,
                )
            )
        return ", ".join(parts) if parts else None
    return None


def _moment(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _indexed_form(spec: IndexSpec, document: Mapping[str, Any]) -> dict[str, Any]:
    """What Meilisearch stores for `document`: checked against `spec`, without highlight or
    crop markers, each searchable text replaced by its searchable copy and, where the copy
    differs, the text itself kept under `SHOWN` to be shown and returned."""
    check_document(spec, document)
    if SHOWN in document:
        raise ValueError(f"{SHOWN!r} is a field name the Meilisearch engine keeps for itself")
    stored = {key: _without_markers(value) for key, value in document.items()}
    shown: dict[str, Any] = {}
    for name in spec.searchable:
        value = stored.get(name)
        copy = _copy_of(value)
        if copy != value:
            shown[name] = value
            stored[name] = copy
    if shown:
        stored[SHOWN] = shown
    return stored


def _copy_of(value: Any) -> Any:
    if isinstance(value, str):
        return searchable_copy(value)
    if isinstance(value, list | tuple):
        return [searchable_copy(v) if isinstance(v, str) else v for v in value]
    return value


def _without_markers(value: Any) -> Any:
    if isinstance(value, str):
        return strip_markers(value).replace(CROP, "")
    if isinstance(value, list | tuple):
        return [_without_markers(v) for v in value]
    return value
