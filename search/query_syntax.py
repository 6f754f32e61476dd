"""What a search box's text asks for, read the way Meilisearch reads it, for every engine.

A query is words, phrases in double quotes (`"case management"`: the words next to each other, in
that order, without typos or prefixes) and exclusions: `-word` or `-"a phrase"`, a minus sign at the
start of the query or after a space, leaves out every document holding that exact word or phrase.
A quote left open runs to the end of the query. A minus sign anywhere else is an ordinary
separator (`e-mail` is the words `e` and `mail`).

Only the first `MAX_TERMS` words and phrases count, and reading stops there (exclusions after
them are ignored too), as Meilisearch stops at its tenth term. The last word is also a prefix
when nothing follows it. Each term keeps its position in the query (every word counts one, and a
hard separator such as `.` or `,` seven more, as Meilisearch counts them), which is what decides
whether two words are adjacent (they may then match one indexed word) and how far a matched word
sits from where the query put it. `query_problem` refuses, with a reason, the queries whose
exclusions or phrases go past what any engine is asked to handle.

Words here are the text's own runs of letters and digits; each engine normalises them itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TERMS = 10  # Meilisearch also ignores terms after the tenth
MAX_EXCLUDED = 10  # excluded words and phrases together
MAX_PHRASE_WORDS = 10

# Meilisearch's hard separators (they end a phrase's run of positions, and cost 8 positions)
HARD_SEPARATORS = ".;,!?()[]{}|"

_TOKEN = re.compile(r'(?P<quote>")|(?P<word>[^\W_]+)|(?P<sep>[^\w"]|_)', re.S)


@dataclass(frozen=True)
class Term:
    """One word or one phrase of a query."""

    words: tuple[str, ...]
    position: int  # the query position of its first word
    phrase: bool = False
    prefix: bool = False  # the query's last word, with nothing after it


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...]
    excluded_words: tuple[str, ...]
    excluded_phrases: tuple[tuple[str, ...], ...]

    @property
    def empty(self) -> bool:
        return not self.terms and not self.excluded_words and not self.excluded_phrases


def parse(text: str) -> ParsedQuery:
    """The terms and exclusions of `text`, bounded by `MAX_TERMS`, `MAX_EXCLUDED` and
    `MAX_PHRASE_WORDS` (what is past a bound is ignored; `query_problem` says when)."""
    terms, excluded_words, excluded_phrases, _ = _read(text)
    return ParsedQuery(
        tuple(terms),
        tuple(excluded_words[:MAX_EXCLUDED]),
        tuple(p[:MAX_PHRASE_WORDS] for p in excluded_phrases[: MAX_EXCLUDED - len(excluded_words)]),
    )


def query_problem(text: str) -> str | None:
    """Why `text` cannot be searched as written, or None when it can."""
    _, excluded_words, excluded_phrases, longest_phrase = _read(text)
    if len(excluded_words) + len(excluded_phrases) > MAX_EXCLUDED:
        return f"a search may exclude at most {MAX_EXCLUDED} words or phrases"
    if longest_phrase > MAX_PHRASE_WORDS:
        return f"a phrase in quotes may have at most {MAX_PHRASE_WORDS} words"
    return None


def _read(text: str) -> tuple[list[Term], list[str], list[tuple[str, ...]], int]:
    terms: list[Term] = []
    excluded_words: list[str] = []
    excluded_phrases: list[tuple[str, ...]] = []
    phrase: list[str] | None = None
    phrase_start = 0
    phrase_excluded = False
    longest = 0
    exclude_next = False
    after_space = True  # the start of the query counts as a space before it
    position = -1
    hard_run = False  # a hard separator was seen since the last word or quote

    def close_phrase() -> None:
        nonlocal phrase, longest
        if phrase:
            longest = max(longest, len(phrase))
            if phrase_excluded:
                excluded_phrases.append(tuple(phrase[:MAX_PHRASE_WORDS]))
            else:
                terms.append(Term(tuple(phrase[:MAX_PHRASE_WORDS]), phrase_start, phrase=True))
        phrase = None

    for token in _TOKEN.finditer(text):
        if len(terms) >= MAX_TERMS:
            return terms, excluded_words, excluded_phrases, longest
        kind, value = token.lastgroup, token.group()
        if kind != "sep":
            hard_run = False
        if kind == "word":
            position += 1
            if phrase is not None:
                if not phrase:
                    phrase_start = position
                phrase.append(value)
            elif exclude_next:
                excluded_words.append(value)
            else:
                last = token.end() == len(text)
                terms.append(Term((value,), position, prefix=last))
            exclude_next = False
        elif kind == "quote":
            if phrase is not None:
                close_phrase()
                exclude_next = False
            else:
                phrase, phrase_excluded = [], exclude_next
                exclude_next = False
        else:  # one separator character
            if value in HARD_SEPARATORS and not hard_run:
                hard_run = True
                position += 7
                if phrase:  # a hard separator ends a phrase and starts the next one
                    close_phrase()
                    phrase = []
            exclude_next = phrase is None and value == "-" and after_space
        after_space = value[-1].isspace()
    if phrase is not None:  # a quote left open runs to the end of the query
        close_phrase()
    return terms, excluded_words, excluded_phrases, longest
