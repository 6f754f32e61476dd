"""Synonyms: groups of words and phrases that search treats as meaning the same.

Digital Office curators keep them (`add_group`, `change_group`, `remove_group`); anyone may read
them (`synonym_groups`, `GET /api/v1/synonyms`). Each change is written through
`registry.changes` with its audit event (subject "synonym_group"; actions synonyms.add,
synonyms.change, synonyms.remove), then applied to the search engine (`apply_synonyms`): every
term of a group finds what the others name. The registry also applies them at start-up and
before every rebuild of the index, so a change that could not reach a search engine that was
down arrives later. The seed loader uses `save_group`.

Changes happen one at a time (`_one_at_a_time`: a PostgreSQL advisory lock held by the change's
transaction; SQLite's write transactions already are), so two curators saving at once cannot put a
term in two groups. Applying reads the groups again after giving them to the engine and gives them
again until what it gave is what is stored, so of two changes applied at once the later never
leaves the engine with the earlier's view.

Bounds: at most `MAX_GROUPS` groups, each of 2 to `MAX_TERMS` terms of at most
`MAX_TERM_LENGTH` characters; a term (case and accents aside) belongs to one group only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from registry import changes, db
from registry.accounts import Actor, require_digital_office
from registry.errors import NotFound, ValidationFailed
from registry.tables import SynonymGroup
from search import SearchEngine, SearchUnavailable
from search.synonyms import MAX_TERM_LENGTH, MAX_WORDS, fold, mutual

log = logging.getLogger("registry.synonyms")

MAX_GROUPS = 300
CHANGE_LOCK_KEY = 74204  # synonym changes, among the registry's PostgreSQL advisory locks
MAX_APPLY_ROUNDS = 5
MAX_TERMS = 10
MAX_INPUT = MAX_TERMS * (MAX_TERM_LENGTH + 2) + 100  # characters read from a form
_CONTROL = {chr(c) for c in range(32)} | {"\x7f"}


@dataclass(frozen=True)
class SynonymGroupView:
    id: int
    terms: tuple[str, ...]
    updated_at: dt.datetime


@dataclass(frozen=True)
class Applied:
    """A group as saved, and whether the search engine took the change at once."""

    group: SynonymGroupView | None
    applied: bool


def _view(row: dict) -> SynonymGroupView:
    return SynonymGroupView(
        id=row["id"], terms=tuple(row["terms"] or ()), updated_at=row["updated_at"]
    )


async def synonym_groups() -> list[SynonymGroupView]:
    """Every group, ordered by its first term (case aside)."""
    rows = await SynonymGroup.select().order_by(SynonymGroup.id).output(load_json=True)
    views = [_view(row) for row in rows]
    return sorted(views, key=lambda v: (fold(v.terms[0]) if v.terms else (), v.id))


async def synonym_group(actor: Actor, group_id: int) -> SynonymGroupView:
    """One group, for its curator's form."""
    require_digital_office(actor)
    return _view(await _row(group_id))


async def synonyms_mapping() -> dict[str, list[str]]:
    """Every group in the engines' format: each term with the terms of its group."""
    return mutual_of(await synonym_groups())


def mutual_of(groups: Sequence[SynonymGroupView]) -> dict[str, list[str]]:
    return mutual(group.terms for group in groups)


async def apply_synonyms(engine: SearchEngine) -> bool:
    """Give the engine the synonyms as they are now; False (logged) when it cannot take them.

    Another change may be applied at the same moment, from this process or another, and its
    older view could land after this one: so the groups are read again once given, and given
    again while they differ from what was given."""
    try:
        given = None
        for _ in range(MAX_APPLY_ROUNDS):
            mapping = await synonyms_mapping()
            if mapping == given:
                return True
            await engine.set_synonyms(mapping)
            given = mapping
    except SearchUnavailable as exc:
        log.warning("the search engine did not take the synonyms: %s", exc)
        return False
    return True


async def _one_at_a_time() -> None:
    """Hold the synonyms until the change's transaction ends (PostgreSQL; SQLite's write
    transactions are one at a time already)."""
    if isinstance(db.database(), PostgresEngine):
        await SynonymGroup.raw("SELECT pg_advisory_xact_lock({})", CHANGE_LOCK_KEY)


# -- changes ----------------------------------------------------------------------------------


async def add_group(actor: Actor, terms: Any, engine: SearchEngine | None = None) -> Applied:
    require_digital_office(actor)
    wanted = _checked(terms)
    async with changes.change(actor, "synonyms.add", "synonym_group") as change:
        await _one_at_a_time()
        if await SynonymGroup.count() >= MAX_GROUPS:
            raise ValidationFailed(
                {"terms": f"There can be at most {MAX_GROUPS} groups of synonyms"}
            )
        await _refuse_taken(wanted, None)
        inserted = await SynonymGroup.insert(SynonymGroup(terms=wanted))
        change.subject_id = inserted[0]["id"]
        change.after = {"terms": wanted}
    group = _view(await _row(change.subject_id))
    return Applied(group, await _apply(engine))


