"""The embedded engine's own duties: its directory, its writer lock, other processes, bad disks.

A second `TantivyEngine` on the same directory stands in for another process (the worker or a
CLI reindex): it shares nothing with the first but the files.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import random
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import tantivy
from hypothesis import given, settings
from hypothesis import strategies as st
from search_corpus import CORPUS, SPEC

from search import Field, FieldKind, IndexSpec, SearchQuery, SearchUnavailable, SortField
from search.tantivy import TantivyEngine
from search.tantivy.layout import fold_for_sort, sort_key
from search.tantivy.text import HighlightMatcher, query_words, terms_of_word

pytestmark = pytest.mark.no_database


@pytest.fixture
async def engine(tmp_path: Path) -> Any:
    engine = TantivyEngine(tmp_path / "search", SPEC, lock_timeout=0.3)
    await engine.apply_settings()
    await engine.upsert(CORPUS)
    yield engine
    await engine.close()


@pytest.fixture
async def other(engine: TantivyEngine) -> Any:
    """Another engine on the same directory, as another process would have."""
    other = TantivyEngine(engine.directory, SPEC, lock_timeout=0.3)
    yield other
    await other.close()


def generations(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.is_dir())


def live_generation(directory: Path) -> Path:
    return directory / (directory / "CURRENT").read_text().strip()


async def assert_unavailable(engine: TantivyEngine, message: str) -> None:
    with pytest.raises(SearchUnavailable, match=message):
        await engine.search(SearchQuery(text="grit"))
    with pytest.raises(SearchUnavailable, match=message):
        await engine.count()
    # health reports the problem instead of raising, so a health page can show it
    health = await engine.health()
    assert not health.ok
    assert re.search(message, health.detail)


# -- a missing or damaged index -------------------------------------------------------------


async def test_a_missing_index_is_unavailable_until_settings_create_it(tmp_path: Path) -> None:
    engine = TantivyEngine(tmp_path / "search", SPEC)
    try:
        await assert_unavailable(engine, "no search index")
        await engine.apply_settings()
        assert await engine.count() == 0
        assert (await engine.search(SearchQuery(text="grit"))).total == 0
        await engine.apply_settings()  # a second time changes nothing
        assert len(generations(tmp_path / "search")) == 1
    finally:
        await engine.close()


async def test_a_pointer_to_a_missing_generation_is_unavailable(
    engine: TantivyEngine, other: TantivyEngine
) -> None:
    (engine.directory / "CURRENT").write_text("gen-that-was-deleted\n")
    await assert_unavailable(other, "missing")
    await assert_unavailable(engine, "missing")


async def test_garbage_metadata_is_unavailable_not_a_crash(engine: TantivyEngine, other) -> None:
    (live_generation(engine.directory) / "meta.json").write_bytes(b"\x00\xffnot json at all")
    await assert_unavailable(other, "unreadable")
    # settings do not paper over it with an empty index: only a rebuild restores the documents
    with pytest.raises(SearchUnavailable, match="rebuild"):
        await other.apply_settings()


async def test_garbage_segment_files_are_unavailable_not_a_crash(tmp_path: Path) -> None:
    first = TantivyEngine(tmp_path / "search", SPEC)
    await first.apply_settings()
    await first.upsert(CORPUS)
    await first.close()
    for path in live_generation(tmp_path / "search").iterdir():
        if path.suffix in {".idx", ".store", ".term", ".fast", ".pos", ".fieldnorm"}:
            path.write_bytes(os.urandom(max(path.stat().st_size, 64)))
    engine = TantivyEngine(tmp_path / "search", SPEC)
    try:
        with pytest.raises(SearchUnavailable):
            await engine.search(SearchQuery(text="grit", facets=("kind",)))
        assert not (await engine.health()).ok
    finally:
        await engine.close()


async def test_rebuild_repairs_a_damaged_index(engine: TantivyEngine, other) -> None:
    (live_generation(engine.directory) / "meta.json").write_text("{}")
    assert await other.rebuild(CORPUS) == len(CORPUS)
    assert await engine.count() == len(CORPUS)


# -- other processes ------------------------------------------------------------------------


async def test_another_process_sees_each_commit_at_its_next_search(engine, other) -> None:
    assert await other.count() == len(CORPUS)
    await engine.upsert([{**CORPUS[0], "id": "new-one", "title": "Zanzibar ferries"}])
    assert [h.id for h in (await other.search(SearchQuery(text="zanzibar"))).hits] == ["new-one"]
    await other.delete(["new-one"])
    assert (await engine.search(SearchQuery(text="zanzibar"))).total == 0


async def test_another_process_sees_commits_in_its_facet_counts_too(engine, other) -> None:
    query = SearchQuery(facets=("kind",))
    platforms = (await other.search(query)).facets["kind"]["platform"]
    await engine.upsert([{**CORPUS[0], "id": "one-more", "kind": "platform"}])
    assert (await other.search(query)).facets["kind"]["platform"] == platforms + 1


# -- answers kept for repeated searches -------------------------------------------------------


async def test_a_repeated_search_shows_a_changed_document(engine, other) -> None:
    query = SearchQuery(text="telecare hub")
    for searching in (engine, other):  # a write by this process, and by another one
        first = await searching.search(query)
        assert first.hits[0].highlights["title"] == "Digital <mark>telecare</mark> <mark>hub</mark>"
        await engine.upsert([{**CORPUS[0], "title": "Regional telecare hub"}])
        again = await searching.search(query)
        assert again.hits[0].highlights["title"] == (
            "Regional <mark>telecare</mark> <mark>hub</mark>"
        )
        # another search reading the same document: read again too, not kept from before
        other_words = await searching.search(SearchQuery(text="hub"))
        assert other_words.hits[0].document["title"] == "Regional telecare hub"
        await engine.upsert([CORPUS[0]])
        assert (await searching.search(SearchQuery(text="hub"))).hits[0].document["title"] == (
            "Digital telecare hub"
        )


async def test_a_repeated_search_finds_what_new_synonyms_add(engine, other) -> None:
    query = SearchQuery(text="carephone")
    assert (await other.search(query)).total == 0
    await engine.set_synonyms({"carephone": ["telecare"]})
    found = await other.search(query)
    assert found.hits[0].id == "telecare-hub"
    assert found.hits[0].highlights["title"] == "Digital <mark>telecare</mark> hub"


async def test_searches_differing_only_in_what_they_show_get_their_own_answers(engine) -> None:
    description = "Alarm " + " ".join(f"word{n}" for n in range(40)) + " telecare"
    await engine.upsert([{**CORPUS[0], "description": description}])
    whole = SearchQuery(text="telecare")
    cropped = replace(whole, crop=("description",), crop_length=4)
    shorter = replace(cropped, crop_length=2)
    titles = replace(whole, highlight=("title",))
    for query in (whole, cropped, shorter, titles, whole, cropped, shorter, titles):
        hit = next(h for h in (await engine.search(query)).hits if h.id == "telecare-hub")
        if query is whole:
            assert hit.highlights["description"].endswith("word39 <mark>telecare</mark>")
            assert set(hit.highlights) == set(SPEC.searchable)
        elif query is cropped:
            assert hit.highlights["description"] == "…word37 word38 word39 <mark>telecare</mark>"
        elif query is shorter:
            assert hit.highlights["description"] == "…word39 <mark>telecare</mark>"
        else:
            assert hit.highlights["title"] == "Digital <mark>telecare</mark> hub"


async def test_changing_an_answer_does_not_change_the_next_one(engine) -> None:
    query = SearchQuery(text="telecare", facets=("kind",))
    first = await engine.search(query)
    expected = (
        first.total,
        [h.id for h in first.hits],
        {k: dict(v) for k, v in first.facets.items()},
    )
    first.hits.clear()
    first.facets["kind"]["platform"] = 1000
    again = await engine.search(query)
    assert (again.total, [h.id for h in again.hits], again.facets) == expected


async def test_another_process_sees_a_rebuild_swap(engine, other) -> None:
    assert await other.count() == len(CORPUS)
    await engine.rebuild(CORPUS[:3])
    assert await other.count() == 3
    assert len(generations(engine.directory)) == 1


async def test_the_writer_lock_held_elsewhere_makes_writes_unavailable_not_hang(engine) -> None:
    index = tantivy.Index.open(str(live_generation(engine.directory)))
    writer = index.writer(15_000_000, 1)
    try:
        started = time.monotonic()
        with pytest.raises(SearchUnavailable, match="locked by another writer"):
            await engine.upsert([CORPUS[0]])
        assert time.monotonic() - started < 3
        # searches carry on meanwhile
        assert (await engine.search(SearchQuery(text="grit"))).total == 1
    finally:
        writer.wait_merging_threads()  # gives the lock back
    await engine.delete(["grit-bins"])
    assert (await engine.search(SearchQuery(text="grit"))).total == 0


async def test_a_briefly_held_lock_is_waited_for(tmp_path: Path) -> None:
    engine = TantivyEngine(tmp_path / "search", SPEC, lock_timeout=5)
    await engine.apply_settings()
    index = tantivy.Index.open(str(live_generation(engine.directory)))
    writer = index.writer(15_000_000, 1)
    try:
        upsert = asyncio.create_task(engine.upsert(CORPUS))
        await asyncio.sleep(0.2)
        assert not upsert.done()
        await asyncio.to_thread(writer.wait_merging_threads)
        await upsert
        assert await engine.count() == len(CORPUS)
    finally:
        await engine.close()


async def test_concurrent_writes_in_one_process_all_land(engine: TantivyEngine) -> None:
    copies = [{**CORPUS[0], "id": f"copy-{i}"} for i in range(12)]
    await asyncio.gather(*(engine.upsert([doc]) for doc in copies))
    assert await engine.count() == len(CORPUS) + len(copies)


async def test_writes_during_a_rebuild_are_kept(engine: TantivyEngine) -> None:
    async def slow() -> Any:
        for doc in CORPUS:
            await asyncio.sleep(0.01)
            yield [doc]

    rebuild = asyncio.create_task(engine.rebuild(slow()))
    await asyncio.sleep(0.05)
    await engine.upsert([{**CORPUS[0], "id": "mid-rebuild", "title": "Zanzibar ferries"}])
    await engine.delete(["parking-permits"])
    await rebuild
    assert [h.id for h in (await engine.search(SearchQuery(text="zanzibar"))).hits] == [
        "mid-rebuild"
    ]
    assert (await engine.search(SearchQuery(text="parking"))).total == 0


# -- leftovers and spec changes -------------------------------------------------------------


async def test_a_failed_rebuild_leaves_nothing_behind(engine: TantivyEngine) -> None:
    before = generations(engine.directory)

    def failing() -> Any:
        yield from CORPUS[:4]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        await engine.rebuild(failing())
    assert generations(engine.directory) == before


async def test_leftovers_of_a_crashed_build_are_swept_but_a_build_in_progress_is_not(
    engine: TantivyEngine,
) -> None:
    crashed = engine.directory / "gen-00000000000000000001-abcdef"
    crashed.mkdir()
    (crashed / "meta.json").write_text("{}")
    busy = engine.directory / "gen-00000000000000000002-abcdef"
    busy.mkdir()
    claim = os.open(engine.directory / (busy.name + ".building"), os.O_CREAT | os.O_RDWR)
    fcntl.flock(claim, fcntl.LOCK_EX)  # another process still building
    try:
        await engine.rebuild(CORPUS)
        names = generations(engine.directory)
        assert crashed.name not in names
        assert busy.name in names
        assert len(names) == 2
    finally:
        os.close(claim)


async def test_a_changed_spec_asks_for_a_rebuild_and_rebuild_provides_it(engine) -> None:
    changed = replace(SPEC, sortable=(*SPEC.sortable, "kind"))
    newer = TantivyEngine(engine.directory, changed)
    try:
        with pytest.raises(SearchUnavailable, match="rebuild"):
            await newer.apply_settings()
        with pytest.raises(SearchUnavailable, match="different index spec"):
            await newer.search(SearchQuery(text="grit"))
        assert await newer.rebuild(CORPUS) == len(CORPUS)
        result = await newer.search(SearchQuery(sort=(SortField("kind"),), per_page=100))
        assert [h.document["kind"] for h in result.hits] == sorted(d["kind"] for d in CORPUS)
        # the engine with the old spec now declines rather than misreading the new index
        with pytest.raises(SearchUnavailable, match="different index spec"):
            await engine.search(SearchQuery(text="grit"))
    finally:
        await newer.close()


async def test_a_changed_spec_on_an_empty_index_is_simply_applied(tmp_path: Path) -> None:
    first = TantivyEngine(tmp_path / "search", SPEC)
    await first.apply_settings()
    await first.close()
    changed = replace(SPEC, fields=(*SPEC.fields, Field("extra", FieldKind.KEYWORD)))
    engine = TantivyEngine(tmp_path / "search", changed)
    try:
        await engine.apply_settings()
        await engine.upsert([{**CORPUS[0], "extra": "yes"}])
        assert await engine.count() == 1
        assert len(generations(tmp_path / "search")) == 1
    finally:
        await engine.close()


async def test_a_closed_engine_is_unavailable(tmp_path: Path) -> None:
    engine = TantivyEngine(tmp_path / "search", SPEC)
    await engine.apply_settings()
    await engine.close()
    with pytest.raises(SearchUnavailable, match="closed"):
        await engine.count()


# -- the pieces behind relevance and sorting ------------------------------------------------


def distance_table(a: str, b: str) -> list[list[int]]:
    """Optimal-string-alignment distances between every prefix of `a` and of `b`, the slow way."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d


