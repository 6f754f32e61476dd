"""Reading programmes (`ProgrammeView`, each milestone a `MilestoneView` with its figures) and
judging where each milestone stands (`Progress`).

A milestone's target is either computed from the registry's own data about a solution linked to
the programme (councils live on it, councils that pledged to it, councils interested at a level,
money pledged, the solution reaching a status) or a figure recorded with its date and source
("1,000 telecare boxes deployed"), whose history is kept. Progress is always computed when it is
read, never stored, so it cannot drift from the data it describes; every percentage the registry
shows comes from `percent_of`.

The rating rule (`RAG_RULE`, written on the programme pages) lives here too: a milestone of a
programme that is planned or under way is Green, Amber or Red from how far it is towards its
target and how near its due date is; a programme is as Red as its worst milestone. A programme
that has ended (completed, or closed early) is not rated and none of its milestones is overdue:
each says that it was met, that it was not, or that its outcome was not recorded.
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
    Figure,
    Interest,
    Milestone,
    Programme,
    ProgrammeSolution,
    Solution,
    Sponsorship,
)
from registry.vocabulary import ENDED_PROGRAMME_STATUSES, STATUSES

# The rating rule's two numbers: how near the due date a milestone must be for its progress to
# count against it, and how far along it must be by then not to be Red.
DUE_SOON = dt.timedelta(days=90)
NEARLY_THERE = 75
RAG_RULE = (
    "Each milestone of a planned or active programme is rated from its progress and its due "
    f"date. Green: its target is met, or its due date is more than {DUE_SOON.days} days away. "
    f"Amber: its due date is within the next {DUE_SOON.days} days and it is at least "
    f"{NEARLY_THERE}% of the way to its target, or it has no due date and is not met yet. "
    "Red: its due date has passed without the target being met (overdue), or the due date is "
    f"within the next {DUE_SOON.days} days and it is less than {NEARLY_THERE}% of the way there "
    "(a recorded target with no figure yet counts as 0%). A programme is rated as its worst "
    "milestone. A programme that is completed or closed is not rated and none of its "
    "milestones is overdue: each is met, not met (a figure dated on or after its due date fell "
    "short), or its outcome was not recorded."
)
_RAG_ORDER = {"green": 0, "amber": 1, "red": 2}


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
    percentage towards it, whether it is met, the date its figure is as of, and how it is
    judged: `state` (a key of vocabulary.MILESTONE_STATES) and `rag` ("green", "amber", "red",
    or None once the programme has ended). `overdue` is the state "overdue"."""

    current: int | None
    target: int
    percent: int | None
    met: bool
    as_of: dt.date | None
    note: str
    overdue: bool
    state: str
    rag: str | None


@dataclass(frozen=True, slots=True)
class FigureView:
    """One recorded figure of a milestone's history."""

    value: int
    as_of: dt.date
    percent: int | None
    source: str
    source_url: str
    note: str
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class MilestoneView:
    """A milestone with its progress and (for a recorded target) its figures, oldest first.
    `solution` is the linked solution, or None when there is none or it is still a draft
    (readers could not open it)."""

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
    version: int
    progress: Progress
    figures: tuple[FigureView, ...] = ()


@dataclass(frozen=True)
class ProgrammeView:
    """A programme with its published solutions (by title), its milestones in order and its
    rating: the worst of its milestones' (None when it has ended or has no milestones)."""

    slug: str
    title: str
    summary: str
    description: str
    description_html: str
    owner: OrganisationRef
    status: str
    closed_reason: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    version: int
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime
    solutions: tuple[SolutionRef, ...]
    milestones: tuple[MilestoneView, ...]
    rag: str | None

    @property
    def ended(self) -> bool:
        return self.status in ENDED_PROGRAMME_STATUSES


_PROGRAMME_COLUMNS = (
    "slug",
    "title",
    "summary",
    "description",
    "description_html",
    "status",
    "closed_reason",
    "starts_on",
    "ends_on",
    "version",
    "source",
    "created_at",
    "updated_at",
)


def worst_rag(ratings: list[str | None]) -> str | None:
    rated = [r for r in ratings if r]
    return max(rated, key=_RAG_ORDER.__getitem__) if rated else None


async def _programme_view(
    row: dict, solutions: list[SolutionRef], today: dt.date | None = None
) -> ProgrammeView:
    milestones = await milestones_with_progress(row["id"], row["status"], today)
    return ProgrammeView(
        **{name: row[name] for name in _PROGRAMME_COLUMNS},
        owner=OrganisationRef(row["owner_slug"], row["owner_name"]),
        solutions=tuple(sorted(solutions, key=lambda s: s.title)),
        milestones=milestones,
        rag=(
            None
            if row["status"] in ENDED_PROGRAMME_STATUSES
            else worst_rag([m.progress.rag for m in milestones])
        ),
    )


async def linked_solutions(programme_ids: list[int]) -> dict[int, list[SolutionRef]]:
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


async def list_programmes(today: dt.date | None = None) -> list[ProgrammeView]:
    async with db.reading():
        rows = await Programme.select(
            *Programme.all_columns(),
            Programme.owner.slug.as_alias("owner_slug"),
            Programme.owner.name.as_alias("owner_name"),
        ).order_by(Programme.title)
        linked = await linked_solutions([row["id"] for row in rows])
        return [await _programme_view(row, linked.get(row["id"], []), today) for row in rows]


async def get_programme(slug: str, today: dt.date | None = None) -> ProgrammeView:
    async with db.reading():
        row = await programme_row(slug)
        linked = await linked_solutions([row["id"]])
        return await _programme_view(row, linked.get(row["id"], []), today)


