"""Pan-sector programmes the Digital Office tracks: linked solutions, milestones and progress.

A milestone's target is either computed from the registry's own data (councils live on a
platform, councils intending to adopt, money pledged, a solution reaching a status) or a figure
recorded with its date ("1,000 telecare boxes deployed"). Progress is always computed when it
is read, never stored, so it cannot drift from the data it describes. Only Digital Office staff
change programmes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.query.functions.aggregate import Count

from registry import audit, db
from registry.accounts import Actor, require_digital_office
from registry.errors import NotFound, ValidationFailed
from registry.tables import (
    Adoption,
    Interest,
    Milestone,
    MilestoneFigure,
    Organisation,
    ProcurementDetail,
    Programme,
    ProgrammeSolution,
    Solution,
    Sponsorship,
)
from registry.validation import Checker
from registry.vocabulary import (
    ADOPTION_STATUSES,
    INTEREST_LEVELS,
    MILESTONE_METRICS,
    PROGRAMME_STATUSES,
    STATUSES,
)


async def _programme_row(slug: str) -> dict:
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


async def list_programmes() -> list[dict]:
    rows = await Programme.select(
        *Programme.all_columns(), Programme.owner.name.as_alias("owner_name")
    ).order_by(Programme.title)
    return [{**row, "milestones": await milestones_with_progress(row["id"])} for row in rows]


async def get_programme(slug: str) -> dict:
    row = await _programme_row(slug)
    solutions = await ProgrammeSolution.select(
        ProgrammeSolution.solution.slug.as_alias("slug"),
        ProgrammeSolution.solution.title.as_alias("title"),
        ProgrammeSolution.solution.kind.as_alias("kind"),
        ProgrammeSolution.solution.status.as_alias("status"),
    ).where(
        (ProgrammeSolution.programme == row["id"]) & (ProgrammeSolution.solution.status != "draft")
    )
    return {
        **row,
        "solutions": sorted(solutions, key=lambda s: s["title"]),
        "milestones": await milestones_with_progress(row["id"]),
    }


async def milestones_with_progress(programme_id: int) -> list[dict]:
    rows = (
        await Milestone.select(
            *Milestone.all_columns(),
            Milestone.solution.slug.as_alias("solution_slug"),
            Milestone.solution.title.as_alias("solution_title"),
        )
        .where(Milestone.programme == programme_id)
        .order_by(Milestone.position)
        .order_by(Milestone.id)
    )
    return [{**row, "progress": await progress(row)} for row in rows]


def _status_reached(kind: str, current: str, target: str) -> bool:
    order = STATUSES[kind]
    if current == target:
        return True
    if "retired" in (current, target) or current not in order or target not in order:
        return False
    return order.index(current) > order.index(target)


async def progress(milestone: Mapping[str, Any]) -> dict:
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
    percent = None
    if current is not None and target:
        percent = min(100, round(100 * current / target))
    return {
        "current": current,
        "target": target,
        "percent": percent,
        "met": current is not None and current >= target,
        "as_of": as_of,
        "note": note,
        "overdue": bool(
            milestone["due_on"]
            and milestone["due_on"] < dt.date.today()
            and not (current is not None and current >= target)
        ),
    }


# -- writing ----------------------------------------------------------------------------------


def _check_programme(data: Mapping[str, Any]) -> tuple[Checker, dict]:
    c = Checker(data)
    values = {
        "slug": c.slug("slug"),
        "title": c.text(
            "title", "Title", required=True, min_length=3, max_length=200, multiline=False
        ),
        "summary": c.text("summary", "Summary", required=True, max_length=280),
        "description": c.text("description", "Description", max_length=20_000),
        "status": c.choice("status", "Status", PROGRAMME_STATUSES),
        "starts_on": c.date("starts_on", "Start date"),
        "ends_on": c.date("ends_on", "End date"),
        "source": c.text("source", "Source", max_length=120, multiline=False),
    }
    if values["starts_on"] and values["ends_on"] and values["ends_on"] < values["starts_on"]:
        c.fail("ends_on", "End date must be the same as or after the start date")
    return c, values


async def save_programme(actor: Actor, data: Mapping[str, Any], owner_slug: str) -> dict:
    """Create a programme, or update the one with this slug (used by the seed loader and the
    Digital Office)."""
    require_digital_office(actor)
    checker, values = _check_programme(data)
    owner = (
        await Organisation.select(Organisation.id).where(Organisation.slug == owner_slug).first()
    )
    if owner is None:
        checker.fail("owner", "Owner must be an organisation in the registry")
    checker.raise_if_invalid()
    existing = await Programme.select().where(Programme.slug == values["slug"]).first()
    async with db.transaction():
        if existing:
            before, after = audit.changes(existing, {**values, "owner": owner["id"]})
            if not after:
                return existing
            await Programme.update(
                {
                    **{getattr(Programme, k): v for k, v in values.items()},
                    Programme.owner: owner["id"],
                    Programme.version: Programme.version + 1,
                    Programme.updated_at: dt.datetime.now(dt.UTC),
                }
            ).where(Programme.id == existing["id"])
            programme_id, action = existing["id"], "programme.update"
        else:
            inserted = await Programme.insert(Programme(owner=owner["id"], **values))
            programme_id, action = inserted[0]["id"], "programme.create"
            before, after = None, values
        await audit.record(
            actor,
            action,
            "programme",
            programme_id,
            subject_slug=values["slug"],
            before=before,
            after=after,
        )
    return await Programme.select().where(Programme.id == programme_id).first()


async def link_solutions(actor: Actor, programme_slug: str, solution_slugs: list[str]) -> None:
    require_digital_office(actor)
    programme = await _programme_row(programme_slug)
    rows = await Solution.select(Solution.id, Solution.slug).where(
        Solution.slug.is_in(solution_slugs or [""])
    )
    found = {r["slug"]: r["id"] for r in rows}
    missing = [s for s in solution_slugs if s not in found]
    if missing:
        raise ValidationFailed({"solutions": f"Unknown solutions: {', '.join(missing)}"})
    linked = {
        r["solution"]
        for r in await ProgrammeSolution.select(ProgrammeSolution.solution).where(
            ProgrammeSolution.programme == programme["id"]
        )
    }
    new = [found[s] for s in solution_slugs if found[s] not in linked]
    if not new:
        return
    async with db.transaction():
        await ProgrammeSolution.insert(
            *(ProgrammeSolution(programme=programme["id"], solution=sid) for sid in new)
        )
        await audit.record(
            actor,
            "programme.link",
            "programme",
            programme["id"],
            subject_slug=programme["slug"],
            after={"solutions": solution_slugs},
        )


async def save_milestone(actor: Actor, programme_slug: str, data: Mapping[str, Any]) -> dict:
    """Create or update (by slug within the programme) one milestone."""
    require_digital_office(actor)
    programme = await _programme_row(programme_slug)
    c = Checker(data)
    values = {
        "slug": c.slug("slug"),
        "title": c.text(
            "title", "Title", required=True, min_length=3, max_length=200, multiline=False
        ),
        "description": c.text("description", "Description", max_length=5000),
        "due_on": c.date("due_on", "Due date"),
        "metric": c.choice("metric", "What the target counts", MILESTONE_METRICS),
        "target_value": c.integer(
            "target_value",
            "Target",
            required=data.get("metric") != "status_reached",
            minimum=1,
            maximum=10**12,
        ),
        "target_unit": c.text("target_unit", "Unit", max_length=60, multiline=False),
        "target_status": c.text("target_status", "Target status", max_length=20, multiline=False),
        "position": c.integer("position", "Position", maximum=1000) or 0,
        "source": c.text("source", "Source", max_length=120, multiline=False),
    }
    solution_slug = c.slug("solution", "Linked solution", required=False)
    solution = None
    if solution_slug:
        solution = (
            await Solution.select(Solution.id, Solution.kind)
            .where(Solution.slug == solution_slug)
            .first()
        )
        if solution is None:
            c.fail("solution", "Linked solution must be a solution in the registry")
    elif values["metric"] and values["metric"] != "recorded":
        c.fail("solution", "Select the solution this target is computed from")
    if values["metric"] == "status_reached":
        if solution and values["target_status"] not in STATUSES[solution["kind"]]:
            c.fail(
                "target_status",
                f"Target status must be one of {', '.join(STATUSES[solution['kind']])}",
            )
        values["target_value"] = 1
    c.raise_if_invalid()
    values["solution"] = solution["id"] if solution else None
    existing = (
        await Milestone.select()
        .where((Milestone.programme == programme["id"]) & (Milestone.slug == values["slug"]))
        .first()
    )
    async with db.transaction():
        if existing:
            before, after = audit.changes(existing, values)
            if not after:
                return existing
            await Milestone.update({getattr(Milestone, k): v for k, v in values.items()}).where(
                Milestone.id == existing["id"]
            )
            milestone_id, action = existing["id"], "milestone.update"
        else:
            inserted = await Milestone.insert(Milestone(programme=programme["id"], **values))
            milestone_id, action, before, after = (
                inserted[0]["id"],
                "milestone.create",
                None,
                values,
            )
        await audit.record(
            actor,
            action,
            "programme",
            programme["id"],
            subject_slug=programme["slug"],
            before=before,
            after={"milestone": values["slug"], **after},
        )
    return await Milestone.select().where(Milestone.id == milestone_id).first()


async def record_figure(
    actor: Actor, programme_slug: str, milestone_slug: str, data: Mapping[str, Any]
) -> dict:
    """Record the latest figure for a milestone whose target is a recorded figure."""
    require_digital_office(actor)
    programme = await _programme_row(programme_slug)
    milestone = (
        await Milestone.select()
        .where((Milestone.programme == programme["id"]) & (Milestone.slug == milestone_slug))
        .first()
    )
    if milestone is None:
        raise NotFound(f"{programme['title']} has no milestone called {milestone_slug!r}")
    if milestone["metric"] != "recorded":
        raise ValidationFailed(
            {"value": "This milestone's progress is computed from the registry, not recorded"}
        )
    c = Checker(data)
    values = {
        "value": c.integer("value", "Figure", required=True, maximum=10**12),
        "as_of": c.date("as_of", "Date of the figure", required=True),
        "note": c.text("note", "Note", max_length=300),
        "source": c.text("source", "Source", max_length=120, multiline=False),
    }
    if values["as_of"] and values["as_of"] > dt.date.today():
        c.fail("as_of", "Date of the figure must not be in the future")
    c.raise_if_invalid()
    duplicate = await MilestoneFigure.exists().where(
        (MilestoneFigure.milestone == milestone["id"])
        & (MilestoneFigure.as_of == values["as_of"])
        & (MilestoneFigure.value == values["value"])
    )
    if duplicate:
        return values
    async with db.transaction():
        await MilestoneFigure.insert(
            MilestoneFigure(milestone=milestone["id"], recorded_by=actor.user_id, **values)
        )
        await audit.record(
            actor,
            "milestone.figure",
            "programme",
            programme["id"],
            subject_slug=programme["slug"],
            after={"milestone": milestone_slug, **values},
        )
    return values


# -- the Digital Office dashboard -------------------------------------------------------------

# Two councils ready to adopt the same thing is the point at which a joint approach is worth
# planning before either of them tenders alone.
DEMAND_THRESHOLD = 2
# "The next six months", in days, so the window does not depend on the lengths of months.
FRAMEWORK_HORIZON = dt.timedelta(days=183)
# Solutions that cannot take part: drafts are private to their owner, retired ones are over.
_NOT_CURRENT = ["draft", "retired"]


@dataclass(frozen=True)
class Dashboard:
    """What the Digital Office watches across the sector, as of `today`.

    `platforms` are the matrix's columns and `councils` its rows: each council's `cells` hold,
    column by column, its adoption ({"status", "status_on"}) of that platform or None.
    """

    today: dt.date
    programmes: list[dict]
    platforms: list[dict]
    councils: list[dict]
    demand: list[dict]
    frameworks_ending: list[dict]
    frameworks_ending_by: dt.date


async def dashboard(today: dt.date | None = None) -> Dashboard:
    """Programmes against their targets, the councils x common platforms adoption matrix,
    where demand is gathering and the frameworks ending soon.

    The matrix, the demand and the frameworks take six queries whatever the number of
    councils and platforms; programme progress is `list_programmes`, which computes each
    milestone with `progress` (a query or two per milestone) so it cannot disagree with the
    programme pages. `today` sets the frameworks' window; whether a milestone is overdue is
    judged by `progress` against the real date."""
    today = today or dt.date.today()
    ending_by = today + FRAMEWORK_HORIZON
    platforms, councils = await _adoption_matrix()
    return Dashboard(
        today=today,
        programmes=await list_programmes(),
        platforms=platforms,
        councils=councils,
        demand=await _demand_gathering(),
        frameworks_ending=await _frameworks_ending(today, ending_by),
        frameworks_ending_by=ending_by,
    )


async def _adoption_matrix() -> tuple[list[dict], list[dict]]:
    platforms = await Solution.select(
        Solution.id,
        Solution.slug,
        Solution.title,
        Solution.status,
        Solution.reported_adopters,
        Solution.reported_note,
    ).where((Solution.kind == "platform") & Solution.status.not_in(_NOT_CURRENT))
    councils = await Organisation.select(
        Organisation.id, Organisation.slug, Organisation.name, Organisation.org_id
    ).where(Organisation.kind == "council")
    adoptions = []
    if platforms and councils:
        adoptions = await Adoption.select(
            Adoption.solution, Adoption.organisation, Adoption.status, Adoption.status_on
        ).where(
            Adoption.solution.is_in([p["id"] for p in platforms])
            & (Adoption.organisation.kind == "council")
        )
    tally = Counter((a["solution"], a["status"]) for a in adoptions)
    columns = [
        {**platform, **{status: tally[platform["id"], status] for status in ADOPTION_STATUSES}}
        for platform in platforms
    ]
    # The most used platforms first, then by title; names compared case-insensitively because
    # "myjobscotland" starts in lower case and the two databases disagree on where that sorts.
    columns.sort(key=lambda c: (-c["live"], -c["planned"], c["title"].casefold()))
    councils.sort(key=lambda c: c["name"].casefold())
    found = {(a["organisation"], a["solution"]): a for a in adoptions}
    rows = [
        {
            **council,
            "cells": [
                (
                    {"status": a["status"], "status_on": a["status_on"]}
                    if (a := found.get((council["id"], column["id"])))
                    else None
                )
                for column in columns
            ],
        }
        for council in councils
    ]
    return columns, rows


async def _demand_gathering() -> list[dict]:
    """Solutions, other than joint procurements, that at least DEMAND_THRESHOLD councils intend
    to adopt, with how many councils are at each level of interest: candidates for a joint
    procurement nobody has started yet."""
    counts = await (
        Interest.select(Interest.solution, Interest.level, Count(Interest.id, alias="councils"))
        .where(
            Interest.withdrawn_at.is_null()
            & (Interest.organisation.kind == "council")
            & (Interest.solution.kind != "procurement")
            & Interest.solution.status.not_in(_NOT_CURRENT)
        )
        .group_by(Interest.solution, Interest.level)
    )
    by_solution: dict[int, dict[str, int]] = {}
    for row in counts:
        levels = by_solution.setdefault(row["solution"], dict.fromkeys(INTEREST_LEVELS, 0))
        levels[row["level"]] = row["councils"]
    gathering = [sid for sid, c in by_solution.items() if c["intends_to_adopt"] >= DEMAND_THRESHOLD]
    if not gathering:
        return []
    solutions = await Solution.select(
        Solution.id, Solution.slug, Solution.title, Solution.kind, Solution.status
    ).where(Solution.id.is_in(gathering))
    rows = [{**s, **by_solution[s["id"]]} for s in solutions]
    return sorted(
        rows,
        key=lambda r: (
            -r["intends_to_adopt"],
            -r["exploring"],
            -r["following"],
            r["title"].casefold(),
        ),
    )


async def _frameworks_ending(today: dt.date, ending_by: dt.date) -> list[dict]:
    rows = await ProcurementDetail.select(
        ProcurementDetail.solution.slug.as_alias("slug"),
        ProcurementDetail.solution.title.as_alias("title"),
        ProcurementDetail.solution.status.as_alias("status"),
        ProcurementDetail.reference,
        ProcurementDetail.ends_on,
        ProcurementDetail.procurement_body.slug.as_alias("body_slug"),
        ProcurementDetail.procurement_body.name.as_alias("body_name"),
    ).where(
        (ProcurementDetail.solution.kind == "procurement")
        & ProcurementDetail.solution.status.not_in(_NOT_CURRENT)
        & (ProcurementDetail.ends_on >= today)
        & (ProcurementDetail.ends_on <= ending_by)
    )
    rows.sort(key=lambda r: (r["ends_on"], r["title"].casefold()))
    return [{**row, "days_left": (row["ends_on"] - today).days} for row in rows]
