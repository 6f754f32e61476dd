"""How an `IndexSpec` is laid out as a Tantivy schema, and how a document becomes a Tantivy one.

Every spec field gets the internal fields its purposes need, each name prefixed by its role so no
spec name can collide with another: `t_` for searchable text (words with the first letter
doubled, see `text`), `k_` for exact keyword values (filters and facets, a fast column),
`i_` for integers, and `o_`/`r_` for the ascending and descending sort keys. A sort key is one
string that orders the way users expect (case and accents ignored, integers numerically, missing
values last) and ends with the primary key, so Tantivy's single-field ordering already breaks
ties by primary key. The whole document is kept as JSON in `_doc` and returned as it was given.
The layout's fingerprint is stored beside each index so a spec change is noticed.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import tantivy

from search.tantivy.text import ANALYZER_NAME, index_text
from search.types import Field, FieldKind, IndexSpec
from search.validation import field_values, primary_key

PK = "_pk"
DOC = "_doc"
LAYOUT_VERSION = 2

_SORT_KEY_CHARS = 200  # titles longer than this tie and fall back to the primary key
_INT_OFFSET = 2**63
_UINT64_MAX = 2**64 - 1
_COMPLEMENT = bytes(0xFF - b for b in range(256))


def text_field(name: str) -> str:
    return f"t_{name}"


def keyword_field(name: str) -> str:
    return f"k_{name}"


def integer_field(name: str) -> str:
    return f"i_{name}"


def sort_field(name: str, descending: bool) -> str:
    return f"r_{name}" if descending else f"o_{name}"


@dataclass(frozen=True)
class FieldPlan:
    """Where the values of one spec field go in a Tantivy document (None: nowhere)."""

    field: Field
    integer: str | None
    text: str | None
    keyword: str | None
    sort: tuple[str, str] | None  # ascending and descending sort keys


@dataclass(frozen=True)
class Layout:
    spec: IndexSpec
    schema: tantivy.Schema
    fingerprint: str
    plans: tuple[FieldPlan, ...] = ()

    def exact_field(self, name: str) -> str:
        """The internal field holding `name`'s exact values (for filters and facets)."""
        if self.spec.field(name).kind is FieldKind.INTEGER:
            return integer_field(name)
        return keyword_field(name)


def build_layout(spec: IndexSpec) -> Layout:
    builder = tantivy.SchemaBuilder()
    described: list[list[Any]] = [["version", LAYOUT_VERSION]]

    def text(name: str, tokenizer: str, fast: bool, index_option: str) -> None:
        builder.add_text_field(
            name, stored=False, fast=fast, tokenizer_name=tokenizer, index_option=index_option
        )
        described.append(["text", name, tokenizer, fast, index_option])

    text(PK, "raw", True, "basic")
    builder.add_bytes_field(DOC, stored=True, indexed=False, fast=False)
    described.append(["bytes", DOC])
    for f in spec.fields:
        if f.name in spec.searchable:
            # positions, for phrases and split words (scores are built from which words match)
            text(text_field(f.name), ANALYZER_NAME, False, "position")
        if f.kind is FieldKind.KEYWORD or (f.kind is FieldKind.TEXT and f.name in spec.filterable):
            text(keyword_field(f.name), "raw", True, "basic")
        if f.kind is FieldKind.INTEGER:
            builder.add_integer_field(integer_field(f.name), stored=False, indexed=True, fast=True)
            described.append(["integer", integer_field(f.name)])
        if f.name in spec.sortable:
            text(sort_field(f.name, False), "raw", True, "basic")
            text(sort_field(f.name, True), "raw", True, "basic")
    plans = tuple(
        FieldPlan(
            f,
            integer=integer_field(f.name) if f.kind is FieldKind.INTEGER else None,
            text=(
                text_field(f.name)
                if f.kind is not FieldKind.INTEGER and f.name in spec.searchable
                else None
            ),
            keyword=(
                keyword_field(f.name)
                if f.kind is not FieldKind.INTEGER
                and (f.kind is FieldKind.KEYWORD or f.name in spec.filterable)
                else None
            ),
            sort=(
                (sort_field(f.name, False), sort_field(f.name, True))
                if f.name in spec.sortable
                else None
            ),
        )
        for f in spec.fields
    )
    fingerprint = json.dumps(described, separators=(",", ":"))
    return Layout(spec, builder.build(), fingerprint, plans)


def to_document(layout: Layout, source: Mapping[str, Any]) -> tuple[str, tantivy.Document]:
    """The primary key and the Tantivy document for one search document.

    Raises `ValueError` for a document that does not fit the spec (see `search.validation`).
    """
    spec = layout.spec
    pk = primary_key(spec, source)
    doc = tantivy.Document()
    doc.add_text(PK, pk)
    for plan in layout.plans:
        f = plan.field
        # a repeated exact value would be counted twice in a facet
        values = list(dict.fromkeys(field_values(f, source.get(f.name))))
        if plan.integer:
            for v in values:
                doc.add_integer(plan.integer, v)
        if plan.text:
            for v in values:
                doc.add_text(plan.text, index_text(v))
        if plan.keyword:
            for v in values:
                doc.add_text(plan.keyword, v)
        if plan.sort:
            doc.add_text(plan.sort[0], sort_key(f.kind, values, pk, False))
            doc.add_text(plan.sort[1], sort_key(f.kind, values, pk, True))
    try:
        stored = json.dumps(source, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"document {pk!r} is not plain JSON data: {exc}") from exc
    doc.add_bytes(DOC, stored.encode())
    return pk, doc


def sort_key(kind: FieldKind, values: list[Any], pk: str, descending: bool) -> str:
    """The string whose ascending order is the order of one sort field (then primary key)."""
    if not values:
        return "2\x00" + pk  # documents without a value come last either way
    if kind is FieldKind.INTEGER:
        v = (max(values) if descending else min(values)) + _INT_OFFSET
        return f"1{(_UINT64_MAX - v) if descending else v:016x}\x00{pk}"
    folded = [fold_for_sort(v) for v in values]
    if descending:
        # reversing a string order: complement every byte, and end with a mark above any hex
        # digit so a longer string sorts before its own prefix
        inverted = max(folded).encode().translate(_COMPLEMENT).hex()
        return f"1{inverted}~\x00{pk}"
    return f"1{min(folded)}\x00{pk}"


def fold_for_sort(value: str) -> str:
    if value.isascii():
        return value.lower().replace("\x00", "")[:_SORT_KEY_CHARS]
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded.replace("\x00", "")[:_SORT_KEY_CHARS]
