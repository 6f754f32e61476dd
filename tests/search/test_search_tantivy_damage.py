"""The embedded engine and index files cut short: refused with a reason, never a crashed process.

Tantivy memory-maps segment files, and reading past the end of a file truncated under its map
kills the process with SIGBUS. The scenarios that could do that run in a child process, so a
regression shows as a failed test rather than a dead test run.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from search import Field, FieldKind, IndexSpec, SearchQuery, SearchUnavailable
from search.tantivy import TantivyEngine

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC = IndexSpec(
    name="damage",
    primary_key="id",
    fields=(Field("id", FieldKind.KEYWORD), Field("title", FieldKind.TEXT)),
    searchable=("title",),
    filterable=(),
    sortable=(),
    facets=(),
)


def documents(count: int = 400) -> list[dict[str, str]]:
    # long enough titles that the document store spans many memory pages
    title = "Ferry timetable {} " + "harbour " * 40
    return [{"id": str(n), "title": title.format(n)} for n in range(count)]


def live_generation(directory: Path) -> Path:
    return directory / (directory / "CURRENT").read_text().strip()


def cut_short(generation: Path, suffix: str = ".store") -> Path:
    """Halve the largest file of `suffix`, as a full disk or a bad copy would leave it."""
    victim = max(generation.glob(f"*{suffix}"), key=lambda p: p.stat().st_size)
    os.truncate(victim, victim.stat().st_size // 2)
    return victim


async def build(directory: Path) -> None:
    engine = TantivyEngine(directory, SPEC)
    try:
        await engine.rebuild(documents())
        await engine.upsert(documents(3))  # a second segment, and deletions in the first
    finally:
        await engine.close()


async def test_an_index_with_a_file_cut_short_is_refused_with_the_file_named(tmp_path: Path):
    await build(tmp_path / "index")
    victim = cut_short(live_generation(tmp_path / "index"))
    engine = TantivyEngine(tmp_path / "index", SPEC)
    try:
        health = await engine.health()
        assert not health.ok
        assert health.needs_rebuild
        assert victim.name in health.detail
        assert "written as" in health.detail
        with pytest.raises(SearchUnavailable, match="rebuild the index"):
            await engine.search(SearchQuery(text="ferry"))
        # a rebuild replaces the damaged generation and search answers again
        assert await engine.rebuild(documents()) == 400
        assert (await engine.health()).ok
        assert (await engine.search(SearchQuery(text="ferry"))).total == 400
    finally:
        await engine.close()


async def test_the_record_follows_commits_merges_and_deletions(tmp_path: Path):
    engine = TantivyEngine(tmp_path / "index", SPEC)
    try:
        await engine.apply_settings()
        for n in range(12):  # enough commits for Tantivy to merge segments
            await engine.upsert(documents(40)[n::3])
            await engine.delete([str(n)])
        assert (await engine.health()).ok
        generation = live_generation(tmp_path / "index")
        recorded = json.loads((generation / "files.json").read_text())
        assert recorded
        assert all((generation / name).exists() for name in recorded if ".del" not in name)
    finally:
        await engine.close()
    reopened = TantivyEngine(tmp_path / "index", SPEC)
    try:
        assert (await reopened.health()).ok
        assert await reopened.count() == 40 - 12
    finally:
        await reopened.close()


# A process with the index open, while another process commits and a file of a segment both
# share is cut short: the next search reloads, and must refuse instead of reading the map.
RELOAD_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from tests.search.test_search_tantivy_damage import SPEC, cut_short, documents, live_generation
    from search import SearchQuery, SearchUnavailable
    from search.tantivy import TantivyEngine

    async def main(directory):
        reader = TantivyEngine(directory, SPEC)
        writer = TantivyEngine(directory, SPEC)
        print("before", (await reader.search(SearchQuery(text="ferry", per_page=50))).total)
        await writer.upsert(documents(2))
        cut_short(live_generation(directory))
        for _ in range(3):
            try:
                result = await reader.search(SearchQuery(text="harbour", per_page=50))
                print("answered", result.total)
            except SearchUnavailable as exc:
                print("unavailable", exc)
        print("health", (await reader.health()).ok)
        await reader.close()
        await writer.close()

    asyncio.run(main(Path(sys.argv[1])))
    """
)


async def test_a_file_cut_short_under_an_open_index_is_refused_not_a_crash(tmp_path: Path):
    await build(tmp_path / "index")
    child = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", RELOAD_SCRIPT, str(tmp_path / "index"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode != -signal.SIGBUS, "the process died of SIGBUS"
    assert child.returncode == 0, child.stdout + child.stderr
    lines = child.stdout.splitlines()
    assert lines[0] == "before 400"
    assert lines[1:4] == [lines[1]] * 3
    assert lines[1].startswith("unavailable")
    assert "written as" in lines[1]
    assert lines[4] == "health False"
