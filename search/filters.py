"""Turning a query's filters into something an engine can run, without letting user input through.

`normalise_filters` is the single check both engines put `SearchQuery.filters` through: field
names must be on the spec's `filterable` allow-list, every value must be a string or an integer
(integers for integer fields, given as `int` or as decimal text), and each field needs at least
one value. `meili_filter` then writes the Meilisearch filter expression: values are always
double-quoted string literals (or bare integers for integer fields), OR within a field and AND
across fields, so whatever a user typed - quotes, backslashes, `AND`, `TO`, brackets, newlines -
stays inside its literal. Inside a double-quoted value Meilisearch reads backslash-quote as a
quote and backslash-backslash as one backslash, which is all the escaping needed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from search.types import FieldKind, IndexSpec

FilterValue = str | int
NormalisedFilters = dict[str, tuple[FilterValue, ...]]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_DECIMAL = re.compile(r"-?[0-9]+")
# Attribute names come from our own IndexSpec, but they are written into the expression bare,
# so anything that could be read as syntax is refused rather than trusted.
_ATTRIBUTE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def normalise_filters(
    spec: IndexSpec, filters: Mapping[str, Sequence[FilterValue]]
) -> NormalisedFilters:
    """Check `filters` against `spec` and return each field's distinct values, typed for it.

    Raises `ValueError` for a field that is not filterable, a field given no values, or a
    value that is neither a string nor an integer (or not an integer for an integer field).
    """
    normalised: NormalisedFilters = {}
    for name, values in filters.items():
        if name not in spec.filterable:
            raise ValueError(f"cannot filter on {name!r}")
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            raise ValueError(f"filter {name!r} needs a list of values, not {type(values).__name__}")
        if not values:
            raise ValueError(f"filter {name!r} needs at least one value")
        kind = spec.field(name).kind
        typed = (
            _integer(name, v) if kind is FieldKind.INTEGER else _keyword(name, v) for v in values
        )
        normalised[name] = tuple(dict.fromkeys(typed))
    return normalised


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


def _integer(name: str, value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(f"filter {name!r} takes integers, not {value!r}")
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValueError(f"filter {name!r} takes integers, not {value!r}")
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ValueError(f"filter {name!r}: {value} is out of range")
    return value


def _keyword(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"filter {name!r} takes text values, not {value!r}")
    return str(value)