def reference_distance(a: str, b: str) -> int:
    return distance_table(a, b)[len(a)][len(b)]


def budget(word: str) -> int:
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


def meilisearch_typos(query: str, word: str) -> int:
    """Typos between two words as Meilisearch documents them: a first-letter typo counts two."""
    if query[0] == word[0]:
        return reference_distance(query, word)
    d = reference_distance
    options = [2 + d(query[1:], word[1:]), 2 + d(query[1:], word), 2 + d(query, word[1:])]
    if len(query) > 1 and len(word) > 1 and query[0] == word[1] and query[1] == word[0]:
        options.append(2 + d(query[2:], word[2:]))
    return min(options)


@settings(deadline=None)
@given(
    query=st.text(alphabet="abcde", min_size=1, max_size=11),
    word=st.text(alphabet="abcde", min_size=1, max_size=13),
)
def test_highlighted_words_follow_meilisearch_typo_rules(query: str, word: str) -> None:
    # a trailing space makes it a whole word rather than a prefix
    matcher = HighlightMatcher(query_words(query + " "))
    highlighted = list(matcher.spans(word)) == [(0, len(word))]
    typos = meilisearch_typos(query, word)
    assert highlighted == (typos <= budget(query)), (query, word, typos)


def index_match(query_term: str, typos: int, prefix: bool, term: str) -> bool:
    """The definition the index applies: edit distance between first-letter-doubled terms."""
    last_row = distance_table(query_term, term)[len(query_term)]
    return (min(last_row) if prefix else last_row[-1]) <= typos


