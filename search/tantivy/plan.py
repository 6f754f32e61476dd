"""What a parsed query asks of the embedded index: each term's ways of matching, as Meilisearch has.

A term (a query word or phrase) can match through several units: the word itself (with its typos
and, for the last word, as a prefix), the phrase, the word split in two adjacent indexed words
(`civtech` finding "civ tech", counted as one typo, split where the two halves stand next to each
other in most documents), or two or three adjacent query words written as one indexed word
(`city region` finding "cityregion": an n-gram, allowed the typos of its length less one per extra
word). The Tantivy query gives each term a disjunction over the units covering it; `rank` orders
the candidates with the same units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import tantivy

from search.query_syntax import ParsedQuery
from search.tantivy.layout import Layout, text_field
from search.tantivy.text import ONE_TYPO_FROM, TWO_TYPOS_FROM, QueryWord, terms_of_word

_Q = tantivy.Query
_SHOULD = tantivy.Occur.Should

MAX_NGRAM = 3  # Meilisearch joins at most three words
MAX_SPLIT_LENGTH = 30  # longer words are not tried for a split (each place costs a lookup)


@dataclass(frozen=True)
class Unit:
    """One way of matching the query terms `first`..`last`: an indexed word, or adjacent words."""

    first: int
    last: int
    word: QueryWord | None = None  # a single indexed word
    phrase: tuple[str, ...] = ()  # index terms that must stand next to each other, in order
    typos: int = 0  # what a phrase match costs (a split word: one typo)
    exact: str | None = None  # the index term of an exact match (the word as typed)

    @property
    def size(self) -> int:
        return self.last - self.first + 1


@dataclass
class Plan:
    positions: list[int]  # each term's query position
    units: list[Unit] = field(default_factory=list)
    excluded_words: list[str] = field(default_factory=list)  # index terms
    excluded_phrases: list[tuple[str, ...]] = field(default_factory=list)
    splittable: list[tuple[int, str]] = field(default_factory=list)  # (term, word) to try

    @property
    def terms(self) -> int:
        return len(self.positions)

    def query_words(self) -> list[QueryWord]:
        """Every indexed word a match may show, for highlighting."""
        found: list[QueryWord] = []
        for unit in self.units:
            if unit.word is not None:
                found.append(unit.word)
            found.extend(QueryWord(term, 0, False) for term in unit.phrase)
        return list(dict.fromkeys(found))


def typos_for(length: int) -> int:
    return 2 if length >= TWO_TYPOS_FROM else 1 if length >= ONE_TYPO_FROM else 0


def _normalised(word: str) -> list[str]:
    return list(terms_of_word(word))


def make_plan(parsed: ParsedQuery) -> Plan:
    plan = Plan(positions=[])
    single: list[str | None] = []  # each term's one index term, when it is a single plain word
    for term in parsed.terms:
        index = len(plan.positions)
        normalised = [t for w in term.words for t in _normalised(w)]
        if not normalised:
            continue
        plan.positions.append(term.position)
        if term.phrase or len(normalised) > 1:
            plan.units.append(Unit(index, index, phrase=tuple(normalised), exact=None))
            single.append(None)
            continue
        (t,) = normalised
        word = QueryWord(t, typos_for(len(t) - 1), term.prefix)
        plan.units.append(Unit(index, index, word=word, exact=t))
        single.append(t)
        plan.splittable.append((index, t[1:]))
    # n-grams: adjacent plain words, at adjacent query positions
    for first in range(len(single)):
        for last in range(first + 1, min(first + MAX_NGRAM, len(single))):
            words = single[first : last + 1]
            if any(w is None for w in words):
                break
            if plan.positions[last] - plan.positions[first] != last - first:
                break
            joined = "".join(w[1:] for w in words if w is not None)
            term = joined[0] + joined
            typos = max(0, typos_for(len(joined)) - (last - first))
            prefix = bool(last == len(single) - 1 and _is_prefix(plan, last))
            plan.units.append(Unit(first, last, word=QueryWord(term, typos, prefix), exact=term))
    for word in parsed.excluded_words:
        plan.excluded_words.extend(_normalised(word))
    for phrase in parsed.excluded_phrases:
        terms = tuple(t for w in phrase for t in _normalised(w))
        if terms:
            plan.excluded_phrases.append(terms)
    return plan


def _is_prefix(plan: Plan, term: int) -> bool:
    for unit in plan.units:
        if unit.first == term and unit.last == term and unit.word is not None:
            return unit.word.prefix
    return False


def settle(plan: Plan, layout: Layout, searcher: tantivy.Searcher, cache: dict) -> None:
    """Fit `plan` to the index `searcher` reads: add each plain word's best split and leave out
    the n-grams that match no indexed word (most do not, and each costs as much as a word with
    typos in every field, twice: for the hits and for the facets). `cache` holds what was found
    for this state of the index."""
    add_splits(plan, layout, searcher, cache)
    kept = []
    for unit in plan.units:
        if unit.size > 1 and unit.word is not None:
            key = ("ngram", unit.word)
            found = cache.get(key)
            if found is None:
                found = cache[key] = _matches_any(layout, searcher, unit.word)
            if not found:
                continue
        kept.append(unit)
    plan.units = kept


def _matches_any(layout: Layout, searcher: tantivy.Searcher, word: QueryWord) -> bool:
    """Whether `word` (with its typos, and as a prefix if it is one) matches an indexed word."""
    clauses = []
    for name in layout.spec.searchable:
        f = text_field(name)
        if word.typos or word.prefix:
            query = _Q.fuzzy_term_query(
                layout.schema, f, word.term, distance=word.typos, prefix=word.prefix
            )
        else:
            query = _Q.term_query(layout.schema, f, word.term)
        clauses.append((_SHOULD, query))
    return bool(searcher.search(_Q.boolean_query(clauses), 1, count=False).hits)


def add_splits(plan: Plan, layout: Layout, searcher: tantivy.Searcher, cache: dict) -> None:
    """Add each plain word's best split into two adjacent indexed words, if it has one."""
    for index, word in plan.splittable:
        if len(word) < 2 or len(word) > MAX_SPLIT_LENGTH:
            continue
        best = cache.get(word, False)
        if best is False:
            best = cache[word] = _best_split(layout, searcher, word)
        if best is not None:
            left, right = best
            plan.units.append(Unit(index, index, phrase=(left, right), typos=1))


def _best_split(layout: Layout, searcher: tantivy.Searcher, word: str) -> tuple[str, str] | None:
    fields = [text_field(name) for name in layout.spec.searchable]

    def present(term: str) -> bool:
        return any(searcher.doc_freq(f, term) for f in fields)

    best: tuple[int, tuple[str, str]] | None = None
    for cut in range(1, len(word)):
        left, right = word[0] + word[:cut], word[cut] + word[cut:]
        if not present(left) or not present(right):
            continue
        query = _Q.boolean_query(
            [(_SHOULD, _Q.phrase_query(layout.schema, f, [left, right])) for f in fields]
        )
        count = searcher.search(query, 1, count=True).count or 0
        if count and (best is None or count > best[0]):
            best = (count, (left, right))
    return best[1] if best else None
