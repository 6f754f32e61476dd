"""The embedded search engine: a Tantivy index in a local directory, behaving like Meilisearch.

Relevance follows Meilisearch's default rules: the query syntax is read as Meilisearch reads it
(`search.query_syntax`), Tantivy's scores order the matches roughly (see `query`) and the best
`rank.WINDOW` of them are ordered exactly by the rules (see `rank`), ties in index order like
Meilisearch's internal ids: a search with at most `WINDOW` matches is in Meilisearch's order,
one with more has its first page ordered among the `WINDOW` the scores put first; a requested
sort, and the plain listing of an empty query, is a strict order ending in the primary key.
Facet counts come from the same query as the hits, so they describe exactly the filtered result
set, and are cached per index state because the plain listing is the commonest search and its
counts are the costliest part. Whole answers are kept too, per index state, synonyms and query
(`_Pages`), and looked up without leaving the caller's thread while the index's files are
unchanged; the documents a search read are kept, decoded and analysed, for the next searches of
the same index state (`_Documents`). Every blocking call runs on the engine's own threads:
searches on one thread of their own (`search_threads`), everything else on a small pool, so a
write waiting for Tantivy's lock never holds searches up. Writes take an in-process lock and
Tantivy's directory lock (waited for up to `lock_timeout`, then `SearchUnavailable`), commit,
give the directory lock back and reload, so the worker and the CLI can write too; `LiveIndex`
picks up their commits and rebuilds before the next search. `rebuild` fills a new generation
beside the live one and swaps it in (see `generations`), replaying writes this process made
meanwhile. When the spec no longer matches the index on disk, `apply_settings` replaces an empty
index but will not discard a non-empty one: it raises `SearchUnavailable` asking for a rebuild,
as searches do until `rebuild` has run with the new spec. Every commit records the sizes of the
index's files, and an index whose files no longer match is refused rather than mapped, since a
file cut short under a memory map crashes the process (see `manifest`). On Linux the engine
keeps some free memory at the top of malloc's heaps (`pad_the_heap`), which makes typo-tolerant
searches for long words several times cheaper.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import itertools
import json
import os
import platform
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import tantivy

try:
    import msgspec
except ImportError:  # pragma: no cover - msgspec comes with Litestar
    msgspec = None  # type: ignore[assignment]

from search.filters import NormalisedFilters, normalise_filters
from search.highlight import join_values, mark_spans, snippet, strip_markers
from search.query_syntax import parse as parse_query
from search.tantivy import generations, manifest
from search.tantivy.layout import DOC, PK, Layout, build_layout, sort_field, to_document
from search.tantivy.live import LiveIndex, guard, open_writer, quietly
from search.tantivy.plan import Plan, make_plan, settle
from search.tantivy.query import Scores, build_query, facet_counts, python_sort_key
from search.tantivy.rank import WINDOW, FieldTerms, Ranker, document_terms
from search.tantivy.synonyms import SynonymStore
from search.tantivy.text import ANALYZER_NAME, HighlightMatcher, QueryWord, build_analyzer
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
from search.validation import primary_key

T = TypeVar("T")
Converted = list[tuple[str, tantivy.Document]]

IN_PROCESS_WRITE_WAIT = 300.0  # seconds; only a stuck write would take this long
HEAP_PAD = 16 * 1024 * 1024
_M_TOP_PAD = -2  # glibc's mallopt parameter number


@functools.cache
def pad_the_heap() -> bool:
    """Keep 16 MB free at the top of each glibc malloc heap instead of giving it back.

    A word of nine letters or more is allowed two typos, and Tantivy builds a Levenshtein
    automaton of a few MB for it in each searchable field, then frees them all when the search
    ends. glibc then returns the top of the heap to the system, and the next such search takes
    it back a page at a time: at 10,000 documents that made one such word cost over 1 ms instead
    of about 0.25. The padding (at most 16 MB more per malloc arena) stops it. Nothing is done
    off Linux glibc, or when the operator set any MALLOC_*_ variable themselves. Returns whether
    the padding was set.
    """
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return False
    if any(name.startswith("MALLOC_") and name.endswith("_") for name in os.environ):
        return False
    try:
        return bool(ctypes.CDLL(None).mallopt(_M_TOP_PAD, HEAP_PAD))
    except (OSError, AttributeError):
        return False


class TantivyEngine:
    """A `SearchEngine` on a Tantivy index kept in `directory` (one directory per spec)."""

    def __init__(
        self,
        directory: Path,
        spec: IndexSpec,
        *,
        lock_timeout: float = 5.0,
        batch_size: int = 1000,
        max_facet_values: int = 1000,
        facet_cache: int = 256,
        order_cache: int = 256,
        page_cache: int = 2000,
        document_cache: int = 500,
        threads: int = 4,
        search_threads: int = 1,
        writer_memory: int = 32_000_000,
        rebuild_memory: int = 64_000_000,
    ) -> None:
        pad_the_heap()
        self.spec = spec
        self.directory = Path(directory)
        self.lock_timeout = lock_timeout
        self.batch_size = batch_size
        self.max_facet_values = max_facet_values
        self._writer_memory = writer_memory
        self._rebuild_memory = rebuild_memory
        self._layout = build_layout(spec)
        self._analyzer = build_analyzer()
        self._scores = Scores(len(spec.searchable))
        self._live = LiveIndex(self.directory, self._layout.fingerprint, self._analyzer)
        self._facets = _FacetCache(facet_cache)
        self._orders = _Orders(order_cache)
        self._pages = _Pages(page_cache)
        self._documents = _Documents(document_cache)
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tantivy")
        # Searches are mostly Python (documents, highlights) under the GIL: more threads than
        # one only make them fight over it with the event loop. With one, a worker answered
        # about a fifth more searches at 10,000 solutions, with half the p99 (bench/README.md).
        self._searching = ThreadPoolExecutor(
            max_workers=search_threads, thread_name_prefix="tantivy-search"
        )
        self._write_lock = threading.Lock()
        self._rebuild_lock = asyncio.Lock()
        self._journal: list[tuple[str, list[Any]]] | None = None
        self._vocabulary: tuple[Any, dict[Any, Any]] = (None, {})
        self._synonyms = SynonymStore(self.directory)
        self._closed = False

    # -- the protocol -------------------------------------------------------------------------

    async def apply_settings(self) -> None:
        await self._run(self._apply_settings)

    async def upsert(self, documents: Iterable[Mapping[str, Any]]) -> None:
        await self._run(self._upsert, documents)

    async def delete(self, ids: Iterable[str]) -> None:
        await self._run(self._delete, [str(i) for i in ids])

    async def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        query.validate(self.spec)
        filters = normalise_filters(self.spec, query.filters)
        known = self._known_answer(query, filters, started)
        if known is not None:
            return known
        return await self._run(self._search, query, filters, started, on=self._searching)

    async def count(self) -> int:
        return await self._run(self._count)

    async def set_synonyms(self, synonyms: Mapping[str, Sequence[str]]) -> None:
        await self._run(self._synonyms.write, synonyms)

    async def fingerprints(self, field_name: str) -> dict[str, Any]:
        self.spec.field(field_name)  # KeyError for a field the spec does not declare
        return await self._run(self._fingerprints, field_name)

    async def health(self) -> Health:
        """`ok` when the index answers; otherwise not ok, with the reason (never raises for it).
        The index is in this process's hands, so whatever is wrong with it a rebuild replaces."""
        try:
            return await self._run(self._health)
        except SearchUnavailable as exc:
            return Health(ok=False, detail=str(exc), needs_rebuild=not self._closed)

    async def rebuild(self, documents: Documents, progress: Progress | None = None) -> int:
        async with self._rebuild_lock:
            return await self._rebuild(documents, progress)

    async def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._searching.shutdown(wait=False, cancel_futures=True)
        self._live.forget()

    async def _run(
        self, fn: Callable[..., T], *args: Any, on: ThreadPoolExecutor | None = None
    ) -> T:
        if self._closed:
            raise SearchUnavailable("the search engine is closed")
        try:
            return await asyncio.get_running_loop().run_in_executor(on or self._executor, fn, *args)
        except OSError as exc:
            # the disk under the index (a missing or read-only volume) is an engine outage
            raise SearchUnavailable(
                f"the search index in {self.directory} is unusable: {exc}"
            ) from exc

    # -- reading ------------------------------------------------------------------------------

    def _search(
        self, query: SearchQuery, filters: NormalisedFilters, started: float
    ) -> SearchResult:
        live = self._live.current()
        generation, synonyms = self._synonyms.current()
        searcher, version = guard(
            lambda: self._live.searcher(live), f"the search index in {live.path} is unreadable"
        )
        shown = self._shown(query)
        page_key = self._page_key(version, generation, query, filters, shown)
        known = self._from_pages(page_key, query, started)
        if known is not None:
            return known
        parsed = parse_query(query.text)
        plan = make_plan(parsed)
        self._synonyms.expand(plan, parsed, synonyms)
        offset = (query.page - 1) * query.per_page
        rerank = bool(plan.terms) and not query.sort and offset < WINDOW

        def run() -> tuple[int, list[dict[str, Any]], dict[str, dict[str, int]]]:
            if plan.terms:
                settle(plan, self._layout, searcher, self._vocabulary_of(version))
            asked = (
                tuple(plan.units),
                tuple(plan.excluded_words),
                tuple(plan.excluded_phrases),
                tuple(sorted(filters.items())),
            )
            tq = build_query(self._layout, self._scores, plan, filters)
            if len(query.sort) > 1:
                # Tantivy orders by one field; several (rare) are sorted here, at a cost that
                # grows with the number of matches
                found = searcher.search(tq, max(searcher.num_docs, 1), count=True)
                documents = [_stored(searcher, address) for _, address in found.hits]
                documents.sort(key=python_sort_key(self._layout, query.sort))
                documents = documents[offset : offset + query.per_page]
            elif rerank:
                # the first `WINDOW` hits by the index's score are put in the rules' order;
                # positions beyond keep the score's order, so pages never repeat or skip a hit
                end = offset + query.per_page
                found = searcher.search(tq, max(WINDOW, end), count=True)
                head = found.hits[:WINDOW]
                read: dict[tuple[int, int], dict[str, Any]] = {}
                order = self._orders.get((version, asked))
                if order is None:
                    order = self._ranked(searcher, version, plan, head, read)
                    self._orders.put((version, asked), order)
                addresses = {(a.segment_ord, a.doc): a for _, a in head}
                documents = [
                    read.get(at) or self._documents.document(searcher, version, addresses[at])
                    for at in order[offset:end]
                ]
                beyond = found.hits[max(offset, WINDOW) : end]
                documents += [self._documents.document(searcher, version, a) for _, a in beyond]
            else:
                if query.sort:
                    order_by = sort_field(query.sort[0].name, query.sort[0].descending)
                else:
                    order_by = None if plan.terms else PK
                found = searcher.search(
                    tq,
                    query.per_page,
                    count=True,
                    order_by_field=order_by,
                    offset=offset,
                    order=tantivy.Order.Asc,  # sort keys ascend; scores always descend
                )
                documents = [
                    self._documents.document(searcher, version, address)
                    for _, address in found.hits
                ]
            facets: dict[str, dict[str, int]] = {}
            if query.facets:
                key = (version, asked, query.facets)
                facets = self._facets.get(key) or self._facets.put(
                    key,
                    facet_counts(
                        self._layout,
                        searcher,
                        tq,
                        query.facets,
                        self.max_facet_values,
                        has_words=bool(plan.terms),
                    ),
                )
            return found.count or 0, documents, facets

        total, documents, facets = guard(run, f"the search index in {live.path} is unreadable")
        total = min(total, MAX_TOTAL_HITS)  # counted as Meilisearch counts (see the cap)
        hits = self._hits(documents, plan.query_words(), query, shown)
        self._pages.put(page_key, total, hits, facets)
        return SearchResult(
            hits=hits,
            total=total,
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            page=query.page,
            per_page=query.per_page,
        )

    def _ranked(
        self,
        searcher: tantivy.Searcher,
        version: int,
        plan: Plan,
        hits: list[tuple[float, tantivy.DocAddress]],
        read: dict[tuple[int, int], dict[str, Any]],
    ) -> list[tuple[int, int]]:
        """The addresses (segment, document) of `hits` (at most `WINDOW`) in Meilisearch's
        order, ties in index order; the documents read on the way are left in `read`."""
        ranker = Ranker(plan, self.spec.searchable)
        keys = []
        for _, address in hits:
            document, fields = self._documents.analysed(
                searcher, version, address, self.spec.searchable
            )
            read[address.segment_ord, address.doc] = document
            keys.append((ranker.key_of(fields), address.segment_ord, address.doc))
        keys.sort()
        return [(segment, doc) for _, segment, doc in keys]

    def _vocabulary_of(self, version: Any) -> dict[Any, Any]:
        """What was found in this version of the index about query words (splits, n-grams)."""
        if self._vocabulary[0] != version:
            self._vocabulary = (version, {})
        cache = self._vocabulary[1]
        if len(cache) > 10_000:
            cache.clear()
        return cache

    def _known_answer(
        self, query: SearchQuery, filters: NormalisedFilters, started: float
    ) -> SearchResult | None:
        """The kept answer of a search asked before, found on the caller's thread when the index
        and the synonyms are as they were (three stats and a look-up, cheaper than the hop to
        the search thread); None when the search thread has to answer."""
        if self._closed:
            return None
        live = self._live.settled()
        generation = self._synonyms.settled()
        if live is None or generation is None:
            return None
        key = self._page_key(live.version, generation, query, filters, self._shown(query))
        return self._from_pages(key, query, started)

    def _page_key(
        self,
        version: int,
        generation: int,
        query: SearchQuery,
        filters: NormalisedFilters,
        shown: tuple[str, ...],
    ) -> tuple[Any, ...]:
        """Everything an answer depends on: the index state, the synonyms and the query."""
        return (
            version,
            generation,
            query.text,
            tuple(filters.items()),
            query.sort,
            query.facets,
            query.page,
            query.per_page,
            shown,
            frozenset(query.crop),
            query.crop_length if query.crop else None,
        )

    def _from_pages(
        self, key: tuple[Any, ...], query: SearchQuery, started: float
    ) -> SearchResult | None:
        cached = self._pages.get(key)
        if cached is None:
            return None
        total, hits, facets = cached
        return SearchResult(
            hits=hits,
            total=total,
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
            page=query.page,
            per_page=query.per_page,
        )

    def _shown(self, query: SearchQuery) -> tuple[str, ...]:
        """The searchable fields a search's hits carry highlights of: those the caller shows
        and those it crops, in the spec's order."""
        if query.highlight is None:
            return self.spec.searchable
        wanted = {*query.highlight, *query.crop}
        return tuple(name for name in self.spec.searchable if name in wanted)

    def _hits(
        self,
        documents: list[dict[str, Any]],
        words: list[QueryWord],
        query: SearchQuery,
        shown: tuple[str, ...],
    ) -> list[Hit]:
        texts: list[tuple[int, str, str]] = []  # (hit, field, text)
        for position, document in enumerate(documents):
            for name in shown:
                text = join_values(document.get(name))
                if text is not None:
                    texts.append((position, name, strip_markers(text)))
        # one pass over the whole page finds the matching words of every field
        if words:
            spans = HighlightMatcher(words).spans_of([text for _, _, text in texts])
        else:
            spans = [[] for _ in texts]
        highlights: list[dict[str, str]] = [{} for _ in documents]
        crop, length = set(query.crop), query.crop_length
        for (position, name, text), found in zip(texts, spans, strict=True):
            if name in crop:
                highlights[position][name] = snippet(text, found, length)
            else:
                highlights[position][name] = mark_spans(text, found)
        return [
            Hit(id=primary_key(self.spec, document), document=document, highlights=marked)
            for document, marked in zip(documents, highlights, strict=True)
        ]

    def _count(self) -> int:
        live = self._live.current()
        return guard(lambda: live.index.searcher().num_docs, f"{live.path} is unreadable")

    def _fingerprints(self, field_name: str) -> dict[str, Any]:
        live = self._live.current()

        def run() -> dict[str, Any]:
            searcher = live.index.searcher()
            found = searcher.search(_all(), max(searcher.num_docs, 1), count=False)
            result = {}
            for _, address in found.hits:
                document = _stored(searcher, address)
                result[primary_key(self.spec, document)] = document.get(field_name)
            return result

        return guard(run, f"the search index in {live.path} is unreadable")

    def _health(self) -> Health:
        live = self._live.verify()  # before the probe touches a file that may be cut short

        def probe() -> int:
            searcher = live.index.searcher()
            for _, address in searcher.search(_all(), 1, count=False).hits:
                _stored(searcher, address)  # reads the document store, not just the metadata
            return searcher.num_docs

        documents = guard(probe, f"the search index in {live.path} is unreadable")
        return Health(ok=True, detail=f"tantivy: {documents} documents in {live.path}")

    # -- writing ------------------------------------------------------------------------------

    def _apply_settings(self) -> None:
        with self._writing():
            self.directory.mkdir(parents=True, exist_ok=True)
            name = generations.read_pointer(self.directory)
            if name is None or not (self.directory / name).is_dir():
                self._create_empty()
                return
            path = self.directory / name
            index = self._live.open_index(path)
            if generations.read_layout(path) == self._layout.fingerprint:
                return
            documents = guard(lambda: index.searcher().num_docs, f"{path} is unreadable")
            if documents:
                raise SearchUnavailable(
                    f"the search index in {path} holds {documents} documents built for a "
                    "different index spec: rebuild the index (for example `registry reindex`)"
                )
            self._create_empty()
            generations.remove(self.directory, name)

    def _create_empty(self) -> None:
        building = generations.Building(self.directory)
        try:
            guard(
                lambda: tantivy.Index(self._layout.schema, path=str(building.path), reuse=False),
                f"cannot create a search index in {building.path}",
            )
            manifest.record(building.path)
            generations.write_layout(building.path, self._layout.fingerprint)
            generations.publish(self.directory, building.name)
        except BaseException:
            building.discard()
            raise
        building.release()

    def _upsert(self, documents: Iterable[Mapping[str, Any]]) -> None:
        batches = _chunks(iter(documents), self.batch_size)
        first = next(batches, None)
        if first is None:
            return
        # the first batch is converted before any lock is taken, so a bad document is usually
        # refused (ValueError) without touching the index; a later one rolls the write back
        converted: Converted = [to_document(self._layout, d) for d in first]

        def write(writer: tantivy.IndexWriter) -> None:
            pending = converted
            while pending:
                for pk, doc in pending:
                    writer.delete_documents_by_term(PK, pk)
                    writer.add_document(doc)
                batch = next(batches, None)
                pending = [to_document(self._layout, d) for d in batch] if batch else []
                converted.extend(pending)

        self._write(write, ("upsert", converted))

    def _delete(self, ids: list[str]) -> None:
        if not ids:
            return

        def write(writer: tantivy.IndexWriter) -> None:
            for pk in ids:
                writer.delete_documents_by_term(PK, pk)

        self._write(write, ("delete", ids))

    def _write(
        self, change: Callable[[tantivy.IndexWriter], None], record: tuple[str, list[Any]]
    ) -> None:
        with self._writing():
            live = self._live.current()
            writer = open_writer(live.index, self._writer_memory, live.path, self.lock_timeout)
            try:
                change(writer)
                guard(writer.commit, f"cannot write to the search index in {live.path}")
            except BaseException:
                quietly(writer.rollback)
                raise
            finally:
                # also gives the directory lock back, so other processes can write
                quietly(writer.wait_merging_threads)
            manifest.record(live.path)
            self._live.reloaded(live)
            if self._journal is not None:
                self._journal.append(record)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """This process's turn to write (Tantivy's lock keeps other processes out).

        A writer of this process always finishes, so waiting for it is bounded by its work,
        not by `lock_timeout` (which is for another process's lock): under load a queue of
        writes may take longer than that and must not be refused for it."""
        if not self._write_lock.acquire(timeout=IN_PROCESS_WRITE_WAIT):
            raise SearchUnavailable(
                f"the search index in {self.directory} is busy with another write; try again"
            )
        try:
            yield
        finally:
            self._write_lock.release()

    # -- rebuilding ---------------------------------------------------------------------------

    async def _rebuild(self, documents: Documents, progress: Progress | None) -> int:
        if self._closed:
            raise SearchUnavailable("the search engine is closed")
        loop = asyncio.get_running_loop()
        # Tantivy's writer stays on the thread that made it
        own_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tantivy-rebuild")

        def run(fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
            return loop.run_in_executor(own_thread, fn, *args)

        build: _Build | None = None
        try:
            build = await run(self._begin_build)
            written = 0
            if isinstance(documents, AsyncIterable):
                async with contextlib.aclosing(_read_ahead(documents)) as batches:
                    async for batch in batches:
                        written += await run(build.add, list(batch))
                        if progress:
                            progress(written)
            else:
                source = iter(documents)
                while added := await run(build.add_from, source, self.batch_size):
                    written += added
                    if progress:
                        progress(written)
            result = await run(self._finish_build, build)
            build = None
            return result
        finally:
            if build is not None:
                await run(build.abandon)
                self._journal = None
            own_thread.shutdown(wait=False)

    def _begin_build(self) -> _Build:
        generations.sweep(self.directory)
        building = generations.Building(self.directory)
        try:
            index = guard(
                lambda: tantivy.Index(self._layout.schema, path=str(building.path), reuse=False),
                f"cannot create a search index in {building.path}",
            )
            index.register_tokenizer(ANALYZER_NAME, self._analyzer)
            writer = open_writer(index, self._rebuild_memory, building.path, self.lock_timeout)
        except BaseException:
            building.discard()
            raise
        self._journal = []
        return _Build(self._layout, building, writer)

    def _finish_build(self, build: _Build) -> int:
        with self._writing():
            # writes that reached the old index while this one was being built
            for kind, items in self._journal or []:
                for item in items:
                    pk, doc = item if kind == "upsert" else (item, None)
                    build.writer.delete_documents_by_term(PK, pk)
                    if doc is not None:
                        build.writer.add_document(doc)
            self._journal = None
            path = build.building.path
            guard(build.writer.commit, f"cannot write the new search index in {path}")
            guard(build.writer.wait_merging_threads, f"cannot write the new index in {path}")
            manifest.record(path)
            generations.write_layout(path, self._layout.fingerprint)
            previous = generations.read_pointer(self.directory)
            generations.publish(self.directory, build.building.name)
        build.building.release()
        if previous and previous != build.building.name:
            # other processes notice the new pointer before touching this again
            generations.remove(self.directory, previous)
        return self._count()


class _Build:
    """A generation being written by `rebuild`."""

    def __init__(
        self, layout: Layout, building: generations.Building, writer: tantivy.IndexWriter
    ) -> None:
        self.layout = layout
        self.building = building
        self.writer = writer

    def add(self, documents: Sequence[Mapping[str, Any]]) -> int:
        for document in documents:
            pk, doc = to_document(self.layout, document)
            # an id given twice keeps its last document
            self.writer.delete_documents_by_term(PK, pk)
            self.writer.add_document(doc)
        return len(documents)

    def add_from(self, source: Iterator[Mapping[str, Any]], size: int) -> int:
        return self.add(list(itertools.islice(source, size)))

    def abandon(self) -> None:
        quietly(self.writer.rollback)
        quietly(self.writer.wait_merging_threads)
        self.building.discard()


class _FacetCache:
    """Facet counts by (index version, words, filters, facets), least recently used first out."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[Any, ...], dict[str, dict[str, int]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> dict[str, dict[str, int]] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
        return {name: dict(counts) for name, counts in found.items()}

    def put(
        self, key: tuple[Any, ...], facets: dict[str, dict[str, int]]
    ) -> dict[str, dict[str, int]]:
        if self._size:
            with self._lock:
                self._entries[key] = {name: dict(counts) for name, counts in facets.items()}
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return facets


class _Orders:
    """The order of a search's few hits (see `rank`) by (index version, query), least recently
    used first out: ordering them costs far more than finding them."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[Any, ...], list[tuple[int, int]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> list[tuple[int, int]] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], order: list[tuple[int, int]]) -> list[tuple[int, int]]:
        if self._size:
            with self._lock:
                self._entries[key] = order
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return order


class _Documents:
    """Stored documents of the newest index version searched, decoded, and their searchable
    fields analysed for ranking once a ranking asks, by address; least recently used first
    out, at most `size` of them. The same documents come back search after search (the next
    letter typed, another filter, the next page), and reading, decoding and analysing the
    `WINDOW` best of each new search is most of what it costs. Shared like `_Pages`' hits:
    read, never changed."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._version = -1
        self._entries: OrderedDict[tuple[int, int], list[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def document(
        self, searcher: tantivy.Searcher, version: int, address: tantivy.DocAddress
    ) -> dict[str, Any]:
        return self._entry(searcher, version, address)[0]

    def analysed(
        self,
        searcher: tantivy.Searcher,
        version: int,
        address: tantivy.DocAddress,
        searchable: Sequence[str],
    ) -> tuple[dict[str, Any], list[FieldTerms]]:
        entry = self._entry(searcher, version, address)
        if entry[1] is None:
            entry[1] = document_terms(entry[0], searchable)
        return entry[0], entry[1]

    def _entry(
        self, searcher: tantivy.Searcher, version: int, address: tantivy.DocAddress
    ) -> list[Any]:
        """[document, its analysed fields or None], kept when `version` is the newest."""
        key = (address.segment_ord, address.doc)
        with self._lock:
            if version == self._version:
                found = self._entries.get(key)
                if found is not None:
                    self._entries.move_to_end(key)
                    return found
        entry = [_stored(searcher, address), None]
        if not self._size:
            return entry
        with self._lock:
            if version > self._version:  # a newer index state: the documents kept are stale
                self._version = version
                self._entries.clear()
            if version == self._version:
                self._entries[key] = entry
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return entry


class _Pages:
    """Whole answers - total, highlighted hits and facet counts - by (index version, synonyms,
    query), least recently used first out, holding at most `size` hits in all. People repeat
    searches (the plain listing, a popular word, the next page and back), and reading and
    marking a page of documents is most of what a search costs. The hits are shared by every
    answer from the cache: callers read them and never change them."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._held = 0
        self._entries: OrderedDict[
            tuple[Any, ...], tuple[int, tuple[Hit, ...], dict[str, dict[str, int]]]
        ] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> tuple[int, list[Hit], dict[str, dict[str, int]]] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
        total, hits, facets = found
        return total, list(hits), {name: dict(counts) for name, counts in facets.items()}

    def put(
        self,
        key: tuple[Any, ...],
        total: int,
        hits: list[Hit],
        facets: dict[str, dict[str, int]],
    ) -> None:
        weight = max(len(hits), 1)
        if weight * 4 > self._size:  # a page this large would push out too many others
            return
        entry = (total, tuple(hits), {name: dict(counts) for name, counts in facets.items()})
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._held -= max(len(previous[1]), 1)
            self._entries[key] = entry
            self._held += weight
            while self._held > self._size:
                _, (_, dropped, _) = self._entries.popitem(last=False)
                self._held -= max(len(dropped), 1)


def _all() -> tantivy.Query:
    return tantivy.Query.all_query()


def _stored(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> dict[str, Any]:
    return _decode(searcher.doc(address).get_first(DOC))


def _decode(stored: bytes) -> Any:
    """A stored document: msgspec (installed with Litestar) reads JSON about three times as
    fast as `json`, which reads what msgspec refuses (numbers beyond 64 bits)."""
    if msgspec is not None:
        with contextlib.suppress(msgspec.DecodeError):  # its ValidationError is one
            return msgspec.json.decode(stored)
    return json.loads(stored)


async def _read_ahead(source: AsyncIterable[T]) -> AsyncIterator[T]:
    """The items of `source`, each next one asked for as soon as the last is handed out, so
    that reading the next batch (a database, mostly waiting) overlaps writing this one."""
    items = source.__aiter__()
    pending: asyncio.Future[T] = asyncio.ensure_future(items.__anext__())
    try:
        while True:
            try:
                item = await pending
            except StopAsyncIteration:
                return
            pending = asyncio.ensure_future(items.__anext__())
            yield item
    finally:
        if not pending.done():
            pending.cancel()
            await asyncio.wait([pending])
        if not pending.cancelled():
            pending.exception()  # retrieved, so that asyncio does not report it


def _chunks(source: Iterator[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    while batch := list(itertools.islice(source, size)):
        yield batch
