"""The scheduled checks the worker runs: frameworks ending, and milestones met or missed.

Each signal is given once: its key goes into `SignalSent` in the same transaction as its
notifications, and a check that finds the key leaves it. A framework is warned 6, 3 and 1 months
before its end date; when a check first sees it already past several of those marks (a new
framework ending in two months) it gives the nearest one only. A changed end date makes new keys,
so an extended framework is warned again before its new end.
"""

from __future__ import annotations

import calendar
import datetime as dt

from registry import db
from registry.notifications.events import solution_path, tell_programme_followers
from registry.notifications.recipients import Event, Recipients
from registry.programmes.progress import milestone_progress
from registry.tables import (
    Adoption,
    Interest,
    Milestone,
    ProcurementDetail,
    SignalSent,
)
from registry.wording import long_date

MONTHS_BEFORE = (6, 3, 1)
_NOT_CURRENT = ["draft", "retired"]


def months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def _given(keys: list[str]) -> set[str]:
    rows = await SignalSent.select(SignalSent.key).where(SignalSent.key.is_in(keys or [""]))
    return {row["key"] for row in rows}


async def frameworks_ending(today: dt.date | None = None) -> int:
    """Warn about procurements whose end date is 6, 3 or 1 months away; returns how many
    warnings were given."""
    today = today or dt.date.today()
    horizon = today + dt.timedelta(days=200)  # beyond six months of any length
    rows = await ProcurementDetail.select(
        ProcurementDetail.solution,
        ProcurementDetail.solution.slug.as_alias("slug"),
        ProcurementDetail.solution.title.as_alias("title"),
        ProcurementDetail.ends_on,
        ProcurementDetail.procurement_body,
        ProcurementDetail.procurement_body.name.as_alias("body_name"),
    ).where(
        ProcurementDetail.solution.status.not_in(_NOT_CURRENT)
        & (ProcurementDetail.ends_on >= today)
        & (ProcurementDetail.ends_on <= horizon)
    )
    given = 0
    for row in rows:
        ends = row["ends_on"]
        passed = [m for m in MONTHS_BEFORE if today >= months_before(ends, m)]
        if not passed:
            continue
        keys = [f"framework-ending:{row['solution']}:{ends.isoformat()}:{m}" for m in passed]
        async with db.transaction():
            # Read again inside the write lock, so two workers cannot both give it.
            done = await _given(keys)
            nearest = keys[-1]
            if nearest in done:
                continue
            await SignalSent.insert(*(SignalSent(key=k) for k in keys if k not in done))
            await _warn(row, min(passed), today)
        given += 1
    return given


async def _warn(row: dict, months: int, today: dt.date) -> None:
    ends = row["ends_on"]
    left = "1 month" if months == 1 else f"{months} months"
    text = (
        f"{row['title']} ({row['body_name']}) ends on {long_date(ends)}, {left} from now "
        f"or less ({(ends - today).days} days). Plan what follows it in time."
    )
    event = Event(
        "framework.ending", "solution", row["slug"], row["title"], text, solution_path(row["slug"])
    )
    users = await Adoption.select(Adoption.organisation).where(
        (Adoption.solution == row["solution"]) & Adoption.status.is_in(["planned", "live"])
    )
    intending = await Interest.select(Interest.organisation).where(
        (Interest.solution == row["solution"])
        & Interest.withdrawn_at.is_null()
        & (Interest.level == "intends_to_adopt")
    )
    people = await Recipients().members_of(
        [row["procurement_body"], *(r["organisation"] for r in users + intending)]
    )
    await people.followers_of("solution", [row["solution"]])
    await people.queue(event, caused_by=None)


async def milestones(today: dt.date | None = None) -> int:
    """Tell a programme's followers when one of its milestones is met, or its due date passes
    with its target not met; returns how many were told."""
    today = today or dt.date.today()
    rows = await Milestone.select(
        *Milestone.all_columns(),
        Milestone.programme.slug.as_alias("programme_slug"),
        Milestone.programme.title.as_alias("programme_title"),
        Milestone.programme.id.as_alias("programme_id"),
    )
    keys = [f"milestone-{what}:{row['id']}" for row in rows for what in ("met", "missed")]
    done = await _given(keys)
    told = 0
    for row in rows:
        if {f"milestone-met:{row['id']}", f"milestone-missed:{row['id']}"} <= done:
            continue
        progress = await milestone_progress(row)
        if progress.met:
            what = "met"
            text = (
                f"{row['title']} is met: {progress.current:,} against a target of "
                f"{progress.target:,}."
            )
        elif row["due_on"] and row["due_on"] < today:
            what = "missed"
            reached = "no figure yet" if progress.current is None else f"{progress.current:,}"
            text = (
                f"{row['title']} was due on {long_date(row['due_on'])} and is not met: "
                f"{reached} against a target of {progress.target:,}."
            )
        else:
            continue
        key = f"milestone-{what}:{row['id']}"
        if key in done:
            continue
        programme = {
            "id": row["programme_id"],
            "slug": row["programme_slug"],
            "title": row["programme_title"],
        }
        async with db.transaction():
            if await SignalSent.exists().where(SignalSent.key == key):
                continue
            await SignalSent.insert(SignalSent(key=key))
            await tell_programme_followers(programme, f"milestone.{what}", text)
        told += 1
    return told


async def run(today: dt.date | None = None) -> dict[str, int]:
    return {
        "frameworks_ending": await frameworks_ending(today),
        "milestones": await milestones(today),
    }
