"""Meilisearch's ranking rules, applied to the embedded engine's best candidates.

Tantivy's scores order hits by matched terms, typos, field and whole words (see `query`), but not
by how close the matched words stand, where they stand in their field, or whether a field is the
query itself. So the first `WINDOW` hits of a search are ordered again here, by the key
Meilisearch's default rules give them, in order:

1. words: how many terms were dropped from the end of the query before the document matched;
2. typo: the typos of the matching words (a split word counts one);
3. proximity: for each pair of adjacent query terms, the distance between their matches in one
   field (1 for neighbours in order, one more for the reverse order, 8 for further or apart),
   less one, plus one for each extra word an n-gram covers;
4. attribute: the rank of the earliest field each term matches in (times the words it covers),
   then how far each match stands from the position the query gave its term, in Meilisearch's
   buckets of distance;
5. exactness: a field that is the query, then a field that starts with it, then the others; then
   the number of terms not matched by the word as typed.

Each rule looks at the same choice of matches: for each way of covering the remaining terms with
units (a word, a phrase, a split word, an n-gram) the lowest key is the document's. Ties keep the
index order (the order the documents were written in, as Meilisearch's internal ids do). Words
stand at positions counted as Meilisearch counts them: one per word, eight across a hard
separator (`.`, `,`, `;`, brackets...) and between the values of a list.

This runs in Python for every candidate, so it is kept lean: a field is read once per document
(`document_terms`; ASCII text is split by `bytes.translate`, not word by word), each distinct
term is checked against the query's words once per search, and only the terms that match are
looked for in the field. The engine keeps the order it found per state of the index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from search.query_syntax import HARD_SEPARATORS
from search.tantivy.plan import Plan, Unit
from search.tantivy.text import QueryWord, _within, _within_prefix, terms_of_word

WINDOW = 40  # hits put in the rules' order; further ones keep the order of the index's score
MAX_WORDS_READ = 64  # of one field: positions further on cost nearly the most anyway
MAX_OCCURRENCES = 8  # matches of one unit in one field that are weighed
MAX_COVERS = 64  # ways of covering the terms with units that are compared
MAX_DISTANCE = 8

_WORD = re.compile(r"[^\W_]+")
_HARD = re.compile("[" + re.escape(HARD_SEPARATORS) + "]")
# ASCII letters and digits lower-cased, hard separators a mark of their own, anything else a
# space: the analyzer's words of ASCII text, with where the hard separators stand
_HARD_MARK = "\x01"
_ASCII_WORDS = bytes(
    ord(chr(c).lower())
    if c < 128 and chr(c).isalnum()
    else ord(_HARD_MARK)
    if chr(c) in HARD_SEPARATORS
    else 0x20
    for c in range(256)
)
_LONGEST_KEPT = 253  # a longer word makes an index term of 255 bytes or more, which is dropped
_HEAD = 1024  # characters read first: usually enough for `MAX_WORDS_READ` words

Key = tuple[int, ...]
# (field rank, first position, last position, typos, as typed)
Occurrence = tuple[int, int, int, int, bool]


class FieldTerms:
    """The first `MAX_WORDS_READ` index terms of one field, their positions, and the set of them."""

    __slots__ = ("distinct", "positions", "terms")

    def __init__(self, terms: list[str], positions: list[int]) -> None:
        self.terms = terms
        self.positions = positions
        self.distinct = frozenset(terms)


def cost_from_distance(distance: int) -> int:
    for limit, cost in ((0, 0), (1, 1), (4, 2), (7, 3), (11, 4), (16, 5), (24, 6), (64, 7)):
        if distance <= limit:
            return cost
    return 8 if distance <= 256 else 9 if distance <= 1024 else 10


def word_typos(word: QueryWord, term: str) -> int | None:
    """The typos `term` (an index term) costs as a match of `word`, or None if it is none."""
    query = word.term
    if term == query or (word.prefix and term.startswith(query)):
        return 0
    for typos in range(1, word.typos + 1):
        if word.prefix:
            if len(term) >= len(query) - typos and _within_prefix(query, term, typos):
                return typos
        elif abs(len(term) - len(query)) <= typos and _within(query, term, typos):
            return typos
    return None


def analyse(text: str) -> list[tuple[str, int]]:
    """The index terms of `text` with their positions (a hard separator adds seven)."""
    found = analyse_field(text)
    return list(zip(found.terms, found.positions, strict=True))


def analyse_field(text: str) -> FieldTerms:
    """The first `MAX_WORDS_READ` index terms of `text` and their positions.

    ASCII text (nearly all of it) is split with `bytes.translate` between hard separators,
    several times faster than word by word; any other text, or a word too long to be indexed,
    goes word by word through the analyzer (`_analyse_words`), which gives the same terms.
    """
    if text.isascii():
        found = _analyse_ascii(text[:_HEAD] if len(text) > _HEAD else text)
        if found is not None and (len(found[0]) > MAX_WORDS_READ or len(text) <= _HEAD):
            # past MAX_WORDS_READ words the head's cut cannot have touched the words kept
            return FieldTerms(found[0][:MAX_WORDS_READ], found[1][:MAX_WORDS_READ])
        if len(text) > _HEAD:
            found = _analyse_ascii(text)
            if found is not None:
                return FieldTerms(found[0][:MAX_WORDS_READ], found[1][:MAX_WORDS_READ])
    return _analyse_words(text)


def _analyse_ascii(text: str) -> tuple[list[str], list[int]] | None:
    """Up to `MAX_WORDS_READ` + 1 terms of ASCII `text`, or None when a word is too long."""
    terms: list[str] = []
    positions: list[int] = []
    position = -1
    translated = text.encode("ascii").translate(_ASCII_WORDS).decode("ascii")
    for chunk in translated.split(_HARD_MARK):
        words = chunk.split()
        if not words:
            continue
        words = words[: MAX_WORDS_READ + 1 - len(terms)]
        start = position + 8 if position >= 0 else 0
        terms += [word[0] + word for word in words]
        positions += range(start, start + len(words))
        position = start + len(words) - 1
        if len(terms) > MAX_WORDS_READ:
            break
    if terms and max(map(len, terms)) > _LONGEST_KEPT + 1:
        return None
    return terms, positions


def _analyse_words(text: str) -> FieldTerms:
    terms: list[str] = []
    positions: list[int] = []
    position = -1
    last_end = 0
    for match in _WORD.finditer(text):
        if len(terms) >= MAX_WORDS_READ:
            break
        gap = 1
        if position >= 0 and _HARD.search(text, last_end, match.start()):
            gap = 8
        last_end = match.end()
        for term in terms_of_word(match.group()):
            position += gap
            gap = 1
            terms.append(term)
            positions.append(position)
    return FieldTerms(terms, positions)


def field_terms(value: object) -> FieldTerms:
    """The analysed terms of one stored field value (the values of a list stand apart, as
    across a hard separator)."""
    if isinstance(value, str):
        return analyse_field(value)
    if isinstance(value, list | tuple):
        return analyse_field(", ".join(v for v in value if isinstance(v, str)))
    return _NOTHING


_NOTHING = FieldTerms([], [])


def document_terms(document: dict[str, Any], searchable: Sequence[str]) -> list[FieldTerms]:
    """The analysed searchable fields of a stored document, in ranking order."""
    return [field_terms(document.get(name)) for name in searchable]


class Ranker:
    """The Meilisearch key of documents for one plan."""

    def __init__(self, plan: Plan, searchable: Sequence[str]) -> None:
        self.plan = plan
        self.searchable = searchable
        self._words = [unit for unit in plan.units if unit.word is not None]
        self._word_checks = [
            (unit, unit.word.term, unit.word.typos, unit.word.term[3:6])
            for unit in self._words
            if unit.word is not None
        ]
        queries = [query for _, query, _, _ in self._word_checks]
        self._letters: tuple[str, ...] | None = None  # None: every term is a candidate
        if all(q[0] == q[1:2] for q in queries):
            self._letters = tuple({q[0] for q in queries})
        self._infixes = {infix for _, _, typos, infix in self._word_checks if typos >= 2 and infix}
        self._phrases = [unit for unit in plan.units if unit.word is None]
        self._seen: set[str] = set()  # index terms already checked against every word unit
        self._matching: dict[str, list[tuple[Unit, int]]] = {}  # those that match, and how
        self._covers = _covers(plan)

    def key(self, document: dict[str, Any]) -> Key:
        return self.key_of(document_terms(document, self.searchable))

    def key_of(self, fields: list[FieldTerms]) -> Key:
        """The key of a document whose searchable fields are `fields` (see `document_terms`)."""
        plan = self.plan
        occurrences = self._occurrences(fields)
        best: Key | None = None
        for covered, covers in self._covers:
            for cover in covers:
                if any(unit not in occurrences for unit in cover):
                    continue
                key = (plan.terms - covered, *self._cover_key(cover, occurrences, fields))
                if best is None or key < best:
                    best = key
            if best is not None:
                return best
        return (plan.terms + 1,)

    def _occurrences(self, fields: list[FieldTerms]) -> dict[Unit, list[Occurrence]]:
        """Each unit's matches (at most `MAX_OCCURRENCES` a field, the first ones); units
        without any are left out."""
        found: dict[Unit, list[Occurrence]] = {}
        for rank, field in enumerate(fields):
            if not field.terms:
                continue
            if self._words:
                self._check(field.distinct - self._seen)
                hits = field.distinct.intersection(self._matching)
                if hits:
                    self._word_occurrences(rank, field, hits, found)
            for unit in self._phrases:
                self._phrase_occurrences(rank, field, unit, found)
        return found

    def _check(self, terms: AbstractSet[str]) -> None:
        self._seen |= terms
        if self._letters is not None:
            # only terms that can match: those starting with a query word's letter, or holding
            # the letters a typo on the first letter leaves as typed, or not doubled at all
            candidates = [t for t in terms if t.startswith(self._letters) or t[0] != t[1:2]]
            for infix in self._infixes:
                candidates.extend(t for t in terms if infix in t)
            terms = set(candidates)
        for term in terms:
            first, doubled = term[0], term[0] == term[1:2]
            matches = []
            for unit, query, typos, infix in self._word_checks:
                # A different first letter costs two typos (see `text`), and then the rest of
                # the word is as typed: its third to fifth letters stand in the term.
                if (
                    first != query[0]
                    and doubled
                    and query[0] == query[1:2]
                    and (typos < 2 or infix not in term)
                ):
                    continue
                found = word_typos(unit.word, term)  # type: ignore[arg-type]
                if found is not None:
                    matches.append((unit, found))
            if matches:
                self._matching[term] = matches

    def _word_occurrences(
        self,
        rank: int,
        field: FieldTerms,
        hits: AbstractSet[str],
        found: dict[Unit, list[Occurrence]],
    ) -> None:
        per_unit: dict[Unit, list[tuple[int, int, bool]]] = {}
        terms, positions = field.terms, field.positions
        for term in hits:
            at = [positions[i] for i, t in enumerate(terms) if t == term]
            for unit, typos in self._matching[term]:
                exact = term == unit.exact
                per_unit.setdefault(unit, []).extend((p, typos, exact) for p in at)
        for unit, matches in per_unit.items():
            matches.sort(key=_first)
            found.setdefault(unit, []).extend(
                (rank, p, p, typos, exact) for p, typos, exact in matches[:MAX_OCCURRENCES]
            )

    def _phrase_occurrences(
        self, rank: int, field: FieldTerms, unit: Unit, found: dict[Unit, list[Occurrence]]
    ) -> None:
        phrase, size = unit.phrase, len(unit.phrase)
        if not field.distinct.issuperset(phrase):
            return
        terms, positions = field.terms, field.positions
        in_field = 0
        for i in range(len(terms) - size + 1):
            if terms[i] != phrase[0]:
                continue
            if all(
                terms[i + k] == phrase[k] and positions[i + k] == positions[i] + k
                for k in range(1, size)
            ):
                found.setdefault(unit, []).append(
                    (rank, positions[i], positions[i + size - 1], unit.typos, not unit.typos)
                )
                in_field += 1
                if in_field >= MAX_OCCURRENCES:
                    break

    def _cover_key(
        self,
        cover: tuple[Unit, ...],
        occurrences: dict[Unit, list[Occurrence]],
        fields: list[FieldTerms],
    ) -> Key:
        plan = self.plan
        chosen = []
        typos = 0
        for unit in cover:
            least = min(o[3] for o in occurrences[unit])
            typos += least
            chosen.append([o for o in occurrences[unit] if o[3] == least])
        proximity = 0
        for i, unit in enumerate(cover):
            proximity += unit.size - 1
            if i == 0:
                continue
            before = cover[i - 1]
            if plan.positions[before.last] + 1 != plan.positions[unit.first]:
                continue
            closest = MAX_DISTANCE
            for left in chosen[i - 1]:
                for right in chosen[i]:
                    if left[0] == right[0]:
                        closest = min(closest, _proximity(left[2], right[1]))
            proximity += closest - 1
        pairs = list(zip(cover, chosen, strict=True))
        fid = sum(unit.size * min(o[0] for o in found) for unit, found in pairs)
        position = 0
        for unit, found in pairs:
            start = plan.positions[unit.first]
            position += min(
                sum(cost_from_distance(abs(o[1] - start) + i) for i in range(unit.size))
                for o in found
            )
        attribute = self._exact_attribute(cover, fields)
        inexact = sum(unit.size for unit, found in pairs if not any(o[4] for o in found))
        return (typos, proximity, fid, position, attribute, inexact)

    def _exact_attribute(self, cover: tuple[Unit, ...], fields: list[FieldTerms]) -> int:
        """0 when a field is exactly the query's words as typed, 1 when one starts with them."""
        wanted: list[str] = []
        for unit in cover:
            if unit.exact is not None and unit.size == 1:
                wanted.append(unit.exact)
            elif unit.word is None and not unit.typos:
                wanted.extend(unit.phrase)
            else:
                return 2
        best = 2
        size = len(wanted)
        for field in fields:
            if field.terms[:size] == wanted and len(field.terms) >= size:
                if len(field.terms) == size:
                    return 0
                best = 1
        return best


def _proximity(left: int, right: int) -> int:
    if left <= right:
        return min(right - left, MAX_DISTANCE)
    return min(left - right + 1, MAX_DISTANCE)


def _first(match: tuple[int, int, bool]) -> int:
    return match[0]


def _covers(plan: Plan) -> list[tuple[int, list[tuple[Unit, ...]]]]:
    """For each number of leading terms, from all of them down to one, the ways units cover
    exactly those terms (bounded by `MAX_COVERS` in all)."""
    by_first: dict[int, list[Unit]] = {}
    for unit in plan.units:
        by_first.setdefault(unit.first, []).append(unit)
    result = []
    budget = MAX_COVERS
    for covered in range(plan.terms, 0, -1):
        found: list[tuple[Unit, ...]] = []
        stack: list[tuple[int, tuple[Unit, ...]]] = [(0, ())]
        while stack and len(found) < budget:
            start, path = stack.pop()
            if start == covered:
                found.append(path)
                continue
            for unit in reversed(by_first.get(start, [])):
                if unit.last < covered:
                    stack.append((unit.last + 1, (*path, unit)))
        budget = max(budget - len(found), 1)
        result.append((covered, found))
    return result
