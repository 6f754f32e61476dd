"""Searching the catalogue: the public names of filters and sorts, checked and mapped onto the
solutions index.

People (and the API) speak of `service_area`, `adopted_by` or `sort=interest`; the index has
`service_areas`, `adopters` and `interest_count`. This module is the one translation between the
two, and refuses any name it does not know, naming it, so a typo in a URL is reported rather
than silently ignored.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from registry.errors import ValidationFailed
from search import (
    MAX_TOTAL_HITS,
    SearchEngine,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
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
# Digits 0-9 only: str.isdigit() also takes "²" and other scripts' digits, which int() refuses.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Discovery:
    """A search as asked, checked: what the page shows back to the person."""

    text: str
    filters: dict[str, list[str]]
    sort: str
    page: int
    per_page: int


def parse(params: Mapping[str, Sequence[str]], *, max_per_page: int = 100) -> Discovery:
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
        values = [v.strip() for v in params.get(name, []) if v.strip()]
        if len(values) > MAX_VALUES:
            problems[name] = f"{name} can have at most {MAX_VALUES} values"
        elif any(len(v) > 200 for v in values):
            problems[name] = f"each {name} must be 200 characters or fewer"
        elif values:
            filters[name] = list(dict.fromkeys(values))
    if problems:
        raise ValidationFailed(problems, "; ".join(problems.values()))
    return Discovery(text=text, filters=filters, sort=sort, page=page, per_page=per_page)


def to_query(discovery: Discovery) -> SearchQuery:
    return SearchQuery(
        text=discovery.text,
        filters={FILTERS[name]: values for name, values in discovery.filters.items()},
        sort=SORTS[discovery.sort],
        facets=tuple(FILTERS[name] for name in FACETS),
        page=discovery.page,
        per_page=discovery.per_page,
        # a results page shows a few words around the match, not the whole description
        crop=("description",),
        crop_length=CROP_WORDS,
    )


async def search(engine: SearchEngine, discovery: Discovery) -> SearchResult:
    """Ask the engine; `SearchUnavailable` passes through for the caller to degrade."""
    return await engine.search(to_query(discovery))


def public_facets(result: SearchResult) -> dict[str, dict[str, int]]:
    """Facet counts under their public names, largest first."""
    by_field = {FILTERS[name]: name for name in FACETS}
    return {
        by_field[name]: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        for name, counts in result.facets.items()
        if name in by_field
    }


# The filters a page shows, in order, with how many of their values at most (long lists of
# owners and licences show those with the most results; chosen values always stay listed).
PAGE_FACETS = {
    "kind": None,
    "status": None,
    "service_area": None,
    "characteristic": None,
    "owner": 12,
    "licence": 12,
}


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    chosen: bool


@dataclass(frozen=True)
class Facet:
    name: str
    values: list[FacetValue]
    left_out: int  # values with results not listed


def facet(name: str, counts: Mapping[str, int], chosen: Sequence[str], limit: int | None) -> Facet:
    """A filter's values, most results first (then alphabetically), at most `limit` of them
    plus any chosen ones beyond it."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ranked if limit is None else ranked[:limit]
    listed = {value for value, _ in shown}
    extra = [(value, counts.get(value, 0)) for value in chosen if value not in listed]
    values = [FacetValue(v, c, v in chosen) for v, c in shown + extra]
    return Facet(name, values, len(ranked) - len(shown) - sum(1 for v, _ in extra if v in counts))


@dataclass
class DiscoverPage:
    """What the discover page shows: search results, or, when search is down, a plain listing
    from the database with a notice."""

    asked: Discovery
    result: SearchResult | None
    degraded: bool
    listing: list[dict]
    listing_total: int
    organisation_names: dict[str, str]
    cap: int = MAX_TOTAL_HITS

    @property
    def capped(self) -> bool:
        """More results match than a listing pages through. The engine counts up to the cap, so
        its total at the cap means "that many or more"; the database counts them all."""
        if self.result is not None:
            return self.result.total >= self.cap
        return self.listing_total > self.cap

    @property
    def pageable(self) -> int:
        """How many results the page links reach: whole pages within the cap, so no link
        leads to a page that would be refused."""
        total = self.result.total if self.result is not None else self.listing_total
        return min(total, self.cap // self.asked.per_page * self.asked.per_page)

    @property
    def facets(self) -> list[Facet]:
        if self.result is None:
            return []
        return [
            facet(
                name,
                self.result.facets.get(FILTERS[name], {}),
                self.asked.filters.get(name, []),
                limit,
            )
            for name, limit in PAGE_FACETS.items()
        ]


async def discover_page(engine: SearchEngine, params: Mapping[str, Sequence[str]]) -> DiscoverPage:
    from registry.catalogue import list_solutions

    asked = parse(params, max_per_page=50)
    try:
        result: SearchResult | None = await search(engine, asked)
        listing, listing_total, degraded = [], 0, False
    except SearchUnavailable:
        result, degraded = None, True
        kinds = asked.filters.get("kind") or [None]
        listing, listing_total = await list_solutions(
            kind=kinds[0] if len(kinds) == 1 else None, page=asked.page, per_page=asked.per_page
        )
    slugs = set(
        asked.filters.get("owner", [])
        + asked.filters.get("adopted_by", [])
        + asked.filters.get("interested", [])
    )
    if result is not None:
        slugs |= set(result.facets.get("owner", {}))
    names = await organisation_names(slugs)
    return DiscoverPage(asked, result, degraded, listing, listing_total, names)


NAMES_FOR = 60.0  # seconds organisation names are kept before being read again
_names: dict[str, str] = {}
_names_read_at = 0.0


async def organisation_names(slugs: set[str]) -> dict[str, str]:
    """The names of the organisations `slugs` name, for filter labels. Every search page needs
    some, so all of them (a few dozen) are kept for a minute and read again sooner when a slug
    is not known yet: a renamed organisation shows its old name for at most a minute."""
    global _names, _names_read_at
    missing = slugs - set(_names)
    if missing or time.monotonic() - _names_read_at > NAMES_FOR:
        from registry.tables import Organisation

        rows = await Organisation.select(Organisation.slug, Organisation.name)
        _names, _names_read_at = {r["slug"]: r["name"] for r in rows}, time.monotonic()
    return {slug: _names[slug] for slug in slugs if slug in _names}


def forget_organisation_names() -> None:
    """Read the names again on the next search (for a database that was emptied or swapped)."""
    global _names_read_at
    _names.clear()
    _names_read_at = 0.0
