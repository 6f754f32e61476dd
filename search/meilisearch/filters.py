"""Writing a query's filters as a Meilisearch filter expression, without letting user input through.

The filters are first put through `search.filters.normalise_filters`, the check both engines
share, so only fields on the spec's allow-list reach here, each with typed values. Values are
then always double-quoted string literals (or bare integers for integer fields), OR within a
field and AND across fields, so whatever a user typed - quotes, backslashes, `AND`, `TO`,
brackets, newlines - stays inside its literal. Inside a double-quoted value Meilisearch reads
backslash-quote as a quote and backslash-backslash as one backslash, which is all the escaping
needed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from search.filters import FilterValue, normalise_filters
from search.types import IndexSpec

# Attribute names come from our own IndexSpec, but they are written into the expression bare,
# so anything that could be read as syntax is refused rather than trusted.
_ATTRIBUTE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def meili_filter(spec: IndexSpec, filters: Mapping[str, Sequence[FilterValue]]) -> str | None:
    """The Meilisearch filter expression for `filters`, or None when there is nothing to filter."""
    clauses = []
    for name, values in normalise_filters(spec, filters).items():
        if not _ATTRIBUTE.fullmatch(name):
            raise ValueError(f"field name {name!r} cannot be used in a filter expression")
        alternatives = [f"{name} = {_literal(value)}" for value in values]
        clause = " OR ".join(alternatives)
        clauses.append(f"({clause})" if len(alternatives) > 1 else clause)
    return " AND ".join(clauses) or None


def quote(value: str) -> str:
    """`value` as a double-quoted Meilisearch string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _literal(value: FilterValue) -> str:
    # Integers only reach here for integer fields, already range-checked; a bare number is how
    # Meilisearch compares numerically.
    return str(value) if isinstance(value, int) else quote(value)
