"""Saved searches: a discover query string, checked as the discover page checks it, and whether a
solution matches one.

A saved search keeps what was asked (the words and the filters, and the sort for its link), not
which page. A new or newly published solution matches it when its search document passes every
filter (any of a filter's values) and contains every word of the text, the last word also as the
start of a longer one. That is stricter than the discover page, whose ranking also forgives
typos and lists documents matching only some words: an alert should be about what was asked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

from registry.catalogue.searching import FILTERS, SolutionSearch, parse
from registry.errors import ValidationFailed
from registry.tables import Follow

MAX_QUERY_CHARS = 2000
SEARCHABLE = ("title", "summary", "tags", "owner_name", "supplier_names", "description")
_WORD = re.compile(r"\w+")
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


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(plain)


def matches(asked: SolutionSearch, document: Mapping[str, Any]) -> bool:
    for name, wanted in asked.filters.items():
        have = document.get(FILTERS[name])
        values = set(have) if isinstance(have, list | tuple) else {have}
        if not values & set(wanted):
            return False
    words = _words(asked.text)
    if not words:
        return True
    text = " ".join(
        " ".join(v) if isinstance(v, list | tuple) else str(v or "")
        for v in (document.get(name) for name in SEARCHABLE)
    )
    present = set(_words(text))
    *whole, last = words
    if any(word not in present for word in whole):
        return False
    return last in present or any(word.startswith(last) for word in present)


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
    document = documents[0]
    parsed: dict[str, SolutionSearch | None] = {}
    found = []
    for follow in follows:
        if follow["query"] not in parsed:
            try:
                parsed[follow["query"]] = parse_saved(follow["query"])
            except ValidationFailed:  # saved under older rules; it matches nothing now
                parsed[follow["query"]] = None
        asked = parsed[follow["query"]]
        if asked is not None and matches(asked, document):
            found.append(follow)
    return found
