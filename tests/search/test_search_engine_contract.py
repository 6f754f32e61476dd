"""The contract every search engine keeps, checked against real engines with a synthetic corpus.

Each test runs on the embedded Tantivy engine and, when `MEILI_URL` is set, on Meilisearch, and
asserts what a user of the registry would see: which solutions come back, in what order, how
many, with which facet counts and highlights.
"""

from __future__ import annotations

import asyncio
import copy
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from search_corpus import CORPUS

from search import MAX_TOTAL_HITS, SearchQuery, SearchResult, SortField

pytestmark = pytest.mark.no_database

BY_ID = {d["id"]: d for d in CORPUS}


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


async def everything(engine: Any, query: SearchQuery) -> list[str]:
    """Every hit's id over all pages of `query`."""
    found: list[str] = []
    page = 1
    while True:
        result = await engine.search(
            SearchQuery(
                text=query.text,
                filters=query.filters,
                sort=query.sort,
                page=page,
                per_page=query.per_page,
            )
        )
        found.extend(ids(result))
        if page * query.per_page >= result.total:
            return found
        page += 1


def matching(filters: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The corpus documents a filter should keep: OR within a field, AND across fields."""

    def keeps(doc: dict[str, Any]) -> bool:
        for name, wanted in filters.items():
            value = doc.get(name)
            values = value if isinstance(value, list) else [value]
            if not set(values) & set(wanted):
                return False
        return True

    return [d for d in CORPUS if keeps(d)]


def facet_counts(docs: list[dict[str, Any]], name: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for doc in docs:
        value = doc.get(name)
        for v in set(value if isinstance(value, list) else [value]):
            counts[str(v)] += 1
    return dict(counts)


# -- typo tolerance and prefixes ------------------------------------------------------------


async def test_one_typo_is_forgiven_from_five_letters(engine: Any) -> None:
    result = await engine.search(SearchQuery(text="telecrae"))
    assert set(ids(result)) == {"telecare-hub", "alarm-switchover"}


async def test_no_typo_is_forgiven_under_five_letters(engine: Any) -> None:
    assert ids(await engine.search(SearchQuery(text="grit"))) == ["grit-bins"]
    assert (await engine.search(SearchQuery(text="grti"))).total == 0


async def test_two_typos_are_forgiven_from_nine_letters_only(engine: Any) -> None:
    expected = {"school-transport", "library-joint"}
    assert set(ids(await engine.search(SearchQuery(text="procurment")))) == expected
    assert set(ids(await engine.search(SearchQuery(text="prcurment")))) == expected
    # eight letters with two typos: too far
    assert (await engine.search(SearchQuery(text="telcarre"))).total == 0


async def test_a_typo_on_the_first_letter_counts_double(engine: Any) -> None:
    assert (await engine.search(SearchQuery(text="pelecare"))).total == 0
    found = await engine.search(SearchQuery(text="xrocurement"))
    assert set(ids(found)) == {"school-transport", "library-joint"}


async def test_the_last_word_matches_as_a_prefix(engine: Any) -> None:
    result = await engine.search(SearchQuery(text="tele"))
    assert set(ids(result)) == {"telecare-hub", "alarm-switchover", "phone-platform"}
    # an earlier word must be whole
    assert (await engine.search(SearchQuery(text="tele platform"))).total == 0


async def test_matching_ignores_case_and_accents(engine: Any) -> None:
    assert ids(await engine.search(SearchQuery(text="cafe gaidhlig"))) == ["gaelic-cafe"]
    assert ids(await engine.search(SearchQuery(text="GÀIDHLIG"))) == ["gaelic-cafe"]
    assert ids(await engine.search(SearchQuery(text="Digital TELECARE hub")))[0] == "telecare-hub"


# -- relevance ------------------------------------------------------------------------------


async def test_documents_with_all_words_come_before_partial_matches(engine: Any) -> None:
    result = await engine.search(SearchQuery(text="digital alarm"))
    order = ids(result)
    assert set(order[:2]) == {"telecare-hub", "alarm-switchover"}
    # documents with only the first word still come, afterwards
    assert set(order[2:]) == {"waste-routes", "benefits-method"}
    assert result.total == 4


async def test_the_first_word_is_required(engine: Any) -> None:
    # like Meilisearch's default strategy, words are dropped from the end, never the start
    assert (await engine.search(SearchQuery(text="zebracrossing telecare"))).total == 0


async def test_a_match_in_an_earlier_field_ranks_higher(engine: Any) -> None:
    result = await engine.search(SearchQuery(text="quillon"))
    assert ids(result) == ["quillon-title", "quillon-description"]


async def test_an_exact_word_outranks_a_typo(engine: Any) -> None:
    await engine.upsert(
        [
            {
                **BY_ID["grit-bins"],
                "id": "aa-typo",
                "title": "Sensor for gullies",
                "title_sort": "a",
            },
            {
                **BY_ID["grit-bins"],
                "id": "zz-exact",
                "title": "Sensors for gullies",
                "title_sort": "z",
            },
        ]
    )
    result = await engine.search(SearchQuery(text="sensors gullies"))
    assert ids(result)[:2] == ["zz-exact", "aa-typo"]


# -- filters and facets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        {"kind": ["platform"]},
        {"kind": ["platform", "component"]},
        {"kind": ["procurement"], "status": ["live"]},
        {"service_areas": ["education"]},
        {"service_areas": ["roads", "housing"], "status": ["live", "pilot"]},
        {"adopters": ["kilbrannoch"], "kind": ["platform", "component"]},
        {"interest_count": [7, 9]},
        {"owner": ["no-such-council"]},
    ],
    ids=lambda f: ",".join(f"{k}={'|'.join(map(str, v))}" for k, v in f.items()),
)
async def test_filters_are_exact_and_facets_count_the_filtered_set(
    engine: Any, filters: dict[str, list[Any]]
) -> None:
    facets = ("kind", "status", "owner", "service_areas", "adopters")
    result = await engine.search(SearchQuery(filters=filters, facets=facets, per_page=100))
    expected = matching(filters)
    assert sorted(ids(result)) == sorted(d["id"] for d in expected)
    assert result.total == len(expected)
    for name in facets:
        assert result.facets[name] == facet_counts(expected, name), name


async def test_filters_do_not_match_part_of_a_value(engine: Any) -> None:
    for almost in ("social", "care", "social car", "social care education"):
        result = await engine.search(SearchQuery(filters={"service_areas": [almost]}))
        assert result.total == 0, almost


async def test_facets_follow_the_text_as_well_as_the_filters(engine: Any) -> None:
    query = SearchQuery(text="digital", filters={"status": ["live"]}, facets=("kind", "adopters"))
    result = await engine.search(query)
    found = [BY_ID[i] for i in await everything(engine, query)]
    assert result.total == len(found) > 0
    assert all(d["status"] == "live" for d in found)
    assert result.facets["kind"] == facet_counts(found, "kind")
    assert result.facets["adopters"] == facet_counts(found, "adopters")


async def test_facet_counts_follow_writes(engine: Any) -> None:
    query = SearchQuery(facets=("adopters", "kind"))
    before = await engine.search(query)
    assert before.facets["adopters"] == facet_counts(CORPUS, "adopters")
    changed = {**BY_ID["grit-bins"], "adopters": ["newtown"], "kind": "platform"}
    await engine.delete(["waste-routes"])
    await engine.upsert([changed])
    now = [changed if d["id"] == "grit-bins" else d for d in CORPUS if d["id"] != "waste-routes"]
    after = await engine.search(query)
    assert after.facets["adopters"] == facet_counts(now, "adopters")
    assert after.facets["kind"] == facet_counts(now, "kind")


async def test_an_empty_query_lists_everything_with_filters_and_facets(engine: Any) -> None:
    everything_ = await engine.search(SearchQuery(per_page=100, facets=("status",)))
    assert sorted(ids(everything_)) == sorted(BY_ID)
    assert everything_.facets["status"] == facet_counts(CORPUS, "status")
    retired = await engine.search(SearchQuery(filters={"status": ["retired"]}))
    assert sorted(ids(retired)) == ["library-joint", "planning-portal"]


# -- sorting and pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        (
            (SortField("interest_count", descending=True),),
            lambda d: (-d["interest_count"], d["id"]),
        ),
        ((SortField("interest_count"),), lambda d: (d["interest_count"], d["id"])),
        ((SortField("title_sort"),), lambda d: (d["title_sort"], d["id"])),
        ((SortField("updated", descending=True),), lambda d: (-d["updated"], d["id"])),
        (
            (SortField("interest_count", descending=True), SortField("title_sort")),
            lambda d: (-d["interest_count"], d["title_sort"], d["id"]),
        ),
    ],
    ids=["most-interest", "least-interest", "title", "newest", "interest-then-title"],
)
async def test_sorting_is_stable_with_ties_broken_by_id(
    engine: Any, sort: tuple[SortField, ...], key: Callable[[dict[str, Any]], Any]
) -> None:
    found = await everything(engine, SearchQuery(sort=sort, per_page=3))
    assert found == [d["id"] for d in sorted(CORPUS, key=key)]


async def test_sorting_applies_to_text_results_too(engine: Any) -> None:
    sort = (SortField("interest_count", descending=True),)
    result = await engine.search(SearchQuery(text="digital", sort=sort))
    counts = [BY_ID[i]["interest_count"] for i in ids(result)]
    assert counts == sorted(counts, reverse=True)
    assert len(counts) == result.total == 4


@pytest.mark.parametrize("text", ["", "digital", "council", "framework"])
async def test_pages_cover_every_hit_exactly_once(engine: Any, text: str) -> None:
    whole = await engine.search(SearchQuery(text=text, per_page=100))
    paged = await everything(engine, SearchQuery(text=text, per_page=3))
    assert len(paged) == len(set(paged)) == whole.total
    assert set(paged) == set(ids(whole))
    again = await everything(engine, SearchQuery(text=text, per_page=3))
    assert again == paged


async def test_a_page_past_the_end_is_empty_but_keeps_the_total(engine: Any) -> None:
    result = await engine.search(SearchQuery(page=50, per_page=10))
    assert result.hits == []
    assert result.total == len(CORPUS)


# -- writes ---------------------------------------------------------------------------------


async def test_deleted_documents_are_gone(engine: Any) -> None:
    await engine.delete(["grit-bins", "no-such-id"])
    assert (await engine.search(SearchQuery(text="grit"))).total == 0
    assert await engine.count() == len(CORPUS) - 1


async def test_upsert_replaces_a_document(engine: Any) -> None:
    changed = {**BY_ID["grit-bins"], "title": "Winter salt stores", "interest_count": 99}
    await engine.upsert([changed])
    assert (await engine.search(SearchQuery(text="bins"))).total == 0
    result = await engine.search(SearchQuery(text="salt"))
    assert ids(result) == ["grit-bins"]
    assert result.hits[0].document["interest_count"] == 99
    assert await engine.count() == len(CORPUS)


async def test_hits_carry_the_document_as_stored(engine: Any) -> None:
    result = await engine.search(SearchQuery(text="quillon sensors"))
    assert result.hits[0].document == BY_ID["quillon-title"]


async def test_a_document_that_does_not_fit_the_spec_is_refused(empty_engine: Any) -> None:
    with pytest.raises(ValueError, match="interest_count"):
        await empty_engine.upsert([{**CORPUS[0], "interest_count": "lots"}])
    with pytest.raises(ValueError, match="primary key"):
        await empty_engine.upsert([{"title": "No id"}])


async def test_fingerprints_give_every_document_once(engine: Any) -> None:
    fingerprints = await engine.fingerprints("updated")
    assert fingerprints == {d["id"]: d["updated"] for d in CORPUS}


async def test_health_reports_an_answering_engine(engine: Any) -> None:
    health = await engine.health()
    assert health.ok


# -- rebuilding -----------------------------------------------------------------------------


def renewed_corpus() -> list[dict[str, Any]]:
    docs = copy.deepcopy(CORPUS[:-1])  # one solution fewer
    docs.append(
        {**CORPUS[0], "id": "zanzibar", "title": "Zanzibar ferry tickets", "title_sort": "zanzibar"}
    )
    return docs


async def batches(docs: list[dict[str, Any]], size: int, pause: float) -> AsyncIterator[list[Any]]:
    for start in range(0, len(docs), size):
        await asyncio.sleep(pause)
        yield docs[start : start + size]


async def test_rebuild_swaps_in_a_new_index_while_searches_are_answered(engine: Any) -> None:
    renewed = renewed_corpus()
    progress: list[int] = []
    rebuild = asyncio.create_task(engine.rebuild(batches(renewed, 3, 0.02), progress.append))
    seen: list[tuple[int, int]] = []
    while not rebuild.done():
        new = await engine.search(SearchQuery(text="zanzibar"))
        listing = await engine.search(SearchQuery(per_page=1))
        seen.append((new.total, listing.total))
        await asyncio.sleep(0.005)
    assert await rebuild == len(renewed)
    assert len(seen) > 3, "the rebuild finished before searches could run alongside it"
    # every answer came wholly from the old index or wholly from the new one, old first
    assert set(seen) <= {(0, len(CORPUS)), (1, len(renewed))}
    assert seen == sorted(seen)
    assert ids(await engine.search(SearchQuery(text="zanzibar"))) == ["zanzibar"]
    assert (await engine.search(SearchQuery(text="parking"))).total == 0
    assert await engine.count() == len(renewed)
    assert progress[-1] == len(renewed)
    assert progress == sorted(progress)


async def test_rebuild_from_a_plain_iterable(engine: Any) -> None:
    renewed = renewed_corpus()
    assert await engine.rebuild(iter(renewed)) == len(renewed)
    assert ids(await engine.search(SearchQuery(text="zanzibar"))) == ["zanzibar"]


async def test_a_failed_rebuild_leaves_the_old_index_serving(engine: Any) -> None:
    async def failing() -> AsyncIterator[list[Any]]:
        yield renewed_corpus()[:5]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        await engine.rebuild(failing())
    assert await engine.count() == len(CORPUS)
    assert (await engine.search(SearchQuery(text="zanzibar"))).total == 0
    assert ids(await engine.search(SearchQuery(text="parking"))) == ["parking-permits"]
    # and the next rebuild works
    assert await engine.rebuild(renewed_corpus()) == len(CORPUS)


async def test_three_concurrent_rebuilds_all_succeed_and_keep_the_index_whole(
    engine: Any,
) -> None:
    """As three `registry reindex` runs at once: on Meilisearch three processes (engines) on one
    index, on the embedded engine three calls of the one engine a process has."""
    from search.meilisearch import MeiliEngine

    if isinstance(engine, MeiliEngine):
        siblings = [
            MeiliEngine(engine.url, os.environ.get("MEILI_API_KEY"), engine.spec, batch_size=5)
            for _ in "ab"
        ]
    else:
        siblings = [engine, engine]
    renewed = renewed_corpus()
    try:
        counts = await asyncio.gather(
            engine.rebuild(iter(renewed)),
            *(sibling.rebuild(batches(renewed, 4, 0.001)) for sibling in siblings),
        )
    finally:
        for sibling in siblings:
            if sibling is not engine:
                await sibling.close()
    assert counts == [len(renewed)] * 3
    assert await engine.count() == len(renewed)
    assert ids(await engine.search(SearchQuery(text="zanzibar"))) == ["zanzibar"]
    # the settings came along: filters and facets still work
    result = await engine.search(SearchQuery(filters={"status": ["retired"]}, facets=("kind",)))
    expected = [d for d in renewed if d["status"] == "retired"]
    assert sorted(ids(result)) == sorted(d["id"] for d in expected)
    assert result.facets["kind"] == facet_counts(expected, "kind")


# -- highlights and validation --------------------------------------------------------------


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.marked: list[str] = []
        self._in_mark = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_mark += tag == "mark"

    def handle_endtag(self, tag: str) -> None:
        self._in_mark -= tag == "mark"

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_mark:
            self.marked.append(data)


def parse(fragment: str) -> _Markup:
    parser = _Markup()
    parser.feed(fragment)
    parser.close()
    return parser


async def test_highlights_escape_stored_markup_and_mark_only_matches(engine: Any) -> None:
    result = await engine.search(SearchQuery(text="alert"))
    assert ids(result) == ["unsafe-markup"]
    highlights = result.hits[0].highlights
    title = parse(highlights["title"])
    assert set(title.tags) == {"mark"}
    assert "".join(title.text) == "<script>alert(1)</script> widget"
    assert [m.lower() for m in title.marked] == ["alert"]
    summary = parse(highlights["summary"])
    assert summary.tags == []
    assert "".join(summary.text) == "A title with <b>markup</b> & an ampersand"


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("<script>alert(1)</script> widget", "alert"),
        ("<b>alarm</b> board", "alarm"),
        ("the (alarm) & <i>beacon</i>", "beacon"),
    ],
)
async def test_words_glued_to_markup_are_found_and_marked(
    engine: Any, title: str, word: str
) -> None:
    await engine.upsert([{**BY_ID["grit-bins"], "id": "glued", "title": title}])
    result = await engine.search(SearchQuery(text=word))
    hit = next(h for h in result.hits if h.id == "glued")
    assert hit.document["title"] == title
    shown = parse(hit.highlights["title"])
    assert "".join(shown.text) == title
    assert [m.lower() for m in shown.marked] == [word]


async def test_a_word_after_a_bracket_is_marked_whole(engine: Any) -> None:
    await engine.upsert(
        [{**BY_ID["grit-bins"], "id": "bracketed", "title": "the <zephyrine> flood"}]
    )
    [hit] = (await engine.search(SearchQuery(text="zephyrine"))).hits
    assert hit.highlights["title"] == "the &lt;<mark>zephyrine</mark>&gt; flood"


async def test_a_prefix_is_marked_as_the_whole_word(engine: Any) -> None:
    result = await engine.search(SearchQuery(text="telec"))
    hub = next(h for h in result.hits if h.id == "telecare-hub")
    assert [m.lower() for m in parse(hub.highlights["title"]).marked] == ["telecare"]


async def test_highlights_mark_typos_and_prefixes(engine: Any) -> None:
    result = await engine.search(SearchQuery(text="telecrae hu"))
    hub = next(h for h in result.hits if h.id == "telecare-hub")
    title = parse(hub.highlights["title"])
    assert set(title.tags) == {"mark"}
    assert "".join(title.text) == "Digital telecare hub"
    assert any(m.lower().startswith("telecare") for m in title.marked)
    assert any(m.lower().startswith("hu") for m in title.marked)
    assert not any("digital" in m.lower() for m in title.marked)


async def test_every_searchable_field_is_highlighted_even_without_text(engine: Any) -> None:
    result = await engine.search(SearchQuery(filters={"kind": ["challenge"]}))
    for hit in result.hits:
        for name in ("title", "summary", "owner_name"):
            assert "".join(parse(hit.highlights[name]).text) == hit.document[name]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (SearchQuery(filters={"colour": ["red"]}), "cannot filter on 'colour'"),
        (SearchQuery(filters={"title": ["Parking permits"]}), "cannot filter on 'title'"),
        (SearchQuery(sort=(SortField("kind"),)), "cannot sort on 'kind'"),
        (SearchQuery(facets=("title",)), "'title' is not a facet"),
        (SearchQuery(page=0), "page must be 1 or more"),
    ],
    ids=["unknown-filter", "unfilterable-field", "unsortable", "not-a-facet", "page-zero"],
)
async def test_names_outside_the_spec_are_refused(
    engine: Any, query: SearchQuery, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await engine.search(query)


async def test_filter_values_cannot_escape_their_literal(engine: Any) -> None:
    for hostile in ['live" OR status = "retired', 'live\\" OR kind EXISTS OR x = "', "live)"]:
        result = await engine.search(SearchQuery(filters={"status": [hostile]}))
        assert result.total == 0, hostile


async def test_a_cropped_field_comes_back_as_a_snippet_around_its_first_match(
    engine: Any,
) -> None:
    filler = " ".join(f"word{n}" for n in range(120))
    long = {
        **BY_ID["quillon-description"],
        "id": "long-description",
        "description": f"{filler} the <zephyrine> flood gauge {filler}",
    }
    await engine.upsert([long])
    query = SearchQuery(text="zephyrine", crop=("description",), crop_length=10)
    [hit] = (await engine.search(query)).hits
    cropped = hit.highlights["description"]
    words = "".join(parse(cropped).text).split()
    assert words[0].startswith("\u2026")
    assert words[-1].endswith("\u2026")
    assert len(words) <= 11
    assert parse(cropped).marked == ["zephyrine"]
    assert "&lt;" in cropped  # still escaped before marking
    whole = (await engine.search(SearchQuery(text="zephyrine"))).hits[0]
    assert len("".join(parse(whole.highlights["description"]).text).split()) > 200


async def test_only_searchable_fields_can_be_cropped(engine: Any) -> None:
    with pytest.raises(ValueError, match="cannot crop 'owner'"):
        await engine.search(SearchQuery(text="damp", crop=("owner",)))


async def test_listings_page_no_deeper_than_the_stated_cap(empty_engine: Any) -> None:
    many = [
        {**copy.deepcopy(CORPUS[n % len(CORPUS)]), "id": f"doc-{n:05d}"}
        for n in range(MAX_TOTAL_HITS + 50)
    ]
    await empty_engine.upsert(many)
    per_page = 100
    last = await empty_engine.search(SearchQuery(page=MAX_TOTAL_HITS // per_page, per_page=100))
    # the last page within the cap is whole, in primary-key order like every other page
    assert ids(last) == [f"doc-{n:05d}" for n in range(MAX_TOTAL_HITS - per_page, MAX_TOTAL_HITS)]
    # the total is counted up to the cap, as Meilisearch counts its totalHits
    assert last.total == MAX_TOTAL_HITS
    for beyond in (
        SearchQuery(page=MAX_TOTAL_HITS // per_page + 1, per_page=per_page),
        SearchQuery(page=10_000, per_page=100),
    ):
        with pytest.raises(ValueError, match="past the first 1000 hits"):
            await empty_engine.search(beyond)
