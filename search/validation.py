"""Checking search documents against an `IndexSpec`, the same way for every engine.

A document is a plain mapping. It must carry its primary key (a non-empty string or an integer,
always handled as a string), and each declared field must hold the kind of value its `Field`
says: text, keyword (text or integer) or a signed 64-bit integer, and a list only where the field
is `multi`. Fields the spec does not declare are kept and returned but never searched. A
document that breaks these rules is refused with `ValueError` before any engine stores it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from search.query_syntax import query_problem
from search.types import Field, FieldKind, IndexSpec

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def query_text_problem(text: str) -> str | None:
    """Why a search box's text cannot be searched as written (too many exclusions, a phrase too
    long), for the caller to refuse with a 4xx on its `q` field; None when it can. Within the
    bounds nothing is refused: past the tenth term the rest is ignored, as Meilisearch does."""
    return query_problem(text)


def primary_key(spec: IndexSpec, document: Mapping[str, Any]) -> str:
    value = document.get(spec.primary_key)
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ValueError(f"document has no usable primary key {spec.primary_key!r}: {value!r}")
    return str(value)


def field_values(field: Field, value: Any) -> list[Any]:
    """The values a document holds for `field` (empty when it has none), type-checked."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        if not field.multi:
            raise ValueError(f"field {field.name!r} holds one value, not a list")
        values = [v for v in value if v is not None]
    else:
        values = [value]
    return [_checked(field, v) for v in values]


def check_document(spec: IndexSpec, document: Mapping[str, Any]) -> str:
    """Refuse a document that does not fit `spec`; return its primary key."""
    pk = primary_key(spec, document)
    for f in spec.fields:
        field_values(f, document.get(f.name))
    try:
        json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"document {pk!r} is not plain JSON data: {exc}") from exc
    return pk


def _checked(field: Field, value: Any) -> Any:
    if field.kind is FieldKind.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"field {field.name!r} holds integers, not {value!r}")
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValueError(f"field {field.name!r}: {value} is out of range")
        return value
    if isinstance(value, str):
        return value
    if field.kind is FieldKind.KEYWORD and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"field {field.name!r} holds text, not {value!r}")