async def test_the_index_matches_words_by_the_same_definition(tmp_path: Path) -> None:
    rng = random.Random(5)  # noqa: S311 - test data, not a secret
    words = sorted(
        {"".join(rng.choice("abcd") for _ in range(rng.randint(2, 11))) for _ in range(400)}
    )
    spec = IndexSpec(
        name="words",
        primary_key="id",
        fields=(Field("id", FieldKind.KEYWORD), Field("word", FieldKind.TEXT)),
        searchable=("word",),
    )
    engine = TantivyEngine(tmp_path / "words", spec)
    try:
        await engine.apply_settings()
        await engine.upsert({"id": str(i), "word": w} for i, w in enumerate(words))
        for _ in range(80):
            query = list(rng.choice(words))
            for _ in range(rng.randint(0, 3)):  # a few random edits
                i = rng.randrange(len(query))
                query[i : i + 1] = rng.choice(
                    [[], [rng.choice("abcd")], [query[i], rng.choice("abcd")]]
                )
            text = "".join(query) or "a"
            prefix = rng.random() < 0.5
            [word] = query_words(text if prefix else text + " ")
            result = await engine.search(
                SearchQuery(text=text if prefix else text + " ", per_page=1000)
            )
            found = {words[int(hit.id)] for hit in result.hits}
            expected = {
                w for w in words if index_match(word.term, word.typos, prefix, terms_of_word(w)[0])
            }
            assert found == expected, (text, prefix)
            # and Meilisearch's rule for whole words, which the doubled first letter encodes
            if not prefix:
                rule = {w for w in words if meilisearch_typos(text, w) <= budget(text)}
                assert found == rule, text
    finally:
        await engine.close()


