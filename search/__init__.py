"""Engine-neutral search for the registry.

This package knows nothing about councils or solutions: it takes an `IndexSpec` describing the
fields of one index, documents as plain dictionaries and `SearchQuery` values, and answers with
`SearchResult` values. Two engines implement the `SearchEngine` protocol: Tantivy embedded in the
process (the default) and a Meilisearch server (production). `search` never imports `registry`.
"""

from search.types import (
    MAX_TOTAL_HITS,
    Field,
    FieldKind,
    Health,
    Hit,
    IndexSpec,
    SearchEngine,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    SortField,
)

__all__ = [
    "MAX_TOTAL_HITS",
    "Field",
    "FieldKind",
    "Health",
    "Hit",
    "IndexSpec",
    "SearchEngine",
    "SearchQuery",
    "SearchResult",
    "SearchUnavailable",
    "SortField",
]
