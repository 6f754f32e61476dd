"""Synonyms, engine-neutral: words or phrases a search treats as meaning the same.

Every engine takes them in Meilisearch's format: a mapping from a word or phrase to its
equivalents (`{"m365": ["microsoft 365"], "microsoft 365": ["m365"]}`), both directions written
out (`mutual` writes them out from groups of equivalent terms). They are read as Meilisearch
reads them: case and accents do not count, and only a query's runs of one to three adjacent
words (`MAX_WORDS`) are looked up, so a longer term can be found through its equivalents but
never stands for them. An equivalent is matched as its words side by side, without typos or
prefixes. `SynonymTable` finds, in a query's words, the runs that have equivalents; an engine
that expands queries itself (the embedded one) adds each equivalent as another way of matching
that run.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

Synonyms = Mapping[str, Sequence[str]]
Words = tuple[str, ...]

MAX_WORDS = 3  # Meilisearch looks synonyms up for runs of one to three query words
MAX_TERM_LENGTH = 50  # characters of one word or phrase
MAX_EQUIVALENTS = 50  # of one word or phrase
MAX_ENTRIES = 10_000  # words and phrases with equivalents
MAX_EXPANSIONS = 40  # equivalents one query may add

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> Words:
    """The words of `text` with case and accents folded away (`Résumé CV` -> `resume`, `cv`)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return tuple(_WORD.findall(plain))


def mutual(groups: Iterable[Sequence[str]]) -> dict[str, list[str]]:
    """Meilisearch's format for groups of equivalent terms: each term maps to the others."""
    mapping: dict[str, list[str]] = {}
    for group in groups:
        for term in group:
            others = [other for other in group if other != term]
            if others:
                mapping.setdefault(term, [])
                mapping[term].extend(o for o in others if o not in mapping[term])
    return mapping


def check(synonyms: Synonyms) -> dict[str, list[str]]:
    """`synonyms` as plain lists, refused with `ValueError` past the bounds above."""
    if len(synonyms) > MAX_ENTRIES:
        raise ValueError(f"at most {MAX_ENTRIES} words or phrases may have synonyms")
    plain: dict[str, list[str]] = {}
    for term, equivalents in synonyms.items():
        if isinstance(equivalents, str):
            raise ValueError(f"the synonyms of {term!r} must be a list, not a string")
        listed = list(equivalents)
        if len(listed) > MAX_EQUIVALENTS:
            raise ValueError(f"{term!r} has more than {MAX_EQUIVALENTS} synonyms")
        for text in (term, *listed):
            if not isinstance(text, str) or not fold(text):
                raise ValueError(f"a synonym must hold a word: {text!r}")
            if len(text) > MAX_TERM_LENGTH:
                raise ValueError(f"a synonym is longer than {MAX_TERM_LENGTH} characters")
        plain[term] = listed
    return plain


def dumps(synonyms: Synonyms) -> str:
    return json.dumps(check(synonyms), sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Expansion:
    """Query words `first`..`last` (indexes into the words looked at) may match `words`."""

    first: int
    last: int
    words: Words


class SynonymTable:
    """Synonyms ready for looking up in queries.

    `fold_word` turns one folded word into the engine's own words (usually itself), so keys and
    equivalents are compared with a query in the engine's terms.
    """

    def __init__(
        self, synonyms: Synonyms, fold_word: Callable[[str], Sequence[str]] | None = None
    ) -> None:
        def words_of(text: str) -> Words:
            folded = fold(text)
            if fold_word is None:
                return folded
            return tuple(w for word in folded for w in fold_word(word))

        table: dict[Words, list[Words]] = {}
        for term, equivalents in check(synonyms).items():
            key = words_of(term)
            if not key or len(key) > MAX_WORDS:
                continue  # never looked up, as in Meilisearch
            found = table.setdefault(key, [])
            for equivalent in equivalents:
                words = words_of(equivalent)
                if words and words != key and words not in found:
                    found.append(words)
        self._table = {key: tuple(found) for key, found in table.items() if found}

    def __bool__(self) -> bool:
        return bool(self._table)

    def expansions(self, words: Sequence[str | None], adjacent: Sequence[bool]) -> list[Expansion]:
        """The equivalents of every run of one to `MAX_WORDS` words of a query, at most
        `MAX_EXPANSIONS` in all. `words[i]` is None where the query has no plain word (a
        phrase in quotes); `adjacent[i]` says whether word i directly follows word i - 1."""
        found: list[Expansion] = []
        for first in range(len(words)):
            for last in range(first, min(first + MAX_WORDS, len(words))):
                run = words[first : last + 1]
                if any(w is None for w in run):
                    break
                if last > first and not adjacent[last]:
                    break
                for equivalent in self._table.get(tuple(run), ()):  # type: ignore[arg-type]
                    if len(found) >= MAX_EXPANSIONS:
                        return found
                    found.append(Expansion(first, last, equivalent))
        return found
