"""Keeping an open Tantivy index on the live generation, and fresh, in every process.

`LiveIndex.current()` is called before every search and write. It stats two files - the
generation pointer and the live index's `meta.json` - and reopens the index when the pointer
changed (a rebuild, maybe by another process) or reloads its readers when `meta.json` changed (a
commit, maybe by another process). Each open and reload gets a new `version` number, handed out
together with a searcher, so results cached per version can never outlive the state they were
computed from. Tantivy failures, including Rust panics, become `SearchUnavailable` via `guard`.
Before an index is opened or reloaded, and at most every `VERIFY_EVERY` seconds while it is
live, its segment files are checked against their recorded sizes (`manifest`): a file cut
short under a memory map would otherwise kill the process at its next read.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import tantivy

from search.tantivy import generations, manifest
from search.tantivy.text import ANALYZER_NAME
from search.types import SearchUnavailable

T = TypeVar("T")

VERIFY_EVERY = 1.0  # seconds; a few dozen stats, cheap beside a search


class Live:
    """The generation searches are answered from, with what is needed to notice it changing."""

    def __init__(
        self,
        name: str,
        path: Path,
        index: tantivy.Index,
        pointer_sig: generations.Signature,
        meta_sig: generations.Signature,
        problem: str | None,
        version: int,
    ) -> None:
        self.name = name
        self.path = path
        self.index = index
        self.pointer_sig = pointer_sig
        self.meta_sig = meta_sig
        self.problem = problem  # why it cannot be used (built for another spec), if it cannot
        self.version = version
        self.verified_at = time.monotonic()


class LiveIndex:
    def __init__(self, directory: Path, fingerprint: str, analyzer: tantivy.TextAnalyzer) -> None:
        self.directory = directory
        self._fingerprint = fingerprint
        self._analyzer = analyzer
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._versions = itertools.count(1)

    def current(self) -> Live:
        """The live index, reopened or reloaded if a writer or a rebuild changed it."""
        try:
            live = self._current_once()
        except SearchUnavailable:
            # A rebuild elsewhere may have swapped and deleted the generation between our two
            # stats; looking again from the pointer settles it.
            self.forget()
            live = self._current_once()
        if live.problem:
            raise SearchUnavailable(live.problem)
        return live

    def searcher(self, live: Live) -> tuple[tantivy.Searcher, int]:
        """A searcher on `live` with the version of the state it sees."""
        with self._lock:
            return live.index.searcher(), live.version

    def settled(self) -> Live | None:
        """The live index when a search can use it as it stands - open, usable, its pointer and
        metadata unchanged, its files checked within `VERIFY_EVERY` - after two stats and
        nothing else; None when `current` has something to do (open, reload, verify)."""
        live = self._live
        if live is None or live.problem or time.monotonic() - live.verified_at > VERIFY_EVERY:
            return None
        try:
            if live.pointer_sig != generations.signature(self.directory / generations.POINTER):
                return None
            if live.meta_sig != generations.signature(live.path / generations.META_FILE):
                return None
        except OSError:
            return None  # `current` reports it
        return live

    def reloaded(self, live: Live) -> None:
        """Make a commit just made through `live` visible to every later search."""
        with self._lock:
            guard(live.index.reload, f"the search index in {live.path} is unreadable")
            live.version = next(self._versions)

    def forget(self) -> None:
        with self._lock:
            self._live = None

    def verify(self) -> Live:
        """The live index, its files checked now; a damaged one is let go (its memory maps with
        it) and `SearchUnavailable` raised."""
        live = self.current()
        self._verify(live)
        return live

    def open_index(self, path: Path) -> tantivy.Index:
        damaged = manifest.problem(path)
        if damaged:
            raise SearchUnavailable(damaged)

        def open_() -> tantivy.Index:
            index = tantivy.Index.open(str(path))
            index.register_tokenizer(ANALYZER_NAME, self._analyzer)
            index.config_reader("Manual")
            return index

        return guard(open_, f"the search index in {path} is unreadable: rebuild the index")

    def _current_once(self) -> Live:
        pointer = self.directory / generations.POINTER
        live = self._live
        if live is None or live.pointer_sig != generations.signature(pointer):
            with self._lock:
                live = self._live
                pointer_sig = generations.signature(pointer)
                if live is None or live.pointer_sig != pointer_sig:
                    live = self._open(pointer_sig)
                    self._live = live
        meta_sig = generations.signature(live.path / generations.META_FILE)
        if meta_sig != live.meta_sig:
            with self._lock:
                if meta_sig != live.meta_sig:
                    damaged = manifest.problem(live.path)
                    if damaged:
                        self._live = None
                        raise SearchUnavailable(damaged)
                    guard(live.index.reload, f"the search index in {live.path} is unreadable")
                    live.meta_sig = meta_sig
                    live.version = next(self._versions)
                    live.verified_at = time.monotonic()
        elif time.monotonic() - live.verified_at > VERIFY_EVERY:
            self._verify(live)
        return live

    def _verify(self, live: Live) -> None:
        damaged = manifest.problem(live.path)
        if damaged:
            with self._lock:
                if self._live is live:
                    self._live = None
            raise SearchUnavailable(damaged)
        live.verified_at = time.monotonic()

    def _open(self, pointer_sig: generations.Signature) -> Live:
        name = generations.read_pointer(self.directory)
        if name is None:
            raise SearchUnavailable(
                f"there is no search index in {self.directory} yet: apply the settings or rebuild"
            )
        path = self.directory / name
        if not path.is_dir():
            raise SearchUnavailable(
                f"the search index pointer in {self.directory} names {name!r}, which is missing: "
                "rebuild the index"
            )
        meta_sig = generations.signature(path / generations.META_FILE)
        index = self.open_index(path)
        problem = None
        if generations.read_layout(path) != self._fingerprint:
            problem = (
                f"the search index in {path} was built for a different index spec: "
                "rebuild the index (for example `registry reindex`)"
            )
        return Live(name, path, index, pointer_sig, meta_sig, problem, next(self._versions))


def open_writer(
    index: tantivy.Index, memory: int, path: Path, lock_timeout: float
) -> tantivy.IndexWriter:
    """A writer on `index`, waiting up to `lock_timeout` for another writer to let go."""
    deadline = time.monotonic() + lock_timeout
    delay = 0.005
    while True:
        try:
            return index.writer(heap_size=memory, num_threads=1)
        except ValueError as exc:
            if "LockBusy" not in str(exc):
                raise SearchUnavailable(
                    f"cannot write to the search index in {path}: {exc}"
                ) from exc
            if time.monotonic() >= deadline:
                raise SearchUnavailable(
                    f"the search index in {path} is locked by another writer "
                    f"(waited {lock_timeout:g}s); try again"
                ) from exc
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def guard(fn: Callable[[], T], message: str) -> T:
    """Run a Tantivy call, turning its failures (errors and Rust panics) into SearchUnavailable."""
    try:
        return fn()
    except SearchUnavailable:
        raise
    except (ValueError, OSError, RuntimeError) as exc:
        raise SearchUnavailable(f"{message}: {exc}") from exc
    except BaseException as exc:
        # a Rust panic surfaces as pyo3's PanicException, which derives from BaseException
        if type(exc).__name__ != "PanicException":
            raise
        raise SearchUnavailable(f"{message}: {exc}") from exc


def quietly(fn: Callable[[], object]) -> None:
    """Best-effort clean-up after a failure that is already being raised."""
    try:
        fn()
    except Exception:  # noqa: S110 - the failure being raised matters more than this one
        pass
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
