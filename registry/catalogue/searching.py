"""Searching the catalogue: the public names of filters and sorts, checked and mapped onto the
solutions index.

People (and the API, and later feeds and saved searches) speak of `service_area`, `adopted_by`
or `sort=interest`; the index has `service_areas`, `adopters` and `interest_count`. This module
is the one translation between the two (`parse` checks a search as asked, `to_query` maps it
onto the index, `public_facets` maps counts back), and refuses any name it does not know,
naming it, so a typo in a URL is reported rather than silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from registry.errors import ValidationFailed
from search import (
    MAX_TOTAL_HITS,
    SearchEngine,
    SearchQuery,
    SearchResult,
    SortField,
)

# public filter name -> index field
FILTERS = {
    "kind": "kind",
    "status": "status",
    "service_area": "service_areas",
    "characteristic": "characteristics",
    "owner": "owner",
    "licence": "licence",
    "adopted_by": "adopters",
    "interested": "interested",
}
FACETS = ("kind", "status", "service_area", "characteristic", "owner", "licence")
# public sort name -> index sort (relevance is the engine's own order)
SORTS: dict[str, tuple[SortField, ...]] = {
    "relevance": (),
    "title": (SortField("title_sort"),),
    "updated": (SortField("updated", descending=True),),
    "interest": (SortField("interest_count", descending=True),),
    "sponsorship": (SortField("sponsorship_total", descending=True),),
    "adoption": (SortField("adoption_count", descending=True),),
}
OTHER_PARAMETERS = {"q", "sort", "page", "per_page"}
MAX_QUERY_LENGTH = 200
CROP_WORDS = 30
MAX_VALUES = 50
MAX_VALUE_LENGTH = 200  # characters of one filter value, as given
# Digits 0-9 only: str.isdigit() also takes "²" and other scripts' digits, which int() refuses.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class SolutionSearch:
    """A search of the catalogue as asked, checked: what a page shows back to the person."""

    text: str
    filters: dict[str, list[str]]
    sort: str
    page: int
    per_page: int


def parse(params: Mapping[str, Sequence[str]], *, max_per_page: int = 100) -> SolutionSearch:
    """Check raw query parameters (each name with all its values)."""
    problems: dict[str, str] = {}
    for name in params:
        if name not in FILTERS and name not in OTHER_PARAMETERS:
            problems[name] = (
                f"{name} is not a filter; use {', '.join(FILTERS)}, or q, sort, page and per_page"
            )

    def single(name: str, default: str) -> str:
        values = [v for v in params.get(name, []) if v != ""]
        if len(values) > 1:
            problems[name] = f"{name} can be given only once"
        return values[0] if values else default

    text = " ".join(single("q", "").split())
    if len(text) > MAX_QUERY_LENGTH:
        problems["q"] = f"q must be {MAX_QUERY_LENGTH} characters or fewer"
    sort = single("sort", "relevance" if text else "title")
    if sort not in SORTS:
        problems["sort"] = f"sort must be one of: {', '.join(SORTS)}"

    def whole(name: str, default: int, maximum: int) -> int:
        raw = single(name, str(default))
        if not _WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= maximum:
            problems[name] = f"{name} must be a whole number from 1 to {maximum:,}"
            return default
        return int(raw)

    page = whole("page", 1, MAX_TOTAL_HITS)
    per_page = whole("per_page", 20, max_per_page)
    if not problems.keys() & {"page", "per_page"} and page * per_page > MAX_TOTAL_HITS:
        # Deeper pages would make the engine collect and skip every earlier hit.
        problems["page"] = (
            f"page goes at most to the first {MAX_TOTAL_HITS:,} results: page times per_page "
            f"must be {MAX_TOTAL_HITS:,} or less (page {page} of {per_page} would reach result "
            f"{page * per_page:,}); narrow the search"
        )
    filters: dict[str, list[str]] = {}
    for name in FILTERS:
        given = params.get(name, [])
        values = [v.strip() for v in given if v.strip()]
        if len(values) > MAX_VALUES:
            problems[name] = f"{name} can have at most {MAX_VALUES} values"
        elif any(len(v) > MAX_VALUE_LENGTH for v in given):
            problems[name] = f"each {name} must be {MAX_VALUE_LENGTH} characters or fewer"
        elif values:
            filters[name] = list(dict.fromkeys(values))
    if problems:
        raise ValidationFailed(problems, "; ".join(problems.values()))
    return SolutionSearch(text=text, filters=filters, sort=sort, page=page, per_page=per_page)


def to_query(asked: SolutionSearch) -> SearchQuery:
    return SearchQuery(
        text=asked.text,
        filters={FILTERS[name]: values for name, values in asked.filters.items()},
        sort=SORTS[asked.sort],
        facets=tuple(FILTERS[name] for name in FACETS),
        page=asked.page,
        per_page=asked.per_page,
        # a results page shows a few words around the match, not the whole description
        crop=("description",),
        crop_length=CROP_WORDS,
    )


async def search(engine: SearchEngine, asked: SolutionSearch) -> SearchResult:
    """Ask the search engine; `SearchUnavailable` passes through for the caller to degrade."""
    return await engine.search(to_query(asked))


def public_facets(result: SearchResult) -> dict[str, dict[str, int]]:
    """Facet counts under their public names, largest first."""
    by_field = {FILTERS[name]: name for name in FACETS}
    return {
        by_field[name]: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        for name, counts in result.facets.items()
        if name in by_field
    }
