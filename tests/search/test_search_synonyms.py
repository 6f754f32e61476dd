"""Synonyms on every engine: a word or phrase finds what its equivalents name, and is marked there.

Each test runs on the embedded engine, on the Meilisearch engine against the fake server (which
applies the `synonyms` setting as Meilisearch v1.50.0 does) and, when `MEILI_URL` is set, on a
real Meilisearch server.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import MEILI_URL, NO_MEILI, drop_meili_indexes, make_engine
from fake_meilisearch import SCOPED_KEY, serve
from search_corpus import SPEC, _doc

from search import SearchQuery, SearchResult
from search.meilisearch import MeiliEngine
from search.synonyms import MAX_EXPANSIONS, SynonymTable, fold, mutual
from search.tantivy import TantivyEngine

pytestmark = pytest.mark.no_database

DOCS = [
    _doc(
        "m365-federation",
        "programme",
        "live",
        "Microsoft 365 federation",
        "Councils sharing one tenant for email and documents",
    ),
    _doc(
        "org-design",
        "component",
        "live",
        "Organisation design toolkit",
        "Templates for restructuring a council's organisation",
    ),
    _doc(
        "hr-system",
        "platform",
        "live",
        "Human resources and payroll",
        "One system for pay, absence and recruitment",
    ),
    _doc(
        "rpa-framework",
        "procurement",
        "live",
        "Robotic process automation framework",
        "Software robots for repetitive back-office tasks",
    ),
    _doc(
        "telecare-hub",
        "platform",
        "live",
        "Digital telecare hub",
        "Alarm monitoring for people at home",
    ),
]

GROUPS = [
    ["M365", "O365", "Office 365", "Microsoft 365"],
    ["organisation", "organization"],
    ["HR", "human resources", "workforce"],
    ["RPA", "robotic process automation"],
]


@pytest.fixture(
    params=[
        "tantivy",
        "fake-meilisearch",
        pytest.param(
            "meilisearch",
            marks=[pytest.mark.meili, pytest.mark.skipif(not MEILI_URL, reason=NO_MEILI)],
        ),
    ]
)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    if request.param == "fake-meilisearch":
        with serve() as (_, url):
            spec = replace(SPEC, name=f"solutions_{uuid.uuid4().hex[:8]}")
            engine = MeiliEngine(url, SCOPED_KEY, spec, timeout=2)
            await engine.apply_settings()
            await engine.upsert(DOCS)
            yield engine
            await engine.close()
        return
    engine = make_engine(request.param, tmp_path)
    await engine.apply_settings()
    await engine.upsert(DOCS)
    yield engine
    if isinstance(engine, MeiliEngine):
        await drop_meili_indexes(engine)
    await engine.close()


def ids(result: SearchResult) -> set[str]:
    return {hit.id for hit in result.hits}


async def test_without_synonyms_the_words_find_only_themselves(engine: Any) -> None:
    assert ids(await engine.search(SearchQuery(text="M365"))) == set()
    assert ids(await engine.search(SearchQuery(text="HR"))) == set()


async def test_an_abbreviation_finds_what_it_stands_for(engine: Any) -> None:
    await engine.set_synonyms(mutual(GROUPS))
    assert ids(await engine.search(SearchQuery(text="M365"))) == {"m365-federation"}
    assert ids(await engine.search(SearchQuery(text="o365"))) == {"m365-federation"}
    assert ids(await engine.search(SearchQuery(text="RPA"))) == {"rpa-framework"}


async def test_a_phrase_finds_its_equivalent(engine: Any) -> None:
    await engine.set_synonyms(mutual(GROUPS))
    # ("office" alone also finds "back-office": fewer words matched, ranked after)
    result = await engine.search(SearchQuery(text="office 365"))
    assert result.hits[0].id == "m365-federation"
    result = await engine.search(SearchQuery(text="office 365 federation"))
    assert result.hits[0].id == "m365-federation"


async def test_american_spelling_finds_the_british(engine: Any) -> None:
    await engine.set_synonyms(mutual(GROUPS))
    assert ids(await engine.search(SearchQuery(text="organization"))) == {"org-design"}
    assert ids(await engine.search(SearchQuery(text="organization design"))) == {"org-design"}


async def test_hr_finds_human_resources(engine: Any) -> None:
    await engine.set_synonyms(mutual(GROUPS))
    assert ids(await engine.search(SearchQuery(text="HR"))) == {"hr-system"}
    assert ids(await engine.search(SearchQuery(text="workforce"))) == {"hr-system"}


async def test_the_equivalent_found_is_marked(engine: Any) -> None:
    await engine.set_synonyms(mutual(GROUPS))
    result = await engine.search(SearchQuery(text="organization"))
    assert "<mark>Organisation</mark> design toolkit" in result.hits[0].highlights["title"]
    result = await engine.search(SearchQuery(text="HR"))
    title = result.hits[0].highlights["title"]
    assert "<mark>Human</mark>" in title
    assert "<mark>resources</mark>" in title


async def test_a_change_replaces_the_synonyms_before(engine: Any) -> None:
    await engine.set_synonyms(mutual(GROUPS))
    assert ids(await engine.search(SearchQuery(text="workforce"))) == {"hr-system"}
    await engine.set_synonyms(mutual([["HR", "human resources"]]))
    assert ids(await engine.search(SearchQuery(text="workforce"))) == set()
    assert ids(await engine.search(SearchQuery(text="HR"))) == {"hr-system"}
    await engine.set_synonyms({})
    assert ids(await engine.search(SearchQuery(text="HR"))) == set()


async def test_synonyms_survive_a_rebuild(engine: Any) -> None:
    await engine.set_synonyms(mutual(GROUPS))
    await engine.rebuild(DOCS)
    assert ids(await engine.search(SearchQuery(text="M365"))) == {"m365-federation"}


async def test_another_process_sees_the_change(tmp_path: Path) -> None:
    """Two embedded engines on one directory stand for two server processes."""
    first = TantivyEngine(tmp_path / "search", SPEC)
    await first.apply_settings()
    await first.upsert(DOCS)
    second = TantivyEngine(tmp_path / "search", SPEC)
    try:
        assert ids(await second.search(SearchQuery(text="M365"))) == set()
        await first.set_synonyms(mutual(GROUPS))
        assert ids(await second.search(SearchQuery(text="M365"))) == {"m365-federation"}
    finally:
        await first.close()
        await second.close()


def test_lookups_are_bounded_and_fold_case_and_accents() -> None:
    assert fold("Résumé  CV") == ("resume", "cv")
    table = SynonymTable({"Résumé": ["CV"], "a b c d": ["long"]})
    assert [e.words for e in table.expansions(["resume"], [False])] == [("cv",)]
    # a term of more than three words is never looked up (as in Meilisearch)
    assert table.expansions(["a", "b", "c", "d"], [False, True, True, True]) == []
    many = SynonymTable({"x": [f"w{i}" for i in range(50)]})
    assert len(many.expansions(["x", "x"], [False, True])) == MAX_EXPANSIONS
    with pytest.raises(ValueError, match="longer than"):
        SynonymTable({"x": ["y" * 51]})