async def change_group(
    actor: Actor, group_id: int, terms: Any, engine: SearchEngine | None = None
) -> Applied:
    require_digital_office(actor)
    wanted = _checked(terms)
    async with changes.change(actor, "synonyms.change", "synonym_group", group_id) as change:
        await _one_at_a_time()
        row = await _row(group_id)
        if list(row["terms"] or []) == wanted:
            return change.unchanged(Applied(_view(row), True))
        await _refuse_taken(wanted, group_id)
        await SynonymGroup.update(
            {SynonymGroup.terms: wanted, SynonymGroup.updated_at: dt.datetime.now(dt.UTC)}
        ).where(SynonymGroup.id == group_id)
        change.before = {"terms": list(row["terms"] or [])}
        change.after = {"terms": wanted}
    group = _view(await _row(group_id))
    return Applied(group, await _apply(engine))


async def remove_group(actor: Actor, group_id: int, engine: SearchEngine | None = None) -> Applied:
    require_digital_office(actor)
    async with changes.change(actor, "synonyms.remove", "synonym_group", group_id) as change:
        await _one_at_a_time()
        row = await _row(group_id)
        await SynonymGroup.delete().where(SynonymGroup.id == group_id)
        change.before = {"terms": list(row["terms"] or [])}
    return Applied(None, await _apply(engine))


async def save_group(actor: Actor, terms: Sequence[str]) -> str:
    """The seed loader's write: the group holding the first term brought to `terms`, or a new
    one. Says what happened: `created`, `updated` or `unchanged`."""
    require_digital_office(actor)
    wanted = _checked(list(terms))
    first = fold(wanted[0])
    for group in await synonym_groups():
        if any(fold(term) == first for term in group.terms):
            if list(group.terms) == wanted:
                return "unchanged"
            await change_group(actor, group.id, wanted)
            return "updated"
    await add_group(actor, wanted)
    return "created"


async def _apply(engine: SearchEngine | None) -> bool:
    return True if engine is None else await apply_synonyms(engine)


async def _row(group_id: Any) -> dict:
    if not isinstance(group_id, int) or isinstance(group_id, bool) or not 0 < group_id < 2**31:
        raise NotFound("No such group of synonyms")
    row = (
        await SynonymGroup.select()
        .where(SynonymGroup.id == group_id)
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound("No such group of synonyms")
    return row


async def _refuse_taken(wanted: list[str], group_id: int | None) -> None:
    folded = {fold(term): term for term in wanted}
    for row in await SynonymGroup.select(SynonymGroup.id, SynonymGroup.terms).output(
        load_json=True
    ):
        if row["id"] == group_id:
            continue
        for term in row["terms"] or []:
            if fold(term) in folded:
                raise ValidationFailed(
                    {"terms": f"“{folded[fold(term)]}” is already in another group ({term})"}
                )


def split_terms(text: Any) -> list[str]:
    """A form's terms: one a line (commas also separate), blank lines ignored."""
    if not isinstance(text, str):
        raise ValidationFailed({"terms": "Enter the terms, one a line"})
    if len(text) > MAX_INPUT:
        raise ValidationFailed(
            {"terms": f"Enter at most {MAX_TERMS} terms of {MAX_TERM_LENGTH} characters"}
        )
    return [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]


def _checked(terms: Any) -> list[str]:
    """The terms, trimmed, or `ValidationFailed` naming the field `terms` and the reason."""
    if isinstance(terms, str):
        terms = split_terms(terms)
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise ValidationFailed({"terms": "Enter the terms, one a line"})
    if len(terms) > MAX_TERMS:
        raise ValidationFailed({"terms": f"A group may have at most {MAX_TERMS} terms"})
    cleaned = [" ".join(term.split()) for term in terms]
    seen: set[tuple[str, ...]] = set()
    for term in cleaned:
        if len(term) > MAX_TERM_LENGTH:
            raise ValidationFailed(
                {
                    "terms": f"“{term[:MAX_TERM_LENGTH]}…” is longer than "
                    f"{MAX_TERM_LENGTH} characters"
                }
            )
        if any(c in _CONTROL for c in term):
            raise ValidationFailed({"terms": "A term may not hold control characters"})
        words = fold(term)
        if not words:
            raise ValidationFailed({"terms": f"“{term}” holds no letters or digits"})
        if words in seen:
            raise ValidationFailed({"terms": f"“{term}” is in the group twice"})
        seen.add(words)
    if len(cleaned) < 2:
        raise ValidationFailed({"terms": "A group needs at least two terms that mean the same"})
    if all(len(fold(term)) > MAX_WORDS for term in cleaned):
        raise ValidationFailed(
            {
                "terms": f"At least one term must be of {MAX_WORDS} words or fewer: search looks "
                "up synonyms only for up to three words typed together"
            }
        )
    return cleaned
