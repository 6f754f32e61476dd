"""Changing programmes, their linked solutions, milestones and recorded figures: Digital Office
staff only, each change with its audit event. Saving by slug creates or updates, so the seed
loader and people use the same functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from registry import audit, changes, markdown
from registry.accounts import Actor, require_digital_office
from registry.errors import NotFound, ValidationFailed
from registry.organisations import organisation_by_slug
from registry.programmes.progress import programme_row
from registry.tables import (
    Milestone,
    MilestoneFigure,
    Programme,
    ProgrammeSolution,
    Solution,
)
from registry.validation import Checker
from registry.vocabulary import (
    MILESTONE_METRICS,
    PROGRAMME_STATUSES,
    STATUSES,
)


async def _description_html(existing: Mapping | None, values: Mapping) -> dict[str, str]:
    """The description's HTML to store with the change: rendered (before any transaction
    starts) for a new row or a changed description, nothing otherwise."""
    if existing and existing["description"] == values["description"]:
        return {}
    return {"description_html": await markdown.render_when_saving(values["description"])}


def _check_programme(data: Mapping[str, Any]) -> tuple[Checker, dict]:
    c = Checker(data)
    values = {
        "slug": c.slug("slug"),
        "title": c.text(
            "title", "Title", required=True, min_length=3, max_length=200, multiline=False
        ),
        "summary": c.text("summary", "Summary", required=True, max_length=280),
        "description": c.markdown("description", "Description", max_length=20_000),
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
    try:
        owner = await organisation_by_slug(owner_slug)
    except NotFound:
        owner = None
        checker.fail("owner", "Owner must be an organisation in the registry")
    checker.raise_if_invalid()
    existing = await Programme.select().where(Programme.slug == values["slug"]).first()
    html = await _description_html(existing, values)
    stored = {**values, "owner": owner["id"]}
    async with changes.change(
        actor, "programme.update", "programme", subject_slug=values["slug"]
    ) as change:
        saved = await changes.save_row(
            Programme,
            Programme.slug == values["slug"],
            stored,
            on_insert=html,
            on_update={
                **html,
                "version": Programme.version + 1,
                "updated_at": dt.datetime.now(dt.UTC),
            },
        )
        if not saved.changed:
            return change.unchanged(saved.row)
        change.subject_id = saved.row["id"]
        if saved.before:
            change.before, change.after = audit.changes(saved.before, stored)
        else:
            change.action, change.after = "programme.create", values
        return saved.row


async def link_solutions(actor: Actor, programme_slug: str, solution_slugs: list[str]) -> None:
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
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
    async with changes.change(
        actor, "programme.link", "programme", programme["id"], subject_slug=programme["slug"]
    ) as change:
        await ProgrammeSolution.insert(
            *(ProgrammeSolution(programme=programme["id"], solution=sid) for sid in new)
        )
        change.after = {"solutions": solution_slugs}


async def save_milestone(actor: Actor, programme_slug: str, data: Mapping[str, Any]) -> dict:
    """Create or update (by slug within the programme) one milestone."""
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
    c = Checker(data)
    values = {
        "slug": c.slug("slug"),
        "title": c.text(
            "title", "Title", required=True, min_length=3, max_length=200, multiline=False
        ),
        "description": c.markdown("description", "Description", max_length=5000),
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
    html = await _description_html(existing, values)
    async with changes.change(
        actor, "milestone.update", "programme", programme["id"], subject_slug=programme["slug"]
    ) as change:
        saved = await changes.save_row(
            Milestone,
            (Milestone.programme == programme["id"]) & (Milestone.slug == values["slug"]),
            values,
            on_insert={"programme": programme["id"], **html},
            on_update=html,
        )
        if not saved.changed:
            return change.unchanged(saved.row)
        if saved.before:
            before, after = audit.changes(saved.before, values)
        else:
            change.action, before, after = "milestone.create", None, values
        change.before = before
        change.after = {"milestone": values["slug"], **after}
        return saved.row


async def record_figure(
    actor: Actor, programme_slug: str, milestone_slug: str, data: Mapping[str, Any]
) -> dict:
    """Record the latest figure for a milestone whose target is a recorded figure."""
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
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
    async with changes.change(
        actor, "milestone.figure", "programme", programme["id"], subject_slug=programme["slug"]
    ) as change:
        await MilestoneFigure.insert(
            MilestoneFigure(milestone=milestone["id"], recorded_by=actor.user_id, **values)
        )
        change.after = {"milestone": milestone_slug, **values}
    return values
