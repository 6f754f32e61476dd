"""How the embedded engine reads text the way Meilisearch does.

Words are runs of letters and digits, lower-cased and folded to ASCII (so "Café" is "cafe"). A
query keeps its first ten words, each allowed Meilisearch's default typo budget (none under five
characters, one from five, two from nine) and the last one also matching as a prefix unless the
query ends with a separator. Meilisearch counts a typo on a word's first letter as two; we get
the same rule from Tantivy's plain edit-distance matching by indexing and querying every word
with its first letter doubled ("telecare" is stored as "ttelecare"), so changing that letter
costs two edits. `HighlightMatcher` applies the same rules in Python to the words of a stored
text, so exactly the words that made a document match are highlighted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import tantivy

ANALYZER_NAME = "ssr_words"
MAX_QUERY_WORDS = 10  # Meilisearch also ignores words after the tenth
_FEW_WORDS = 8  # matched words worth looking for with str.find in every text
ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 9

# Python's \w without the underscore is the letters-and-digits run that Tantivy's simple
# tokenizer splits on, so both sides agree where each word starts.
WORD = re.compile(r"[^\W_]+")


def build_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(255))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


_ANALYZER = build_analyzer()
# For ASCII text the analyzer's words are the runs of ASCII letters and digits, lower-cased,
# shorter than 255 bytes: `bytes.translate` and `split` find them several times faster.
_ASCII_WORDS = bytes(
    ord(chr(c).lower()) if c < 128 and chr(c).isalnum() else 0x20 for c in range(256)
)
_ASCII_ALNUM = bytes(c if c < 128 and chr(c).isalnum() else 0x20 for c in range(256))
_LONG_WORD = 255  # Filter.remove_long(255) drops words this long or longer


def words_of(text: str) -> set[str]:
    """The distinct words of `text` as the analyzer makes them (no doubled first letter)."""
    if text.isascii():
        found = set(text.encode("ascii").translate(_ASCII_WORDS).split())
        return {word.decode("ascii") for word in found if len(word) < _LONG_WORD}
    return set(_ANALYZER.analyze(text))


def index_text(text: str) -> str:
    """The text Tantivy indexes for a searchable field: its words, each first letter doubled."""
    if text.isascii():  # the same words, found twice as fast (the analyzer lower-cases them)
        words = text.encode("ascii").translate(_ASCII_ALNUM).decode("ascii").split()
    else:
        words = WORD.findall(text)
    return " ".join([word[0] + word for word in words])


@functools.lru_cache(maxsize=200_000)
def terms_of_word(word: str) -> tuple[str, ...]:
    """The index terms of one word as `WORD` finds it (usually exactly one)."""
    return tuple(_ANALYZER.analyze(word[0] + word))


@dataclass(frozen=True)
class QueryWord:
    term: str  # as indexed: normalised, first letter doubled
    typos: int  # edits allowed
    prefix: bool  # may match the start of a longer word


def query_words(text: str) -> list[QueryWord]:
    """The words of a query with what each may match; empty when there is nothing to search."""
    found: list[tuple[str, int]] = []
    for match in WORD.finditer(text):
        found.extend((term, match.end()) for term in terms_of_word(match.group()))
        if len(found) >= MAX_QUERY_WORDS:
            break
    found = found[:MAX_QUERY_WORDS]
    words = []
    for position, (term, end) in enumerate(found):
        length = len(term) - 1  # without the doubled letter
        typos = 2 if length >= TWO_TYPOS_FROM else 1 if length >= ONE_TYPO_FROM else 0
        is_last = position == len(found) - 1
        words.append(QueryWord(term, typos, prefix=is_last and end == len(text)))
    return words


class HighlightMatcher:
    """Finds the words of stored texts that match a query's words.

    Checking every word of every hit in Python would cost milliseconds per page, so the page's
    texts are split into words the way Tantivy's analyzer splits them (`words_of`), and only the
    distinct words that could match - those sharing a query word's first letter or, for words
    allowed two typos, holding the letters a first-letter typo leaves intact - are checked one
    by one. The words found are then located with `str.find` in ASCII texts (lower-casing keeps
    their offsets; a few words are looked for once in the whole page) and word by word in the
    others.
    """

    def __init__(self, words: list[QueryWord]) -> None:
        self._words = words
        self._letters = tuple({w.term[0] for w in words})
        # after a typo on the first letter the rest must be exact, so the query word's third to
        # fifth letters are in the word (w.term is its first letter twice, then the rest)
        self._after_first = [w.term[3:6] for w in words if w.typos >= 2 and w.term[3:6]]
        self._verdicts: dict[str, bool] = {}

    def spans(self, text: str) -> list[tuple[int, int]]:
        return self.spans_of([text])[0]

    def spans_of(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        """For each text, the (start, end) of every matching word, in order."""
        verdicts = self._verdicts
        page = "\n".join(texts)
        page_words = words_of(page)
        candidates = [w for w in page_words if w.startswith(self._letters)]
        for part in self._after_first:
            candidates.extend(w for w in page_words if part in w)
        found = set()
        for word in candidates:
            verdict = verdicts.get(word)
            if verdict is None:
                verdict = verdicts[word] = self._matches(word[0] + word)
            if verdict:
                found.add(word)
        if not found:
            return [[] for _ in texts]
        if len(found) <= _FEW_WORDS and page.isascii():
            # a few words: look for them once in the whole page, then share the spans out
            return _share_out(_find_words(page.lower(), found), texts)
        spans = []
        for text in texts:
            if len(found) > _FEW_WORDS:
                # many words (a short prefix): find which are in this text before looking
                present: AbstractSet[str] = found.intersection(words_of(text))
            else:
                present = found
            if not present:
                spans.append([])
            elif text.isascii():
                spans.append(_find_words(text.lower(), present))
            else:
                spans.append(_spans_of_words(text, present))
        return spans

    def _matches(self, term: str) -> bool:
        for word in self._words:
            query = word.term
            if term == query or (word.prefix and term.startswith(query)):
                return True
            if not word.typos:
                continue
            if term[0] == query[0]:
                if word.prefix:
                    if len(term) >= len(query) - word.typos and _within_prefix(
                        query, term, word.typos
                    ):
                        return True
                elif abs(len(term) - len(query)) <= word.typos and _within(query, term, word.typos):
                    return True
            # a typo on the first letter costs two (the letter is doubled in both terms)
            elif word.typos >= 2 and _first_letter_typo(query, term, word.prefix):
                return True
        return False


def _find_words(lowered: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where the whole words `words` occur in the lower-cased ASCII text `lowered`."""
    spans = []
    end_of_text = len(lowered)
    for word in words:
        start = lowered.find(word)
        while start >= 0:
            end = start + len(word)
            if (start == 0 or not lowered[start - 1].isalnum()) and (
                end == end_of_text or not lowered[end].isalnum()
            ):
                spans.append((start, end))
            start = lowered.find(word, end)
    spans.sort()
    return spans


