"""The Meilisearch engine: one index on a Meilisearch server, used in production.

`MeiliEngine` implements the `search.SearchEngine` protocol over meilisearch-python; `filters`
writes a query's filters in Meilisearch's filter syntax.
"""

from search.meilisearch.engine import MeiliEngine

__all__ = ["MeiliEngine"]
