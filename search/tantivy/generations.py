"""The embedded engine's directory: index generations and the pointer to the live one.

The directory holds `CURRENT`, naming the live generation, and generations `gen-<time>-<rand>/`,
each a complete Tantivy index plus its `layout.json`. A rebuild writes a new generation beside
the live one, then replaces `CURRENT` with `os.replace`, so every process sees the old index or
the new one, never a half-built one. A generation being built is claimed by an exclusive `flock`
on `<name>.building` beside it, taken before the directory exists and dropped only once it is
published or abandoned; `sweep` deletes every other generation that is not live, which is how
the leftovers of a failed or interrupted build are cleaned up later, even across processes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import time
from pathlib import Path

POINTER = "CURRENT"
LAYOUT_FILE = "layout.json"
_BUILDING = ".building"
META_FILE = "meta.json"
_PREFIX = "gen-"

Signature = tuple[int, int, int] | None


def signature(path: Path) -> Signature:
    """A cheap fingerprint of a file that changes whenever it is replaced or rewritten."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def read_pointer(directory: Path) -> str | None:
    try:
        name = (directory / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def publish(directory: Path, generation: str) -> None:
    """Make `generation` the live one for every process, atomically and durably."""
    tmp = directory / f"{POINTER}.{secrets.token_hex(4)}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(generation + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, directory / POINTER)
    _fsync_dir(directory)


def write_layout(path: Path, fingerprint: str) -> None:
    with open(path / LAYOUT_FILE, "w", encoding="utf-8") as f:
        f.write(fingerprint)
        f.flush()
        os.fsync(f.fileno())


def read_layout(path: Path) -> str | None:
    try:
        return (path / LAYOUT_FILE).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


class Building:
    """A new generation directory, claimed by this process until `release`."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.name = f"{_PREFIX}{time.time_ns():020d}-{secrets.token_hex(3)}"
        self.path = directory / self.name
        self._claim = directory / (self.name + _BUILDING)
        self._fd = os.open(self._claim, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self.path.mkdir()

    def release(self) -> None:
        """Drop the claim; call only once the generation is published or deleted."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                self._claim.unlink()
            os.close(self._fd)
            self._fd = -1

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


def sweep(directory: Path) -> None:
    """Delete every generation that is neither live nor still being built by some process."""
    if not directory.is_dir():
        return
    for entry in directory.iterdir():
        if not entry.name.startswith(_PREFIX) or entry.name.endswith(_BUILDING):
            continue
        if _being_built(directory, entry.name):
            continue
        # read only now: a builder publishes before it lets go of its claim, so a generation
        # found unclaimed is either live by now or superseded
        if entry.name == read_pointer(directory):
            continue
        shutil.rmtree(entry, ignore_errors=True)
    for claim in directory.glob(f"{_PREFIX}*{_BUILDING}"):
        name = claim.name.removesuffix(_BUILDING)
        if not (directory / name).exists() and not _being_built(directory, name):
            with contextlib.suppress(OSError):
                claim.unlink()
    for stale in directory.glob(f"{POINTER}.*.tmp"):
        # another process may be about to rename its own; only old ones are debris
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > 60:
                stale.unlink()


def remove(directory: Path, generation: str) -> None:
    shutil.rmtree(directory / generation, ignore_errors=True)


def _being_built(directory: Path, name: str) -> bool:
    try:
        fd = os.open(directory / (name + _BUILDING), os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing also drops the lock we may just have taken
    return False


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
