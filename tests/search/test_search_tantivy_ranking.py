"""The embedded engine's query syntax and order, rule by rule, as Meilisearch documents them.

Each ranking test indexes a few documents in the opposite order to the one expected, so that only
the rule under test (and not the order of writing, which breaks ties) can put them right.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from search_corpus import CORPUS, SPEC

from search import SearchQuery
from search.query_syntax import parse, query_problem
from search.tantivy import TantivyEngine

pytestmark = pytest.mark.no_database


def doc(id: str, title: str, summary: str = "", **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "kind": "platform",
        "status": "live",
        "title": title,
        "summary": summary,
        "tags": fields.get("tags", []),
        "owner_name": "",
        "description": fields.get("description", ""),
        "owner": "glenmorie",
        "service_areas": [],
        "adopters": [],
        "interest_count": 0,
        "updated": 0,
        "title_sort": title.lower(),
    }


@pytest.fixture
async def corpus(tmp_path: Path) -> AsyncIterator[TantivyEngine]:
    engine = TantivyEngine(tmp_path / "corpus", SPEC)
    await engine.apply_settings()
    await engine.upsert(CORPUS)
    yield engine
    await engine.close()


@pytest.fixture
async def small(tmp_path: Path) -> AsyncIterator[Any]:
    engines: list[TantivyEngine] = []

    async def make(*documents: dict[str, Any]) -> TantivyEngine:
        engine = TantivyEngine(tmp_path / f"small{len(engines)}", SPEC)
        engines.append(engine)
        await engine.apply_settings()
        await engine.upsert(list(documents))
        return engine

    yield make
    for engine in engines:
        await engine.close()


async def ids(engine: TantivyEngine, text: str) -> list[str]:
    return [hit.id for hit in (await engine.search(SearchQuery(text=text, per_page=50))).hits]


# -- query syntax ---------------------------------------------------------------------------------


def test_the_parser_reads_phrases_and_exclusions_as_meilisearch_does() -> None:
    parsed = parse('council -civtech "case management" -"joint procurement" e-mail')
    assert [t.words for t in parsed.terms] == [
        ("council",),
        ("case", "management"),
        ("e",),
        ("mail",),
    ]
    assert parsed.terms[1].phrase
    assert parsed.terms[-1].prefix
    assert not parsed.terms[0].prefix
    assert parsed.excluded_words == ("civtech",)
    assert parsed.excluded_phrases == (("joint", "procurement"),)
    # a quote left open runs to the end; only ten terms count
    assert parse('a "b c').terms[1].words == ("b", "c")
    assert len(parse(" ".join(f"w{i}" for i in range(15))).terms) == 10


def test_too_many_exclusions_or_a_phrase_too_long_is_refused_with_a_reason() -> None:
    assert query_problem("council -civtech") is None
    assert "exclude at most" in (query_problem(" ".join(f"-w{i}" for i in range(11))) or "")
    assert "at most" in (query_problem('"' + " ".join(f"w{i}" for i in range(11)) + '"') or "")


async def test_a_phrase_finds_its_words_next_to_each_other_only(corpus: TantivyEngine) -> None:
    assert await ids(corpus, '"digital phone lines"') == ["alarm-switchover"]
    # the same words without quotes find more
    assert len(await ids(corpus, "digital phone lines")) > 1
    # no typos inside a phrase
    assert await ids(corpus, '"digital phnoe lines"') == []


async def test_excluded_words_and_phrases_leave_documents_out(corpus: TantivyEngine) -> None:
    assert set(await ids(corpus, "digital")) >= {"telecare-hub", "alarm-switchover"}
    kept = await ids(corpus, "digital -telecare")
    assert "telecare-hub" not in kept
    assert "alarm-switchover" not in kept
    assert set(kept) == {"waste-routes", "benefits-method"}
    assert await ids(corpus, 'school -"school transport"') == ["school-meals"]
    # an exclusion alone lists everything else
    result = await corpus.search(SearchQuery(text="-telecare", per_page=50))
    assert result.total == len(CORPUS) - 2


async def test_a_word_written_apart_or_together_is_found(corpus: TantivyEngine) -> None:
    # two query words matching one indexed word
    assert set(await ids(corpus, "tele care")) == {"telecare-hub", "alarm-switchover"}
    # one query word matching two adjacent indexed words
    assert await ids(corpus, "gritbins") == ["grit-bins"]


async def test_the_mistyped_last_word_is_marked_in_summaries_and_tags(small: Any) -> None:
    engine = await small(
        doc(
            "a",
            "Shared buying",
            "A procurement of case management software",
            tags=["joint procurement"],
        ),
    )
    (hit,) = (await engine.search(SearchQuery(text="procurment"))).hits
    assert hit.highlights["summary"] == "A <mark>procurement</mark> of case management software"
    assert hit.highlights["tags"] == "joint <mark>procurement</mark>"


async def test_a_prefix_marks_the_whole_word(small: Any) -> None:
    engine = await small(doc("a", "Recruitment portal"))
    (hit,) = (await engine.search(SearchQuery(text="recr"))).hits
    assert hit.highlights["title"] == "<mark>Recruitment</mark> portal"


# -- ranking rules, in Meilisearch's order ------------------------------------------------------


async def test_words_more_leading_query_words_matched_first(small: Any) -> None:
    engine = await small(
        doc("first-and-third", "harbour ferry"),
        doc("first-only", "harbour"),
        doc("first-two", "harbour pier"),
    )
    # "last" strategy: words are dropped from the end, so harbour+pier beats harbour+ferry
    assert (await ids(engine, "harbour pier ferry"))[0] == "first-two"


async def test_typo_fewer_typos_first_whatever_the_field(small: Any) -> None:
    engine = await small(
        doc("typo-in-title", "Marmelade stall"),
        doc("exact-in-description", "Stall", description="Fine marmalade"),
    )
    assert await ids(engine, "marmalade") == ["exact-in-description", "typo-in-title"]


async def test_proximity_words_close_together_first_whatever_the_field(small: Any) -> None:
    engine = await small(
        doc("apart-in-title", "river walk past the old mill to a bridge"),
        doc("together-in-description", "Crossing", description="The river bridge repairs"),
    )
    assert await ids(engine, "river bridge") == ["together-in-description", "apart-in-title"]


async def test_attribute_an_earlier_field_then_an_earlier_position_first(small: Any) -> None:
    engine = await small(
        doc("in-summary", "Lanterns", "beacon lights"),
        doc("late-in-title", "harbour lights and the beacon"),
        doc("early-in-title", "beacon on the harbour wall"),
    )
    assert await ids(engine, "beacon") == ["early-in-title", "late-in-title", "in-summary"]


async def test_exactness_a_field_that_is_the_query_then_words_as_typed(small: Any) -> None:
    engine = await small(
        doc("starts-with", "Harbour lights"),
        doc("exactly", "Harbour"),
    )
    assert await ids(engine, "harbour") == ["exactly", "starts-with"]
    engine = await small(
        doc("prefix-match", "Harbours"),
        doc("as-typed", "Harbour"),
    )
    assert await ids(engine, "harbour") == ["as-typed", "prefix-match"]


async def test_ties_keep_the_order_documents_were_written_in(small: Any) -> None:
    engine = await small(doc("zz-first", "Lighthouse"), doc("aa-second", "Lighthouse"))
    assert await ids(engine, "lighthouse") == ["zz-first", "aa-second"]


async def test_a_search_with_many_matches_orders_its_first_hits_by_the_rules(small) -> None:
    # sixty documents of the same length match both words; one has them side by side, written
    # sixth: only the proximity rule can put it first among more matches than are ranked exactly
    documents = [
        doc(f"d{n:02}", "wheelie collection rota" + (" bin" if n != 5 else "")) for n in range(60)
    ]
    documents[5] = doc("d05", "wheelie bin collection rota")
    engine = await small(*documents)
    first = await engine.search(SearchQuery(text="wheelie bin", per_page=5))
    assert first.total == 60
    assert first.hits[0].id == "d05"

    # paging through every hit, in pages that straddle the ranked window, shows each once
    seen: list[str] = []
    for page in range(1, 10):
        result = await engine.search(SearchQuery(text="wheelie bin", per_page=7, page=page))
        seen += [hit.id for hit in result.hits]
    assert sorted(seen) == sorted(d["id"] for d in documents)
