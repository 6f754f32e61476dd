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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from search.query_syntax import HARD_SEPARATORS
from search.tantivy.plan import Plan, Unit
from search.tantivy.text import QueryWord, _within, _within_prefix, terms_of_word

WINDOW = 40  # a search with more matches keeps the order of the index's score
MAX_WORDS_READ = 64  # of one field: positions further on cost nearly the most anyway
MAX_OCCURRENCES = 8  # matches of one unit in one field that are weighed
MAX_COVERS = 64  # ways of covering the terms with units that are compared
MAX_DISTANCE = 8

_WORD = re.compile(r"[^\W_]+")
_HARD = re.compile("[" + re.escape(HARD_SEPARATORS) + "]")

Key = tuple[int, ...]
# (field rank, first position, last position, typos, as typed)
Occurrence = tuple[int, int, int, int, bool]


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
    found: list[tuple[str, int]] = []
    position = -1
    last_end = 0
    for match in _WORD.finditer(text):
        if len(found) >= MAX_WORDS_READ:
            break
        gap = 1
        if position >= 0 and _HARD.search(text, last_end, match.start()):
            gap = 8
        last_end = match.end()
        for term in terms_of_word(match.group()):
            position += gap
            gap = 1
            found.append((term, position))
    return found


class Ranker:
    """The Meilisearch key of documents for one plan."""

    def __init__(self, plan: Plan, searchable: Sequence[str]) -> None:
        self.plan = plan
        self.searchable = searchable
        self._typos: dict[tuple[int, str], int | None] = {}
        self._covers = _covers(plan)

    def key(self, document: dict[str, Any]) -> Key:
        plan = self.plan
        fields = [_field_terms(document.get(name)) for name in self.searchable]
        occurrences = {unit: self._occurrences(unit, fields) for unit in plan.units}
        best: Key | None = None
        for covered, covers in self._covers:
            for cover in covers:
                if any(not occurrences[unit] for unit in cover):
                    continue
                key = (plan.terms - covered, *self._cover_key(cover, occurrences, fields))
                if best is None or key < best:
                    best = key
            if best is not None:
                return best
        return (plan.terms + 1,)

    def _occurrences(self, unit: Unit, fields: list[list[tuple[str, int]]]) -> list[Occurrence]:
        found: list[Occurrence] = []
        for rank, terms in enumerate(fields):
            in_field = 0
            if unit.word is not None:
                for term, position in terms:
                    typos = self._word_typos(unit, term)
                    if typos is not None:
                        found.append((rank, position, position, typos, term == unit.exact))
                        in_field += 1
                        if in_field >= MAX_OCCURRENCES:
                            break
            else:
                phrase, size = unit.phrase, len(unit.phrase)
                for i in range(len(terms) - size + 1):
                    if all(
                        terms[i + k][0] == phrase[k] and terms[i + k][1] == terms[i][1] + k
                        for k in range(size)
                    ):
                        found.append(
                            (rank, terms[i][1], terms[i + size - 1][1], unit.typos, not unit.typos)
                        )
                        in_field += 1
                        if in_field >= MAX_OCCURRENCES:
                            break
        return found

    def _word_typos(self, unit: Unit, term: str) -> int | None:
        key = (id(unit), term)
        if key not in self._typos:
            assert unit.word is not None
            self._typos[key] = word_typos(unit.word, term)
        return self._typos[key]

    def _cover_key(
        self,
        cover: tuple[Unit, ...],
        occurrences: dict[Unit, list[Occurrence]],
        fields: list[list[tuple[str, int]]],
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

    def _exact_attribute(self, cover: tuple[Unit, ...], fields: list[list[tuple[str, int]]]) -> int:
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
        for terms in fields:
            if len(terms) >= len(wanted) and all(terms[i][0] == w for i, w in enumerate(wanted)):
                if len(terms) == len(wanted):
                    return 0
                best = 1
        return best


def _proximity(left: int, right: int) -> int:
    if left <= right:
        return min(right - left, MAX_DISTANCE)
    return min(left - right + 1, MAX_DISTANCE)


def _field_terms(value: object) -> list[tuple[str, int]]:
    if isinstance(value, str):
        return analyse(value)
    if isinstance(value, list | tuple):
        # list values stand apart, as across a hard separator
        return analyse(", ".join(v for v in value if isinstance(v, str)))
    return []


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