def _share_out(spans: list[tuple[int, int]], texts: list[str]) -> list[list[tuple[int, int]]]:
    """Spans found in the texts joined by newlines, as spans of each text (a span never crosses
    a newline: words are letters and digits)."""
    shared: list[list[tuple[int, int]]] = [[] for _ in texts]
    i, offset = 0, 0
    for start, end in spans:
        while start >= offset + len(texts[i]):
            offset += len(texts[i]) + 1
            i += 1
        shared[i].append((start - offset, end - offset))
    return shared


def _spans_of_words(text: str, wanted: AbstractSet[str]) -> list[tuple[int, int]]:
    """Where words whose index term (without the doubled letter) is in `wanted` occur in `text`."""
    return [
        match.span()
        for match in WORD.finditer(text)
        if any(term[1:] in wanted for term in terms_of_word(match.group()))
    ]


def _first_letter_typo(query: str, term: str, prefix: bool) -> bool:
    """Whether `term` is `query` with one typo on its (differing) first letter and none after.

    Both are doubled-first-letter terms: `query` is a+a+R and `term` is b+b+S.
    """
    a, rest = query[0], query[2:]
    b, other = term[0], term[2:]

    def same(candidate: str, target: str) -> bool:
        return candidate.startswith(target) if prefix else candidate == target

    return (
        same(other, rest)  # a replaced by b
        or same(b + other, rest)  # a left out
        or same(other, a + rest)  # b put in front
        or (
            bool(rest)
            and bool(other)
            and rest[0] == b
            and other[0] == a
            and same(other[1:], rest[1:])
        )
    )


def _common_prefix(a: str, b: str) -> int:
    i = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        i += 1
    return i


def _within(a: str, b: str, edits: int) -> bool:
    """Whether `a` becomes `b` in at most `edits` insertions, deletions, substitutions or swaps."""
    if a == b:
        return True
    if edits == 0:
        return False
    i = _common_prefix(a, b)
    a, b = a[i:], b[i:]
    j = _common_prefix(a[::-1], b[::-1])
    if j:
        a, b = a[:-j], b[:-j]
    if not a or not b:
        return len(a) + len(b) <= edits
    if edits == 1:  # the common case, without recursion
        return (
            a[1:] == b[1:]
            or a[1:] == b
            or a == b[1:]
            or (len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0] and a[2:] == b[2:])
        )
    e = edits - 1
    return (
        _within(a[1:], b[1:], e)
        or _within(a[1:], b, e)
        or _within(a, b[1:], e)
        or (
            len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0] and _within(a[2:], b[2:], e)
        )
    )


def _within_prefix(query: str, term: str, edits: int) -> bool:
    """Whether some prefix of `term` is within `edits` edits of `query`."""
    i = _common_prefix(query, term)
    query, term = query[i:], term[i:]
    if not query:
        return True
    if not term:
        return len(query) <= edits
    if edits == 0:
        return False
    if edits == 1:  # the common case, without recursion
        return (
            term[1:].startswith(query[1:])
            or term.startswith(query[1:])
            or term[1:].startswith(query)
            or (
                len(query) > 1
                and len(term) > 1
                and query[0] == term[1]
                and query[1] == term[0]
                and term[2:].startswith(query[2:])
            )
        )
    e = edits - 1
    return (
        _within_prefix(query[1:], term[1:], e)
        or _within_prefix(query[1:], term, e)
        or _within_prefix(query, term[1:], e)
        or (
            len(query) > 1
            and len(term) > 1
            and query[0] == term[1]
            and query[1] == term[0]
            and _within_prefix(query[2:], term[2:], e)
        )
    )
