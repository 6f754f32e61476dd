"""How a `SearchQuery` becomes Tantivy queries and collections for the embedded engine.

Each query term (see `plan`) becomes a disjunction over every searchable field of the units that
cover it: the exact word, the word as a prefix (last word only), the word with one or two typos
(when long enough), a phrase, a split word or an n-gram, each with a constant score from `Scores`,
so that a document's total score sorts the way Meilisearch's first rules do: more matched terms,
then fewer typos, then an earlier field, then whole words over prefixes (`rank` then orders the
best hits by all of the rules). The first term is required and the others optional, as with
Meilisearch's default matching strategy; excluded words and phrases must not match in any field.
Filters are exact terms (any of a field's values) that add nothing to the score. Facet counts come
from one terms aggregation over the same query, except that without query words the counts of
multi-valued fields are read from the term dictionary walked under the filters, several times
faster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import tantivy

from search.filters import NormalisedFilters
from search.tantivy.layout import Layout, sort_key, text_field
from search.tantivy.plan import Plan, Unit
from search.tantivy.text import MAX_QUERY_WORDS
from search.types import FieldKind, SortField
from search.validation import field_values, primary_key

_Q = tantivy.Query
_MUST = tantivy.Occur.Must
_SHOULD = tantivy.Occur.Should
_MUST_NOT = tantivy.Occur.MustNot


class Scores:
    """Score constants that make a sum of per-word scores sort like Meilisearch's rules.

    Per matched word: `word`, plus `typo` for each typo it did not need (0-2), plus `field` for
    how early its field is, plus one for a whole-word match. Each unit exceeds the most that the
    smaller ones can add up to over ten words, so words > typos > field > exactness, and every
    total stays an integer well inside a 32-bit float's exact range.
    """

    def __init__(self, fields: int) -> None:
        words = MAX_QUERY_WORDS
        self.field = words + 1
        self.typo = words * (fields - 1) * self.field + words + 1
        self.word = words * 2 * self.typo + self.typo
        self._fields = fields

    def of(self, rank: int, typos: int, whole: bool) -> float:
        return float(
            self.word
            + (2 - typos) * self.typo
            + (self._fields - 1 - rank) * self.field
            + (1 if whole else 0)
        )


def build_query(
    layout: Layout, scores: Scores, plan: Plan, filters: NormalisedFilters
) -> tantivy.Query:
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for index in range(plan.terms):
        alternatives = []
        for unit in plan.units:
            if unit.first <= index <= unit.last:
                alternatives.extend(unit_alternatives(layout, scores, unit))
        # Meilisearch's default "last" strategy drops terms from the end, never the first
        clauses.append((_MUST if index == 0 else _SHOULD, _Q.disjunction_max_query(alternatives)))
    fields = [text_field(name) for name in layout.spec.searchable]
    for term in plan.excluded_words:
        for f in fields:
            clauses.append((_MUST_NOT, _Q.term_query(layout.schema, f, term)))
    for phrase in plan.excluded_phrases:
        for f in fields:
            if len(phrase) == 1:
                clauses.append((_MUST_NOT, _Q.term_query(layout.schema, f, phrase[0])))
            else:
                clauses.append((_MUST_NOT, _Q.phrase_query(layout.schema, f, list(phrase))))
    for name, values in filters.items():
        exact_field = layout.exact_field(name)
        # term queries, not Tantivy's term set query: that one reads the field's whole fast
        # column (some 0.5 ms at 10,000 documents), these only the values' postings
        terms = [_Q.term_query(layout.schema, exact_field, value) for value in values]
        exact = terms[0] if len(terms) == 1 else _Q.boolean_query([(_SHOULD, t) for t in terms])
        clauses.append((_MUST, _Q.const_score_query(exact, 0.0)))
    if not any(occur != _MUST_NOT for occur, _ in clauses):
        if not clauses:
            return _Q.all_query()
        clauses.append((_MUST, _Q.all_query()))
    return _Q.boolean_query(clauses)


def unit_alternatives(layout: Layout, scores: Scores, unit: Unit) -> list[tantivy.Query]:
    """The scored queries, one per searchable field and kind of match, for one `Unit`."""
    schema = layout.schema
    alternatives = []
    for rank, name in enumerate(layout.spec.searchable):
        field = text_field(name)
        if unit.word is None:
            if len(unit.phrase) == 1:
                found = _Q.term_query(schema, field, unit.phrase[0])
            else:
                found = _Q.phrase_query(schema, field, list(unit.phrase))
            score = scores.of(rank, unit.typos, whole=not unit.typos)
            alternatives.append(_Q.const_score_query(found, score))
            continue
        word = unit.word
        exact = _Q.term_query(schema, field, word.term)
        alternatives.append(_Q.const_score_query(exact, scores.of(rank, 0, whole=True)))
        if word.prefix:
            prefix = _Q.fuzzy_term_query(schema, field, word.term, distance=0, prefix=True)
            alternatives.append(_Q.const_score_query(prefix, scores.of(rank, 0, whole=False)))
        for typos in range(1, word.typos + 1):
            near = _Q.fuzzy_term_query(schema, field, word.term, distance=typos, prefix=word.prefix)
            alternatives.append(_Q.const_score_query(near, scores.of(rank, typos, whole=False)))
    return alternatives


def facet_counts(
    layout: Layout,
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    names: Sequence[str],
    size: int,
    *,
    has_words: bool,
) -> dict[str, dict[str, int]]:
    """Exact counts of each value of each facet over the documents `query` matches."""
    counts: dict[str, dict[str, int]] = {}
    aggregated = []
    for name in names:
        f = layout.spec.field(name)
        # Walking the term dictionary under the query runs the query once per facet, which
        # only pays when the query is cheap (no words): then it beats the aggregation on
        # multi-valued fields several times over. Otherwise one aggregation does them all.
        if not has_words and f.multi and f.kind is not FieldKind.INTEGER:
            found = searcher.terms_with_prefix(
                layout.exact_field(name), "", filter_query=query, limit=size
            )
            counts[name] = {term: n for term, n in sorted(found) if n}
        else:
            aggregated.append(name)
    if aggregated:
        request = {
            f"f{i}": {
                "terms": {"field": layout.exact_field(name), "size": size, "segment_size": size}
            }
            for i, name in enumerate(aggregated)
        }
        found = searcher.aggregate(query, request)
        for i, name in enumerate(aggregated):
            buckets = sorted(found[f"f{i}"]["buckets"], key=lambda b: b["key"])
            counts[name] = {str(b["key"]): int(b["doc_count"]) for b in buckets if b["doc_count"]}
    return {name: counts[name] for name in names}


def python_sort_key(
    layout: Layout, sort: Sequence[SortField]
) -> Callable[[dict[str, Any]], tuple[str, ...]]:
    """A key ordering stored documents by several sort fields, then primary key."""
    fields = [(layout.spec.field(s.name), s.descending) for s in sort]

    def key(document: dict[str, Any]) -> tuple[str, ...]:
        parts = []
        for f, descending in fields:
            try:
                values = field_values(f, document.get(f.name))
            except ValueError:
                values = []
            parts.append(sort_key(f.kind, values, "", descending))
        parts.append(primary_key(layout.spec, document))
        return tuple(parts)

    return key
