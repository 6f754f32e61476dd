"""Organisations and programmes named like what was typed in the search box.

The search index holds solutions only. Organisations (the 32 councils and a few dozen others)
and programmes (a few dozen at most) are few, so they are matched in the database: every word
typed must begin a word of the organisation's name (or of the programme's title), and
an organisation's identifier (`GB-LAS-GLG`) matches as a whole. The work is bounded: at most
`MAX_WORDS` words, at most `MAX_ROWS` rows read, at most `SHOWN` of each kind returned.

On SQLite every query costs a connection of its own (a thread, 1 to 2 ms), more than the search
itself, so there the names are kept in memory (`_Names`) and matched in Python by the same rule,
read again whenever the database's files changed (any commit changes them) and at least every
`FRESH_FOR` seconds; PostgreSQL, through its pool, is asked each time.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from functools import reduce
from operator import and_

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable
from piccolo.engine.sqlite import SQLiteEngine

from registry import db
from registry.tables import Organisation, Programme

MAX_WORDS = 6
MAX_ROWS = 100
SHOWN = 5
FRESH_FOR = 2.0  # seconds a copy of the names is used while the database's files look unchanged
MAX_KEPT = 5_000  # organisations or programmes beyond which the names are not kept in memory
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
    if not words:
        return NamedMatches([], [])
    names = await _kept_names()
    if names is not None:
        identifier = text.strip().casefold() if _IDENTIFIER.fullmatch(text.strip()) else None
        return NamedMatches(
            organisations=_ranked(
                [
                    {"slug": slug, "name": name}
                    for slug, name, folded, org_id in names.organisations
                    if _names(folded, words) or (identifier and org_id == identifier)
                ],
                words,
                "name",
            ),
            programmes=_ranked(
                [
                    {"slug": slug, "title": title}
                    for slug, title, folded in names.programmes
                    if _names(folded, words)
                ],
                words,
                "title",
            ),
        )
    by_name = organisations_named(text)
    in_programme = (_begins_a_word(Programme.title, w) for w in words)
    async with db.reading():  # one connection for both
        organisations = (
            await Organisation.select(Organisation.slug, Organisation.name)
            .where(by_name)
            .limit(MAX_ROWS)
        )
        programmes = (
            await Programme.select(Programme.slug, Programme.title)
            .where(reduce(and_, in_programme))
            .limit(MAX_ROWS)
        )
    return NamedMatches(
        organisations=_ranked(organisations, words, "name"),
        programmes=_ranked(programmes, words, "title"),
    )


def _names(folded: str, words: list[str]) -> bool:
    """Every word begins a word of `folded` (a name case-folded), as `_begins_a_word` asks."""
    return all(folded.startswith(w) or f" {w}" in folded or f"-{w}" in folded for w in words)


@dataclass(frozen=True)
class _Names:
    organisations: list[tuple[str, str, str, str]]  # slug, name, name folded, identifier folded
    programmes: list[tuple[str, str, str]]  # slug, title, title folded


_kept: tuple[object, float, _Names] | None = None


def _files_of(database: SQLiteEngine) -> object:
    """What changes whenever a transaction commits: the database file and its write-ahead log."""
    state = []
    for path in (database.path, f"{database.path}-wal"):
        try:
            found = os.stat(path)
        except OSError:
            state.append(None)
        else:
            state.append((found.st_mtime_ns, found.st_size, found.st_ino))
    return (database.path, tuple(state))


async def _kept_names() -> _Names | None:
    """The names in memory on SQLite (read again when stale), or None to ask the database."""
    global _kept
    database = db.database()
    if not isinstance(database, SQLiteEngine):
        return None
    files = _files_of(database)
    now = time.monotonic()
    if _kept is not None and _kept[0] == files and now - _kept[1] < FRESH_FOR:
        return _kept[2]
    async with db.reading():
        organisations = await Organisation.select(
            Organisation.slug, Organisation.name, Organisation.org_id
        ).limit(MAX_KEPT + 1)
        programmes = await Programme.select(Programme.slug, Programme.title).limit(MAX_KEPT + 1)
    if len(organisations) > MAX_KEPT or len(programmes) > MAX_KEPT:
        _kept = None
        return None
    names = _Names(
        [
            (o["slug"], o["name"], o["name"].casefold(), (o["org_id"] or "").casefold())
            for o in organisations
        ],
        [(p["slug"], p["title"], p["title"].casefold()) for p in programmes],
    )
    _kept = (files, now, names)
    return names
