"""Both engines give the same hits in the same order, on the contract corpus and the seed catalogue.

Runs against a Meilisearch server when `MEILI_URL` is set (skipped otherwise, saying why): each
side indexes the same documents in the same order (the order breaks ties on both), and every
query's whole list of hits, filters and all, must come back alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import MEILI_URL, NO_MEILI, drop_meili_indexes, make_engine
from search_corpus import CORPUS, SPEC

from search import IndexSpec, SearchQuery

pytestmark = [pytest.mark.meili, pytest.mark.skipif(not MEILI_URL, reason=NO_MEILI)]

CORPUS_QUERIES = [
    "telecare",
    "tele",
    "telecrae",
    "digital",
    "digital platform",
    "school transport",
    "school transport framework",
    "procurment",
    '"digital phone lines"',
    "digital -telecare",
    'school -"school transport"',
    "tele care",
    "gritbins",
    "council",
    "alarm",
    "framework",
]

SEED_QUERIES = [
    "recr",
    "digital",
    "procurment",
    "procurement",
    '"case management"',
    "council -civtech",
    "cityregion",
    "civ tech",
    "civtech",
    "glasgow",
    "data",
    "social care",
    "framework",
    "challenge",
    "shared service",
]


async def same_order(
    tmp_path: Path,
    spec: IndexSpec,
    documents: list[dict[str, Any]],
    queries: list[str],
    filters: list[dict[str, list[str]]],
) -> None:
    embedded = make_engine("tantivy", tmp_path, spec)
    server = make_engine("meilisearch", tmp_path, spec)
    try:
        for engine in (embedded, server):
            await engine.apply_settings()
            await engine.upsert(documents)
        differences = []
        for text in queries:
            for wanted in [{}, *filters]:
                query = SearchQuery(text=text, filters=wanted, per_page=100)
                ours = [hit.id for hit in (await embedded.search(query)).hits]
                theirs = [hit.id for hit in (await server.search(query)).hits]
                if ours != theirs:
                    differences.append(f"{text!r} {wanted}: embedded {ours}, meilisearch {theirs}")
        assert not differences, "\n".join(differences)
    finally:
        await drop_meili_indexes(server)
        await embedded.close()
        await server.close()


async def test_the_same_order_on_the_contract_corpus(tmp_path: Path) -> None:
    await same_order(tmp_path, SPEC, CORPUS, CORPUS_QUERIES, [{"kind": ["platform"]}])


async def test_the_same_order_on_the_seed_catalogue(tmp_path: Path, seeded_index: Any) -> None:
    from registry import indexing

    # the seed catalogue's documents, in the order its index holds them
    listing = await seeded_index.search(SearchQuery(per_page=1000))
    documents = [hit.document for hit in listing.hits]
    spec = indexing.solutions_spec()
    await same_order(tmp_path, spec, documents, SEED_QUERIES, [{"kind": ["platform"]}])
