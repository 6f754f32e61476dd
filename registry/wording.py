"""Stored values in the words people read: the labels of vocabularies, money and dates. Pages
(as Jinja filters), mail, feeds and notifications all say things the same way through these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry import vocabulary
from registry.catalogue.kinds import KINDS

LABELS: dict[str, dict[str, str]] = {
    "kind": vocabulary.SOLUTION_KINDS,
    "status": vocabulary.STATUS_LABELS,
    "service_area": vocabulary.SERVICE_AREAS,
    "characteristic": vocabulary.CHARACTERISTICS,
    "level": vocabulary.INTEREST_LEVELS,
    "role": vocabulary.ROLES,
    "organisation_kind": vocabulary.ORGANISATION_KINDS,
    # the labels of each kind's own choices, as its descriptor names them
    **{
        f.vocabulary: dict(f.options)
        for kind in KINDS.values()
        for f in kind.all_fields
        if f.vocabulary and f.options
    },
    "adoption_status": vocabulary.ADOPTION_STATUSES,
    "sponsorship_status": vocabulary.SPONSORSHIP_STATUSES,
    "programme_status": vocabulary.PROGRAMME_STATUSES,
    "metric": vocabulary.MILESTONE_METRICS,
    "milestone_state": vocabulary.MILESTONE_STATES,
    "rag": vocabulary.RAG,
}


def label(value: Any, vocabulary_name: str) -> str:
    """The readable label of a stored value (the value itself if it has none)."""
    if value is None or value == "":
        return ""
    return LABELS[vocabulary_name].get(str(value), str(value).replace("_", " ").capitalize())


def money(pence: int | None) -> str:
    """Whole pence as pounds: 125050 -> "£1,250.50"; round pounds without the ".00"."""
    if pence is None:
        return ""
    pounds, remainder = divmod(int(pence), 100)
    return f"£{pounds:,}.{remainder:02d}" if remainder else f"£{pounds:,}"


def long_date(value: dt.date | dt.datetime | str | None) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"
