"""The discover page (`/`): search, facets, active filters, sort and pages.

The same address serves the full page, and (for htmx, which sends `HX-Request`) just the
results fragment, so search-as-you-type and a plain GET form without JavaScript share one URL.
The search itself is the catalogue's (`registry.catalogue.searching`); what is here is the
page's view of it: the organisations and programmes the box names, which filters it lists and
how many of their values, the pages its links reach under the cap, the plain listing it falls
back to when search is down, and the organisation names and licences its filter labels need
(kept on the application's state for a minute). Filter values arrive folded (`kind=platform`
for `kind=Platform`); the page shows their labels.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from litestar import Controller, Request, Response, get
from litestar.datastructures import State

from registry.catalogue import list_solutions
from registry.catalogue.searching import FILTERS, SORTS, SolutionSearch, find, parse
from registry.catalogue.views import SolutionSummary
from registry.finding import NamedMatches
from registry.indexing.documents import fold
from registry.tables import ComponentDetail, Organisation
from registry.web.pages.common import page
from registry.wording import LABELS, label
from search import MAX_TOTAL_HITS, SearchEngine, SearchResult

# The filters a page shows, in order, with how many of their values at most (long lists of
# owners and licences show those with the most results; chosen values always stay listed).
PAGE_FACETS = {
    "kind": None,
    "status": None,
    "service_area": None,
    "characteristic": None,
    "owner": 12,
    "licence": 12,
    "adopted_by": 12,
    "interested": 12,
}
# The filters whose values are organisations' slugs, labelled with their names.
ORGANISATION_FILTERS = ("owner", "adopted_by", "interested")
PAGE_MAX_PER_PAGE = 50
# The text fields a result shows with its marks (the template shows no description).
RESULT_FIELDS = ("title", "summary")


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    chosen: bool
    id: str  # the checkbox's id: the same for a value on every answer, so focus can stay on it
    label: str = ""  # what the page calls it (see `DiscoverPage.value_label`)


_UNSAFE_IN_ID = re.compile(r"[^a-z0-9_]+")


def checkbox_id(name: str, value: str) -> str:
    """An HTML id for a filter's value, stable across answers and distinct between values."""
    readable = _UNSAFE_IN_ID.sub("-", value.casefold()).strip("-")[:40]
    if readable == value:
        return f"facet-{name}-{readable}"
    digest = hashlib.blake2s(value.encode(), digest_size=4).hexdigest()
    return f"facet-{name}-{readable}-{digest}"


@dataclass(frozen=True)
class Facet:
    name: str
    values: list[FacetValue]
    left_out: int  # values with results not listed


def facet(
    name: str,
    counts: Mapping[str, int],
    chosen: Sequence[str],
    limit: int | None,
    labelled: Callable[[str, str], str] | None = None,
) -> Facet:
    """A filter's values, most results first (then alphabetically), at most `limit` of them
    plus any chosen ones beyond it, each labelled by `labelled` (name, value) if given."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ranked if limit is None else ranked[:limit]
    listed = {value for value, _ in shown}
    extra = [(value, counts.get(value, 0)) for value in chosen if value not in listed]
    values = [
        FacetValue(v, c, v in chosen, checkbox_id(name, v), labelled(name, v) if labelled else "")
        for v, c in shown + extra
    ]
    return Facet(name, values, len(ranked) - len(shown) - sum(1 for v, _ in extra if v in counts))


@dataclass
class DiscoverPage:
    """What the discover page shows: search results, or, when search is down, a plain listing
    from the database with a notice."""

    asked: SolutionSearch
    result: SearchResult | None
    degraded: bool
    listing: list[SolutionSummary]
    listing_total: int
    labels: dict[str, dict[str, str]]  # filter -> value -> what the page calls it
    named: NamedMatches
    cap: int = MAX_TOTAL_HITS

    def label(self, name: str, value: str) -> str | None:
        """What the page calls a filter's value (organisations and licences; the vocabulary's
        values are labelled by the templates)."""
        return self.labels.get(name, {}).get(value)

    def value_label(self, name: str, value: str) -> str:
        """What the page shows for a filter's value: its organisation's name or licence as
        written, the vocabulary's label, or else the value itself."""
        known = self.label(name, value)
        if known:
            return known
        return label(value, name) if name in LABELS else value

    @property
    def capped(self) -> bool:
        """More results match than a listing pages through. The search engine counts up to the
        cap, so its total at the cap means "that many or more"; the database counts them all."""
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
                self.value_label,
            )
            for name, limit in PAGE_FACETS.items()
        ]


