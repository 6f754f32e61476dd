"""Searching the catalogue: the public names of filters and sorts, checked and mapped onto the
solutions index.

People (and the API, and later feeds and saved searches) speak of `service_area`, `adopted_by`
or `sort=interest`; the index has `service_areas`, `adopters` and `interest_count`. This module
is the one translation between the two (`parse` checks a search as asked, `to_query` maps it
onto the index, `public_facets` maps counts back), and refuses any name it does not know,
naming it, so a typo in a URL is reported rather than silently ignored.

Filter values are folded (`fold`: case, accents and surrounding space) as the documents' values
are, so `kind=Platform` and `kind=platform` ask the same of every engine. Facets are
disjunctive: within a group the values asked for combine with OR, and a group with values ticked
keeps the counts of its other values, from a facets-only search without that group's filter.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from registry.errors import ValidationFailed
from registry.finding import NamedMatches, named_like, words_of
from registry.indexing.documents import fold
from search import (
    MAX_TOTAL_HITS,
    SearchEngine,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    SortField,
)
from search.validation import query_text_problem

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
FACETS = (
    "kind",
    "status",
    "service_area",
    "characteristic",
    "owner",
    "licence",
    "adopted_by",
    "interested",
)
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
    elif problem := query_text_problem(text):
        problems["q"] = problem
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
        values = [fold(v) for v in given if fold(v)]
        if len(values) > MAX_VALUES:
            problems[name] = f"{name} can have at most {MAX_VALUES} values"
        elif any(len(v) > MAX_VALUE_LENGTH for v in given):
            problems[name] = f"each {name} must be {MAX_VALUE_LENGTH} characters or fewer"
        elif values:
            filters[name] = list(dict.fromkeys(values))
    if problems:
        raise ValidationFailed(problems, "; ".join(problems.values()))
    return SolutionSearch(text=text, filters=filters, sort=sort, page=page, per_page=per_page)


def to_query(asked: SolutionSearch, shown: tuple[str, ...] | None = None) -> SearchQuery:
    """The search of the results: its facets are those of the groups with nothing ticked (the
    others are counted by `group_queries`). `shown` names the text fields whose marks the caller
    shows (None: every field), so the engine marks nothing else; the description is cropped only
    where it is shown."""
    crop = ("description",) if shown is None or "description" in shown else ()
    return SearchQuery(
        text=asked.text,
        filters=_index_filters(asked.filters),
        sort=SORTS[asked.sort],
        facets=tuple(FILTERS[name] for name in FACETS if name not in asked.filters),
        page=asked.page,
        per_page=asked.per_page,
        # a results page shows a few words around the match, not the whole description
        crop=crop,
        crop_length=CROP_WORDS,
        highlight=shown,
    )


def group_queries(asked: SolutionSearch) -> dict[str, SearchQuery]:
    """For each facet with values ticked, a facets-only search with every filter but its own:
    the counts its other values would have if ticked too (OR within the group)."""
    return {
        FILTERS[name]: SearchQuery(
            text=asked.text,
            filters=_index_filters({k: v for k, v in asked.filters.items() if k != name}),
            facets=(FILTERS[name],),
            per_page=1,  # the hits are not shown; only the counts are read
            highlight=(),
        )
        for name in FACETS
        if name in asked.filters
    }


def _index_filters(filters: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {FILTERS[name]: values for name, values in filters.items()}


async def search(
    engine: SearchEngine, asked: SolutionSearch, shown: tuple[str, ...] | None = None
) -> SearchResult:
    """Ask the search engine, with disjunctive facet counts (one search, and one facets-only
    search per facet with values ticked, run together); `SearchUnavailable` passes through for
    the caller to degrade."""
    groups = group_queries(asked)
    if not groups:  # one search: awaited as it is, without a task around it
        return await engine.search(to_query(asked, shown))
    result, *counted = await asyncio.gather(
        engine.search(to_query(asked, shown)), *(engine.search(q) for q in groups.values())
    )
    if not groups:
        return result
    facets = dict(result.facets)
    for field, other in zip(groups, counted, strict=True):
        facets[field] = other.facets.get(field, {})
    took_ms = result.took_ms + sum(other.took_ms for other in counted)
    return dataclasses.replace(result, facets=facets, took_ms=took_ms)


@dataclass(frozen=True)
class Found:
    """What the search box finds: solutions, and the organisations and programmes it names."""

    result: SearchResult | None  # None while the search engine is unavailable
    named: NamedMatches


async def find(
    engine: SearchEngine, asked: SolutionSearch, shown: tuple[str, ...] | None = None
) -> Found:
    """`search`, and the organisations and programmes named like `asked.text` (nothing for an
    empty text), which come from the database and so are found even while search is down."""
    if not words_of(asked.text):  # nothing to name: the search alone
        try:
            return Found(await search(engine, asked, shown), NamedMatches([], []))
        except SearchUnavailable:
            return Found(None, NamedMatches([], []))
    # the database and the engine (on threads of their own) are asked at the same time
    named, result = await asyncio.gather(
        named_like(asked.text), search(engine, asked, shown), return_exceptions=True
    )
    if isinstance(named, BaseException):
        raise named
    if isinstance(result, SearchUnavailable):
        result = None
    elif isinstance(result, BaseException):
        raise result
    return Found(result, named)


def public_facets(result: SearchResult) -> dict[str, dict[str, int]]:
    """Facet counts under their public names, largest first."""
    by_field = {FILTERS[name]: name for name in FACETS}
    return {
        by_field[name]: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        for name, counts in result.facets.items()
        if name in by_field
    }
