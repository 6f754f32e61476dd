"""Checking a query's filters against the index's allow-list, the same way for every engine.

`normalise_filters` is the single check both engines put `SearchQuery.filters` through: field
names must be on the spec's `filterable` allow-list, every value must be a string or an integer
(integers for integer fields, given as `int` or as decimal text), and each field needs at least
one value. What comes out is typed and free of duplicates; each engine then writes it in its own
syntax without ever trusting a user's value as syntax (`search.meilisearch.filters` for
Meilisearch's filter expressions, term queries in `search.tantivy.query`).
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