class OrganisationNames:
    """The names of organisations and the licences as written, for filter labels, by folded
    value. Every search page needs some, so all of them (a few dozen organisations, as many
    licences as components use) are kept for `keep_for` seconds and read again sooner when a
    value is not known yet: a renamed organisation shows its old name for at most that long. One
    per application, on its state, so each app (and each test's) reads its own database."""

    def __init__(self, keep_for: float = 60.0) -> None:
        self.keep_for = keep_for
        self._names: dict[str, str] = {}
        self._licences: dict[str, str] = {}
        self._read_at = 0.0

    async def _read(self, slugs: set[str], licences: set[str]) -> None:
        stale = time.monotonic() - self._read_at > self.keep_for
        if stale or slugs - set(self._names) or licences - set(self._licences):
            rows = await Organisation.select(Organisation.slug, Organisation.name)
            written = await ComponentDetail.select(ComponentDetail.licence).distinct()
            self._names = {fold(r["slug"]): r["name"] for r in rows}
            self._licences = {fold(r["licence"]): r["licence"] for r in written if r["licence"]}
            self._read_at = time.monotonic()

    async def of(self, slugs: set[str]) -> dict[str, str]:
        await self._read(slugs, set())
        return {slug: self._names[slug] for slug in slugs if slug in self._names}

    async def licences(self, folded: set[str]) -> dict[str, str]:
        await self._read(set(), folded)
        return {value: self._licences[value] for value in folded if value in self._licences}


async def discover_page(
    engine: SearchEngine, names: OrganisationNames, params: Mapping[str, Sequence[str]]
) -> DiscoverPage:
    asked = parse(params, max_per_page=PAGE_MAX_PER_PAGE)
    found = await find(engine, asked, RESULT_FIELDS)
    result, listing, listing_total = found.result, [], 0
    if result is None:
        kinds = asked.filters.get("kind") or [None]
        listing, listing_total = await list_solutions(
            kind=kinds[0] if len(kinds) == 1 else None, page=asked.page, per_page=asked.per_page
        )

    def shown(name: str) -> set[str]:
        counted = result.facets.get(FILTERS[name], {}) if result is not None else {}
        return set(asked.filters.get(name, [])) | set(counted)

    labels = {name: await names.of(shown(name)) for name in ORGANISATION_FILTERS}
    labels["licence"] = await names.licences(shown("licence"))
    return DiscoverPage(asked, result, result is None, listing, listing_total, labels, found.named)


def _params(request: Request) -> dict[str, list[str]]:
    params = {name: request.query_params.getall(name) for name in request.query_params}
    params.pop("notice", None)
    return params


def _without(params: dict[str, list[str]], name: str, value: str) -> dict[str, list[str]]:
    """The same search with one filter value (as folded) removed, and back to page 1."""
    kept = {k: [v for v in vs if not (k == name and fold(v) == value)] for k, vs in params.items()}
    kept.pop("page", None)
    return {k: v for k, v in kept.items() if v}


def _unfiltered(params: dict[str, list[str]]) -> dict[str, list[str]]:
    """The same words and order with every filter cleared, from page 1."""
    return {k: v for k, v in params.items() if k in ("q", "sort", "per_page") and any(v)}


class DiscoverPages(Controller):
    include_in_schema = False

    @get("/", name="discover")
    async def discover(self, request: Request, state: State) -> Response:
        if request.query_params.get("format") == "csv":
            from registry.web.pages.interchange import discover_csv

            return await discover_csv(request, state)
        params = _params(request)
        view = await discover_page(state.search_engine, state.organisation_names, params)
        filters = [
            {
                "name": name,
                "value": value,
                "remove": _without(params, name, value),
            }
            for name, values in view.asked.filters.items()
            for value in values
        ]
        fragment = request.headers.get("hx-request") == "true"
        return page(
            request,
            "discover/_results.html" if fragment else "discover/index.html",
            title="Discover shared solutions",
            view=view,
            params=params,
            active_filters=filters,
            clear_all=_unfiltered(params),
            sorts=list(SORTS),
        )
