"""Organisations and programmes named like what was typed in the search box.

The search index holds solutions only. Organisations (the 32 councils and a few dozen others)
and programmes (a few dozen at most) are few, so they are matched in the database: every word
typed must begin a word of the organisation's name (or of the programme's title), and
an organisation's identifier (`GB-LAS-GLG`) matches as a whole. The work is bounded: at most
`MAX_WORDS` words, at most `MAX_ROWS` rows read, at most `SHOWN` of each kind returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import and_

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable

from registry.tables import Organisation, Programme

MAX_WORDS = 6
MAX_ROWS = 100
SHOWN = 5
# Letters and digits only: the query's syntax (quotes, `-word`) and LIKE's wildcards (`%`, `_`)
# never reach the pattern, on either database.
_WORD = re.compile(r"[^\W_]+")
_IDENTIFIER = re.compile(r"[A-Za-z]{2}(?:-[A-Za-z0-9]{1,12}){1,3}")


@dataclass(frozen=True)
class Named:
    """An organisation or programme the box found: its slug and its name (or title)."""

    slug: str
    name: str


@dataclass(frozen=True)
class NamedMatches:
    organisations: list[Named]
    programmes: list[Named]


def words_of(text: str) -> list[str]:
    """The words to look for: not those excluded with `-word` or `-"a phrase"`."""
    kept = re.sub(r'(?:^|\s)-"[^"]*"?|(?:^|\s)-\S*', " ", text)
    return list(dict.fromkeys(w.casefold() for w in _WORD.findall(kept)))[:MAX_WORDS]


def _begins_a_word(column: Column, word: str) -> Combinable:
    """`word` (lower case, letters and digits) begins a word of the column, in any case: lower()
    on both databases, since SQLite has no ILIKE."""
    name = column._meta.db_column_name
    return WhereRaw(
        f"(lower({name}) LIKE {{}} OR lower({name}) LIKE {{}} OR lower({name}) LIKE {{}})",
        f"{word}%",
        f"% {word}%",
        f"%-{word}%",
    )


def _ranked(rows: list[dict], words: list[str], key: str) -> list[Named]:
    """Names beginning with the first word first, then the shortest (the closest match)."""

    def rank(row: dict) -> tuple[bool, int, str]:
        name = row[key].casefold()
        return (not name.startswith(words[0]) if words else True, len(name), name)

    return [Named(row["slug"], row[key]) for row in sorted(rows, key=rank)[:SHOWN]]


def organisations_named(text: str) -> Combinable | None:
    """The condition on organisations that `text` names (every word of it begins a word of the
    name, or it is the identifier), or None when it has no words."""
    words = words_of(text)
    if not words:
        return None
    by_name = reduce(and_, (_begins_a_word(Organisation.name, w) for w in words))
    identifier = text.strip() if _IDENTIFIER.fullmatch(text.strip()) else None
    if identifier:
        by_name = by_name | WhereRaw("lower(org_id) = {}", identifier.casefold())
    return by_name


async def named_like(text: str) -> NamedMatches:
    """The organisations and programmes the words of `text` name; nothing for no words."""
    words = words_of(text)
    by_name = organisations_named(text)
    if by_name is None:
        return NamedMatches([], [])
    organisations = (
        await Organisation.select(Organisation.slug, Organisation.name)
        .where(by_name)
        .limit(MAX_ROWS)
    )
    in_programme = (_begins_a_word(Programme.title, w) for w in words)
    programmes = (
        await Programme.select(Programme.slug, Programme.title)
        .where(reduce(and_, in_programme))
        .limit(MAX_ROWS)
    )
    return NamedMatches(
        organisations=_ranked(organisations, words, "name"),
        programmes=_ranked(programmes, words, "title"),
    )
