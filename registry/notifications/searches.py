"""Saved searches: a discover query string, checked as the discover page checks it, and whether a
solution matches one.

A saved search keeps what was asked (the words and the filters, and the sort for its link), not
which page. A new or newly published solution matches it exactly when the discover page with
the same parameters would list it: the search engine's own matching decides, typos, prefixes,
phrases, exclusions, synonyms and filters alike. The solution is not in the live index yet (its
change is still being written, and the index follows the committed database), so its document
is put alone into a throwaway embedded index, with the registry's synonyms, and each saved
search is asked of that index; a search that finds it there would find it on the live one.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from registry.catalogue.searching import FILTERS, SolutionSearch, parse, to_query
from registry.errors import ValidationFailed
from registry.tables import Follow
from search import SearchQuery

MAX_QUERY_CHARS = 2000
# What the discover page's address may carry that is not part of what was asked.
_NOT_ASKED = ("page", "per_page")


def parse_saved(query: str) -> SolutionSearch:
    """Check a discover query string (`q=telecare&kind=platform`, with or without the `?`)."""
    query = query.strip()
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationFailed(
            {"query": f"A search must be {MAX_QUERY_CHARS:,} characters or fewer"}
        )
    params = parse_qs(query.removeprefix("?"), keep_blank_values=False, max_num_fields=200)
    for name in _NOT_ASKED:
        params.pop(name, None)
    try:
        return parse(params)
    except ValidationFailed as exc:
        raise ValidationFailed({"query": f"This search cannot be saved: {exc.message}"}) from exc
    except ValueError as exc:  # more fields than max_num_fields
        raise ValidationFailed({"query": "This search has too many parts to save"}) from exc


def canonical(asked: SolutionSearch) -> str:
    """The one query string of a search, so the same search saved twice is one follow."""
    pairs: list[tuple[str, str]] = [("q", asked.text)] if asked.text else []
    for name in FILTERS:
        pairs += [(name, value) for value in asked.filters.get(name, [])]
    if asked.sort != ("relevance" if asked.text else "title"):
        pairs.append(("sort", asked.sort))
    return urlencode(pairs)


def _match_query(asked: SolutionSearch) -> SearchQuery:
    """The discover page's search of `asked`, reduced to whether anything matches."""
    return replace(to_query(asked), facets=(), page=1, per_page=1, crop=(), highlight=())


async def _found_by(document: Mapping[str, Any], searches: list[SolutionSearch]) -> list[bool]:
    """For each search, whether it finds `document`, asked of an index holding only it."""
    from registry.catalogue.synonyms import synonyms_mapping
    from registry.indexing import SPEC
    from search.tantivy import TantivyEngine

    directory = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="registry-saved-search-"))
    engine = TantivyEngine(directory / "solutions", SPEC, threads=1)
    try:
        await engine.apply_settings()
        await engine.set_synonyms(await synonyms_mapping())
        await engine.upsert([document])
        return [(await engine.search(_match_query(asked))).total > 0 for asked in searches]
    finally:
        await engine.close()
        await asyncio.to_thread(shutil.rmtree, directory, True)


async def matching_searches(solution_id: int) -> list[dict]:
    """The saved-search follows a published solution matches (none for a draft)."""
    from registry.indexing.documents import documents_for

    follows = await Follow.select(
        Follow.id, Follow.user, Follow.delivery, Follow.name, Follow.query
    ).where(Follow.target_type == "search")
    if not follows:
        return []
    documents, _ = await documents_for([solution_id])
    if not documents:
        return []
    parsed: dict[str, SolutionSearch | None] = {}
    for follow in follows:
        if follow["query"] not in parsed:
            try:
                parsed[follow["query"]] = parse_saved(follow["query"])
            except ValidationFailed:  # saved under older rules; it matches nothing now
                parsed[follow["query"]] = None
    queries = [query for query, asked in parsed.items() if asked is not None]
    found = await _found_by(documents[0], [parsed[query] for query in queries])
    matched = {query for query, yes in zip(queries, found, strict=True) if yes}
    return [follow for follow in follows if follow["query"] in matched]
