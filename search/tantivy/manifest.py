"""The sizes of a Tantivy index's segment files, recorded after each commit and checked before
the files are mapped into memory.

Tantivy memory-maps its segment files. A file that is cut short while mapped (a full disk, a bad
copy, someone's stray `truncate`) does not raise an error: the first read past its new end kills
the whole process with SIGBUS. Tantivy's `meta.json` names the segments but not their sizes, so
every writer of this engine records them in `files.json` beside it, and the engine checks them
before it opens an index, before it reloads readers after a commit, and when asked for its
health; a mismatch is an unreadable index (`SearchUnavailable`, rebuilt by the registry) instead
of a crash. Segment files never change once written (deletions go to new `.del` files), so the
record only grows with new files and forgets those whose segment has left `meta.json`; two
writers racing to record can only lose entries, which then go unchecked until the next commit.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path

from search.tantivy.generations import META_FILE, signature

MANIFEST_FILE = "files.json"
_RETRIES = 3  # reads of meta.json that may change under us (another process committing)


def record(path: Path) -> None:
    """Record the sizes of the files of every segment `meta.json` in `path` names now.

    A size recorded earlier is kept: a file that has changed size since is damaged, and
    recording its new size would hide that. Failing to record is not an error: the commit has
    succeeded, and an older record still describes the files it names."""
    segments = _segments(path)
    if segments is None:
        return
    known = _recorded(path)
    tmp = path / f"{MANIFEST_FILE}.{secrets.token_hex(4)}.tmp"
    try:
        sizes: dict[str, int] = {}
        with os.scandir(path) as entries:
            for entry in entries:
                if _segment_of(entry.name) in segments and entry.is_file():
                    sizes[entry.name] = known.get(entry.name, entry.stat().st_size)
        tmp.write_text(json.dumps(sizes, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path / MANIFEST_FILE)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def problem(path: Path) -> str | None:
    """Why the index in `path` must not be opened (a segment file missing or not the size it
    was written with), or None. A `meta.json` that cannot be read is left to Tantivy, whose
    own error says so without mapping anything."""
    found = None
    for _ in range(_RETRIES):
        before = signature(path / META_FILE)
        found = _check(path)
        # a commit elsewhere may have replaced meta.json and removed the files it no longer
        # names between our reads: only a verdict on an unchanged meta.json counts
        if found is None or signature(path / META_FILE) == before:
            return found
    return found


def _check(path: Path) -> str | None:
    segments = _segments(path)
    if segments is None:
        return None
    for name, size in _recorded(path).items():
        segment = _segment_of(name)
        if segment not in segments:
            continue  # merged away or superseded; Tantivy removes it when it can
        if name.endswith(".del") and name != _deletes_file(segment, segments[segment]):
            continue  # deletions of an earlier commit, replaced by a newer .del file
        try:
            actual = os.stat(path / name).st_size
        except FileNotFoundError:
            return f"the search index in {path} is damaged: {name} is missing: rebuild the index"
        if actual != size:
            return (
                f"the search index in {path} is damaged: {name} is {actual} bytes, "
                f"written as {size}: rebuild the index"
            )
    return None


def _segments(path: Path) -> dict[str, int | None] | None:
    """Segment id (as in file names) -> the opstamp of its deletions, from meta.json."""
    try:
        meta = json.loads((path / META_FILE).read_bytes())
        segments = {}
        for segment in meta["segments"]:
            deletes = segment.get("deletes") or {}
            segments[segment["segment_id"].replace("-", "")] = deletes.get("opstamp")
        return segments
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _recorded(path: Path) -> dict[str, int]:
    try:
        sizes = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # never recorded (an index from before the record existed): nothing to check
    if not isinstance(sizes, dict):
        return {}
    return {str(k): v for k, v in sizes.items() if isinstance(v, int)}


def _segment_of(name: str) -> str:
    return name.split(".", 1)[0]


def _deletes_file(segment: str, opstamp: int | None) -> str | None:
    return None if opstamp is None else f"{segment}.{opstamp}.del"
