"""Reading programmes (`ProgrammeView`, each milestone a `MilestoneView`) and computing where
each milestone stands (`Progress`).

A milestone's target is either computed from the registry's own data (councils live on a
platform, councils intending to adopt, money pledged, a solution reaching a status) or a figure
recorded with its date ("1,000 telecare boxes deployed"). Progress is always computed when it
is read, never stored, so it cannot drift from the data it describes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry import db
from registry.catalogue.views import OrganisationRef, SolutionRef
from registry.errors import NotFound
from registry.tables import (
    Adoption,
    Interest,
    Milestone,
    MilestoneFigure,
    Programme,
    ProgrammeSolution,
    Solution,
    Sponsorship,
)
from registry.vocabulary import (
    STATUSES,
)


async def programme_row(slug: str) -> dict:
    row = (
        await Programme.select(
            *Programme.all_columns(),
            Programme.owner.slug.as_alias("owner_slug"),
            Programme.owner.name.as_alias("owner_name"),
        )
        .where(Programme.slug == slug)
        .first()
    )
    if row is None:
        raise NotFound(f"There is no programme called {slug!r}")
    return row


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a milestone stands: its current value (None until a figure is recorded), target,
    percentage towards it, whether it is met or overdue, and the date its figure is as of."""

    current: int | None
    target: int
    percent: int | None
    met: bool
    as_of: dt.date | None
    note: str
    overdue: bool


@dataclass(frozen=True)
class MilestoneView:
    """A milestone with its progress. `solution` is the linked solution, or None when there is
    none or it is still a draft (readers could not open it)."""

    slug: str
    title: str
    description: str
    description_html: str
    due_on: dt.date | None
    metric: str
    solution: SolutionRef | None
    target_value: int
    target_unit: str
    target_status: str
    position: int
    source: str
    progress: Progress


@dataclass(frozen=True)
class ProgrammeView:
    """A programme with its published solutions (by title) and its milestones in order."""

    slug: str
    title: str
    summary: str
    description: str
    description_html: str
    owner: OrganisationRef
    status: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    version: int
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime
    solutions: tuple[SolutionRef, ...]
    milestones: tuple[MilestoneView, ...]


_PROGRAMME_COLUMNS = (
    "slug",
    "title",
    "summary",
    "description",
    "description_html",
    "status",
    "starts_on",
    "ends_on",
    "version",
    "source",
    "created_at",
    "updated_at",
)


async def _programme_view(row: dict, solutions: list[SolutionRef]) -> ProgrammeView:
    return ProgrammeView(
        **{name: row[name] for name in _PROGRAMME_COLUMNS},
        owner=OrganisationRef(row["owner_slug"], row["owner_name"]),
        solutions=tuple(sorted(solutions, key=lambda s: s.title)),
        milestones=await milestones_with_progress(row["id"]),
    )


async def _linked_solutions(programme_ids: list[int]) -> dict[int, list[SolutionRef]]:
    """The published solutions linked to each programme."""
    rows = await ProgrammeSolution.select(
        ProgrammeSolution.programme,
        ProgrammeSolution.solution.slug.as_alias("slug"),
        ProgrammeSolution.solution.title.as_alias("title"),
        ProgrammeSolution.solution.kind.as_alias("kind"),
        ProgrammeSolution.solution.status.as_alias("status"),
    ).where(
        ProgrammeSolution.programme.is_in(programme_ids or [0])
        & (ProgrammeSolution.solution.status != "draft")
    )
    linked: dict[int, list[SolutionRef]] = {}
    for r in rows:
        ref = SolutionRef(r["slug"], r["title"], r["kind"], r["status"])
        linked.setdefault(r["programme"], []).append(ref)
    return linked


async def list_programmes() -> list[ProgrammeView]:
    async with db.reading():
        rows = await Programme.select(
            *Programme.all_columns(),
            Programme.owner.slug.as_alias("owner_slug"),
            Programme.owner.name.as_alias("owner_name"),
        ).order_by(Programme.title)
        linked = await _linked_solutions([row["id"] for row in rows])
        return [await _programme_view(row, linked.get(row["id"], [])) for row in rows]


async def get_programme(slug: str) -> ProgrammeView:
    async with db.reading():
        row = await programme_row(slug)
        linked = await _linked_solutions([row["id"]])
        return await _programme_view(row, linked.get(row["id"], []))