@settings(deadline=None)
@given(
    query=st.text(alphabet="abcdeÉ", min_size=1, max_size=11),
    text=st.lists(st.text(alphabet="abcdeAÉé", min_size=1, max_size=13), min_size=1, max_size=6),
    prefix=st.booleans(),
)
def test_highlighting_finds_exactly_the_words_the_index_matches(
    query: str, text: list[str], prefix: bool
) -> None:
    [word] = query_words(query if prefix else query + " ")
    matcher = HighlightMatcher([word])
    joined = " ".join(text)
    found = {joined[a:b] for a, b in matcher.spans(joined)}
    expected = {
        w
        for w in text
        if any(index_match(word.term, word.typos, prefix, t) for t in terms_of_word(w))
    }
    assert found == expected


@settings(deadline=None)
@given(
    query=st.text(alphabet="abc", min_size=1, max_size=6),
    word=st.text(alphabet="abc", min_size=1, max_size=9),
)
def test_the_last_word_highlights_as_a_prefix(query: str, word: str) -> None:
    matcher = HighlightMatcher(query_words(query))
    highlighted = bool(list(matcher.spans(word)))
    if word.startswith(query):
        assert highlighted


@given(
    values=st.lists(
        st.tuples(st.text(max_size=8), st.text(min_size=1, max_size=4)), min_size=2, max_size=12
    )
)
def test_text_sort_keys_order_like_the_folded_text_then_the_id(values: list[Any]) -> None:
    keyed = [(value, pk) for value, pk in values]
    ascending = sorted(keyed, key=lambda v: sort_key(FieldKind.KEYWORD, [v[0]], v[1], False))
    assert [(fold_for_sort(v), pk) for v, pk in ascending] == sorted(
        (fold_for_sort(v), pk) for v, pk in keyed
    )
    descending = sorted(keyed, key=lambda v: sort_key(FieldKind.KEYWORD, [v[0]], v[1], True))
    expected = sorted(((fold_for_sort(v), pk) for v, pk in keyed), key=lambda t: t[1])
    expected = sorted(expected, key=lambda t: t[0].encode(), reverse=True)
    assert [(fold_for_sort(v), pk) for v, pk in descending] == expected


@given(
    values=st.lists(
        st.tuples(st.integers(-(2**63), 2**63 - 1), st.text(min_size=1, max_size=4)),
        min_size=2,
        max_size=12,
    )
)
def test_integer_sort_keys_order_numerically_then_by_id(values: list[Any]) -> None:
    ascending = sorted(values, key=lambda v: sort_key(FieldKind.INTEGER, [v[0]], v[1], False))
    assert ascending == sorted(values, key=lambda v: (v[0], v[1]))
    descending = sorted(values, key=lambda v: sort_key(FieldKind.INTEGER, [v[0]], v[1], True))
    assert descending == sorted(values, key=lambda v: (-v[0], v[1]))
