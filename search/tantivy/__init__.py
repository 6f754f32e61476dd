"""The embedded search engine: a Tantivy index in the data directory, the default.

`TantivyEngine` implements the `search.SearchEngine` protocol and behaves like Meilisearch as
far as users can tell. The modules beside it are its parts: `text` (words, typos and
highlights), `layout` (the Tantivy schema drawn from an `IndexSpec`), `query` (queries, sorts
and facet counts), `live` (the open index and its reloads), `generations` and `manifest` (index
directories on disk, swapped whole and checked before they are opened).
"""

from search.tantivy.engine import TantivyEngine

__all__ = ["TantivyEngine"]