async def milestones_with_progress(programme_id: int) -> tuple[MilestoneView, ...]:
    """A programme's milestones with their progress. A linked solution that is still a draft
    is not named: readers could not open it."""
    rows = (
        await Milestone.select(
            *Milestone.all_columns(),
            Milestone.solution.slug.as_alias("solution_slug"),
            Milestone.solution.title.as_alias("solution_title"),
            Milestone.solution.kind.as_alias("solution_kind"),
            Milestone.solution.status.as_alias("solution_status"),
        )
        .where(Milestone.programme == programme_id)
        .order_by(Milestone.position)
        .order_by(Milestone.id)
    )
    milestones = []
    for row in rows:
        solution = None
        if row["solution_slug"] is not None and row["solution_status"] != "draft":
            solution = SolutionRef(
                row["solution_slug"],
                row["solution_title"],
                row["solution_kind"],
                row["solution_status"],
            )
        milestones.append(
            MilestoneView(
                **{name: row[name] for name in _MILESTONE_COLUMNS},
                solution=solution,
                progress=await milestone_progress(row),
            )
        )
    return tuple(milestones)


_MILESTONE_COLUMNS = (
    "slug",
    "title",
    "description",
    "description_html",
    "due_on",
    "metric",
    "target_value",
    "target_unit",
    "target_status",
    "position",
    "source",
)


def _status_reached(kind: str, current: str, target: str) -> bool:
    order = STATUSES[kind]
    if current == target:
        return True
    if "retired" in (current, target) or current not in order or target not in order:
        return False
    return order.index(current) > order.index(target)


def percent_of(current: int | None, target: int | None) -> int | None:
    """How far `current` is towards `target`, in whole percent (rounded half up) and at most
    100; "100%" only once the target is met, so 199 of 200 is 99%. None when there is no figure
    or no target. Every percentage the registry shows comes from here."""
    if current is None or not target:
        return None
    if current >= target:
        return 100
    return min(99, (max(0, current) * 200 + target) // (2 * target))


async def milestone_progress(milestone: Mapping[str, Any]) -> Progress:
    """Where a milestone stands: current value, target, percentage, whether it is met, and the
    date its figure is as of (today for computed targets)."""
    metric, solution_id, target = (
        milestone["metric"],
        milestone["solution"],
        milestone["target_value"],
    )
    as_of: dt.date | None = dt.date.today()
    note = ""
    if metric == "councils_live":
        current = await Adoption.count().where(
            (Adoption.solution == solution_id)
            & (Adoption.status == "live")
            & (Adoption.organisation.kind == "council")
        )
    elif metric == "councils_intending":
        current = await Interest.count().where(
            (Interest.solution == solution_id)
            & Interest.withdrawn_at.is_null()
            & (Interest.level == "intends_to_adopt")
            & (Interest.organisation.kind == "council")
        )
    elif metric == "sponsorship_pence":
        rows = await Sponsorship.select(Sponsorship.amount_pence).where(
            (Sponsorship.solution == solution_id) & (Sponsorship.status != "withdrawn")
        )
        current = sum(r["amount_pence"] for r in rows)
    elif metric == "status_reached":
        solution = (
            await Solution.select(Solution.kind, Solution.status)
            .where(Solution.id == solution_id)
            .first()
        )
        reached = solution is not None and _status_reached(
            solution["kind"], solution["status"], milestone["target_status"]
        )
        current, target = (1 if reached else 0), 1
    else:
        latest = (
            await MilestoneFigure.select()
            .where(MilestoneFigure.milestone == milestone["id"])
            .order_by(MilestoneFigure.as_of, ascending=False)
            .order_by(MilestoneFigure.id, ascending=False)
            .first()
        )
        if latest is None:
            current, as_of, note = None, None, "No figure has been recorded yet"
        else:
            current, as_of, note = latest["value"], latest["as_of"], latest["note"]
    met = current is not None and current >= target
    return Progress(
        current=current,
        target=target,
        percent=percent_of(current, target),
        met=met,
        as_of=as_of,
        note=note,
        overdue=bool(milestone["due_on"] and milestone["due_on"] < dt.date.today() and not met),
    )
