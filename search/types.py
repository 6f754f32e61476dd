"""The types every search engine speaks: what an index holds, what is asked, what comes back.

An `IndexSpec` is the single allow-list of field names: a filter, sort or facet naming a field it
does not declare for that purpose is refused with `ValueError` before any engine sees it, so no
user input can reach an engine as an attribute name.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

# How deep a listing may page: no search returns a hit past the first MAX_TOTAL_HITS, and
# `total` counts matches up to it, as Meilisearch does with its `pagination.maxTotalHits` (whose
# default this is). Deeper, every request would collect and skip all the earlier hits: page
# 10,000 of 100 cost 0.84 s of the search thread at 60,000 solutions.
MAX_TOTAL_HITS = 1000


class FieldKind(enum.StrEnum):
    TEXT = "text"  # tokenised, searchable, highlighted
    KEYWORD = "keyword"  # one exact value (or a list of them): filters and facets
    INTEGER = "integer"  # signed 64-bit: sorting and counts


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    multi: bool = False  # the document holds a list of values


@dataclass(frozen=True)
class IndexSpec:
    """One index: its name, its primary key and what each field may be used for.

    `searchable` is in ranking order: a match in an earlier field outranks a match in a later
    one. `facets` must be a subset of `filterable`.
    """

    name: str
    primary_key: str
    fields: tuple[Field, ...]
    searchable: tuple[str, ...]
    filterable: tuple[str, ...] = ()
    sortable: tuple[str, ...] = ()
    facets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = {f.name for f in self.fields}
        if self.primary_key not in names:
            raise ValueError(f"primary key {self.primary_key!r} is not a declared field")
        for purpose in ("searchable", "filterable", "sortable", "facets"):
            unknown = set(getattr(self, purpose)) - names
            if unknown:
                raise ValueError(f"{purpose} names undeclared fields: {sorted(unknown)}")
        if not set(self.facets) <= set(self.filterable):
            raise ValueError("every facet must also be filterable")
        for name in self.searchable:
            if self.field(name).kind is not FieldKind.TEXT:
                raise ValueError(f"searchable field {name!r} must be a text field")

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class SortField:
    name: str
    descending: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """A search as a user asked it.

    `filters` maps a filterable field to the values allowed for it: a document must match at
    least one value of every field named (OR within a field, AND across fields). Without
    `sort`, hits come in relevance order; ties (and every sort) are broken by primary key so
    paging is stable. `page` counts from 1. The highlights of the searchable fields named in
    `crop` are snippets of about `crop_length` words around their first match (Meilisearch's
    `attributesToCrop` and `cropLength`): what a results page shows of a long description.
    A page must end within the first `MAX_TOTAL_HITS` hits (`page * per_page` at most that).
    `highlight` names the searchable fields whose highlights the caller shows (None: every
    searchable field); a cropped field is always highlighted. An engine may return more, never
    fewer: on a search server, marking text nobody shows is most of the cost of a search.
    """

    text: str = ""
    filters: Mapping[str, Sequence[str | int]] = field(default_factory=dict)
    sort: tuple[SortField, ...] = ()
    facets: tuple[str, ...] = ()
    page: int = 1
    per_page: int = 20
    crop: tuple[str, ...] = ()
    crop_length: int = 30
    highlight: tuple[str, ...] | None = None

    def validate(self, spec: IndexSpec) -> None:
        """Refuse names the spec does not allow, and impossible pages."""
        for name in self.filters:
            if name not in spec.filterable:
                raise ValueError(f"cannot filter on {name!r}")
        for sort_field in self.sort:
            if sort_field.name not in spec.sortable:
                raise ValueError(f"cannot sort on {sort_field.name!r}")
        for name in self.facets:
            if name not in spec.facets:
                raise ValueError(f"{name!r} is not a facet")
        for name in self.crop:
            if name not in spec.searchable:
                raise ValueError(f"cannot crop {name!r}: it is not searchable")
        for name in self.highlight or ():
            if name not in spec.searchable:
                raise ValueError(f"cannot highlight {name!r}: it is not searchable")
        if not 1 <= self.crop_length <= 1000:
            raise ValueError("crop_length must be between 1 and 1000")
        if self.page < 1:
            raise ValueError("page must be 1 or more")
        if not 1 <= self.per_page <= 1000:
            raise ValueError("per_page must be between 1 and 1000")
        if self.page * self.per_page > MAX_TOTAL_HITS:
            raise ValueError(
                f"page {self.page} of {self.per_page} goes past the first {MAX_TOTAL_HITS} hits"
            )


@dataclass(frozen=True)
class Hit:
    """One matching document.

    `highlights` maps each searchable text field to its HTML: the stored text HTML-escaped,
    with `<mark>`…`</mark>` around the matched words and nothing else live; for a field the
    query crops, a snippet of it, with "…" where the text was cut (`search.highlight.snippet`).
    """

    id: str
    document: dict[str, Any]
    highlights: dict[str, str]


@dataclass(frozen=True)
class SearchResult:
    """`total` is the number of matching documents, counted up to `MAX_TOTAL_HITS` (a total
    equal to it means "that many or more"); facet counts cover every match."""

    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]  # facet -> value -> count over the filtered result set
    took_ms: float
    page: int
    per_page: int
    # what a search server reports it spent (Meilisearch's processingTimeMs); None in-process
    server_ms: float | None = None


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""
    # the engine answers but its index is missing or unreadable: a rebuild would repair it
    # (unlike an engine that cannot be reached, where a rebuild could not help)
    needs_rebuild: bool = False


class SearchUnavailable(Exception):
    """The engine cannot answer: unreachable, misconfigured or its index is unreadable.

    Callers degrade (show a notice, fall back to a database listing, keep the outbox row)
    rather than fail.
    """


Documents = Iterable[Mapping[str, Any]] | AsyncIterator[Sequence[Mapping[str, Any]]]
Progress = Callable[[int], None]


@runtime_checkable
class SearchEngine(Protocol):
    """What the registry asks of an engine. One engine instance serves one `IndexSpec`.

    Every method may raise `SearchUnavailable`. Writes are idempotent by primary key.
    """

    spec: IndexSpec

    async def apply_settings(self) -> None:
        """Create the index if missing and make its settings match the spec."""

    async def upsert(self, documents: Iterable[Mapping[str, Any]]) -> None:
        """Add or replace documents, sent in batches; visible to `search` once it returns."""

    async def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by primary key; unknown ids are ignored."""

    async def search(self, query: SearchQuery) -> SearchResult: ...

    async def count(self) -> int:
        """How many documents the live index holds."""

    async def set_synonyms(self, synonyms: Mapping[str, Sequence[str]]) -> None:
        """Make searches treat each word or phrase as matching its equivalents too, in
        Meilisearch's format (`search.synonyms`), replacing the synonyms set before. They apply
        to the live index and to every index `rebuild` builds afterwards."""

    async def fingerprints(self, field_name: str) -> dict[str, Any]:
        """Every document's primary key with the value of one stored field (for checks)."""

    async def health(self) -> Health: ...

    async def rebuild(self, documents: Documents, progress: Progress | None = None) -> int:
        """Build a complete new index beside the live one, then swap it in atomically.

        Until the swap, searches are answered by the old index; if building fails, the old
        index stays live and untouched. `documents` is an iterable of documents or an async
        iterator of batches. `progress` is called with the number of documents written so
        far. Returns how many documents the new index holds.
        """

    async def close(self) -> None: ...