async def _figures(milestone_ids: list[int]) -> dict[int, list[dict]]:
    """Each milestone's figures, oldest first (by the date they apply to, then as recorded)."""
    rows = (
        await Figure.select()
        .where(Figure.milestone.is_in(milestone_ids or [0]))
        .order_by(Figure.as_of)
        .order_by(Figure.id)
    )
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row["milestone"], []).append(row)
    return found


async def milestones_with_progress(
    programme_id: int, programme_status: str = "active", today: dt.date | None = None
) -> tuple[MilestoneView, ...]:
    """A programme's milestones with their progress and figures. A linked solution that is
    still a draft is not named: readers could not open it."""
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
    figures = await _figures([row["id"] for row in rows if row["metric"] == "recorded"])
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
        history = figures.get(row["id"], [])
        milestones.append(
            MilestoneView(
                **{name: row[name] for name in _MILESTONE_COLUMNS},
                solution=solution,
                progress=await milestone_progress(row, programme_status, history, today),
                figures=tuple(
                    FigureView(
                        value=f["value"],
                        as_of=f["as_of"],
                        percent=percent_of(f["value"], row["target_value"]),
                        source=f["source"],
                        source_url=f["source_url"],
                        note=f["note"],
                        recorded_by=f["recorded_by_name"],
                        recorded_at=f["recorded_at"],
                    )
                    for f in history
                ),
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
    "version",
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


def judge(
    *,
    met: bool,
    percent: int | None,
    due_on: dt.date | None,
    programme_status: str,
    final_figure_short: bool = False,
    today: dt.date | None = None,
) -> tuple[str, str | None]:
    """The milestone's state and rating under `RAG_RULE`. `final_figure_short` says a figure
    dated on or after the due date fell short of the target (how an ended milestone was not
    met, rather than its outcome going unrecorded)."""
    today = today or dt.date.today()
    if programme_status in ENDED_PROGRAMME_STATUSES:
        if met:
            return "met", None
        return ("not_met" if final_figure_short else "not_recorded"), None
    if met:
        return "met", "green"
    if due_on is None:
        return "at_risk", "amber"
    if due_on < today:
        return "overdue", "red"
    if due_on - today <= DUE_SOON:
        if (percent or 0) >= NEARLY_THERE:
            return "at_risk", "amber"
        return "behind", "red"
    return "on_track", "green"


async def _councils(table, solution_id: int, condition) -> int:
    return await table.count().where(
        (table.solution == solution_id) & (table.organisation.kind == "council") & condition
    )


async def _computed(metric: str, solution_id: int) -> int:
    """The value of a computed target for one solution."""
    if metric == "councils_live":
        return await _councils(Adoption, solution_id, Adoption.status == "live")
    if metric == "councils_adopted":
        return await _councils(Adoption, solution_id, Adoption.status.is_in(["live", "retired"]))
    if metric == "councils_planned":
        return await _councils(Adoption, solution_id, Adoption.status == "planned")
    levels = {
        "councils_interested": ["following", "exploring", "intends_to_adopt"],
        "councils_exploring": ["exploring", "intends_to_adopt"],
        "councils_intending": ["intends_to_adopt"],
    }
    if metric in levels:
        return await _councils(
            Interest,
            solution_id,
            Interest.withdrawn_at.is_null() & Interest.level.is_in(levels[metric]),
        )
    if metric == "councils_pledged":
        return await _councils(Sponsorship, solution_id, Sponsorship.status != "withdrawn")
    statuses = (
        ["confirmed"] if metric == "sponsorship_confirmed_pence" else ["pledged", "confirmed"]
    )
    column = "staff_days" if metric == "sponsorship_staff_days" else "amount_pence"
    rows = await Sponsorship.select(getattr(Sponsorship, column)).where(
        (Sponsorship.solution == solution_id) & Sponsorship.status.is_in(statuses)
    )
    return sum(r[column] for r in rows)


async def milestone_progress(
    milestone: Mapping[str, Any],
    programme_status: str = "active",
    figures: list[dict] | None = None,
    today: dt.date | None = None,
) -> Progress:
    """Where a milestone stands: current value, target, percentage, whether it is met, the
    date its figure is as of (today for computed targets) and its state and rating.
    `figures` are a recorded milestone's figures, oldest first (read here when not given)."""
    today = today or dt.date.today()
    metric, solution_id, target = (
        milestone["metric"],
        milestone["solution"],
        milestone["target_value"],
    )
    as_of: dt.date | None = today
    note = ""
    final_figure_short = False
    if metric == "status_reached":
        solution = (
            await Solution.select(Solution.kind, Solution.status)
            .where(Solution.id == solution_id)
            .first()
        )
        reached = solution is not None and _status_reached(
            solution["kind"], solution["status"], milestone["target_status"]
        )
        current, target = (1 if reached else 0), 1
    elif metric == "recorded":
        if figures is None:
            figures = (await _figures([milestone["id"]])).get(milestone["id"], [])
        if not figures:
            current, as_of, note = None, None, "No figure has been recorded yet"
        else:
            latest = figures[-1]
            current, as_of, note = latest["value"], latest["as_of"], latest["note"]
            due_on = milestone["due_on"]
            final_figure_short = bool(due_on and as_of >= due_on and current < target)
    elif solution_id is None:
        current = None
        as_of, note = None, "No linked solution to count from"
    else:
        current = await _computed(metric, solution_id)
    met = current is not None and current >= target
    percent = percent_of(current, target)
    state, rag = judge(
        met=met,
        percent=percent,
        due_on=milestone["due_on"],
        programme_status=programme_status,
        final_figure_short=final_figure_short,
        today=today,
    )
    return Progress(
        current=current,
        target=target,
        percent=percent,
        met=met,
        as_of=as_of,
        note=note,
        overdue=state == "overdue",
        state=state,
        rag=rag,
    )
