"""Changing programmes, their linked solutions, milestones and recorded figures: Digital Office
curators only, each change with its audit event (subject "programme", the programme's id and
slug, its owner as the organisation), written through `registry.changes`.

Who is acting is checked first, before any input is read. People create and edit through
`create_programme`, `update_programme` (an edit carries the version it read; a stale one is
refused), `add_milestone`, `update_milestone` and `remove_milestone`; the seed loader uses
`save_programme` and `save_milestone`, which create or update by slug. Figures are only ever
added (`record_figure`), so a milestone keeps its history.

The audit actions: programme.create, programme.update, programme.status, programme.close,
programme.transfer (its owner changed), programme.link, programme.unlink, milestone.create,
milestone.update, milestone.remove and milestone.figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from registry import audit, changes, db, markdown
from registry.accounts import Actor, require_digital_office
from registry.catalogue.fields import slugify
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.organisations import organisation_by_slug
from registry.programmes.progress import programme_row
from registry.tables import (
    Figure,
    Milestone,
    Programme,
    ProgrammeSolution,
    Solution,
)
from registry.validation import Checker
from registry.vocabulary import (
    COMPUTED_METRICS,
    MILESTONE_METRICS,
    MONEY_METRICS,
    PROGRAMME_STATUSES,
    STATUSES,
)

SLUG_TAKEN = "Another programme already has this web address name; choose another"
MILESTONE_SLUG_TAKEN = "This programme already has a milestone with this web address name"
# The fields of a programme a person edits (the owner is named by its slug).
PROGRAMME_FIELDS = (
    "title",
    "summary",
    "description",
    "owner",
    "status",
    "closed_reason",
    "starts_on",
    "ends_on",
)
MILESTONE_FIELDS = (
    "title",
    "description",
    "due_on",
    "metric",
    "solution",
    "target_value",
    "target_unit",
    "target_status",
)


async def _description_html(existing: Mapping | None, values: Mapping) -> dict[str, str]:
    """The description's HTML to store with the change: rendered (before any transaction
    starts) for a new row or a changed description, nothing otherwise."""
    if existing and existing["description"] == values["description"]:
        return {}
    return {"description_html": await markdown.render_when_saving(values["description"])}


def _expected(version: Any, what: str) -> int:
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationFailed({"version": f"Version must be the whole number of the {what} read"})
    return version


def _slug_or_title(data: Mapping[str, Any]) -> dict[str, Any]:
    """The input with a web address name made from the title when none was given."""
    slug, title = data.get("slug"), data.get("title")
    if (slug is None or (isinstance(slug, str) and not slug.strip())) and isinstance(title, str):
        made = slugify(title[:200])
        return {**data, "slug": made if len(made) >= 3 else f"{made}-programme".strip("-")}
    return dict(data)


# -- programmes -------------------------------------------------------------------------------


async def _check_programme(data: Mapping[str, Any]) -> tuple[dict, dict]:
    """The programme's stored values and its owner row, or every problem at once."""
    c = Checker(data)
    values = {
        "slug": c.slug("slug", "Web address name"),
        "title": c.text(
            "title", "Title", required=True, min_length=3, max_length=200, multiline=False
        ),
        "summary": c.text("summary", "Summary", required=True, max_length=280),
        "description": c.markdown("description", "Description", max_length=20_000),
        "status": c.choice("status", "Status", PROGRAMME_STATUSES),
        "closed_reason": c.text("closed_reason", "Reason it was closed", max_length=500),
        "starts_on": c.date("starts_on", "Start date"),
        "ends_on": c.date("ends_on", "End date"),
        "source": c.text("source", "Source", max_length=120, multiline=False),
    }
    if values["starts_on"] and values["ends_on"] and values["ends_on"] < values["starts_on"]:
        c.fail("ends_on", "End date must be the same as or after the start date")
    if (
        values["status"] == "closed"
        and not values["closed_reason"]
        and "closed_reason" not in c.errors
    ):
        c.fail("closed_reason", "Enter the reason the programme was closed early")
    if values["status"] != "closed":
        values["closed_reason"] = ""
    owner_slug = c.slug("owner", "Owner")
    owner = None
    if owner_slug:
        try:
            owner = await organisation_by_slug(owner_slug)
        except NotFound:
            c.fail("owner", "Owner must be an organisation in the registry")
    c.raise_if_invalid()
    assert owner is not None
    return values, owner


def _programme_action(before: Mapping, after: Mapping) -> str:
    if "owner" in after:
        return "programme.transfer"
    if "status" in after:
        return "programme.close" if after["status"] == "closed" else "programme.status"
    return "programme.update"


async def save_programme(actor: Actor, data: Mapping[str, Any], owner_slug: str) -> dict:
    """Create a programme, or update the one with this slug whatever its version (the seed
    loader's way in: a seed file is the record's source)."""
    require_digital_office(actor)
    values, owner = await _check_programme({**data, "owner": owner_slug})
    existing = await Programme.select().where(Programme.slug == values["slug"]).first()
    html = await _description_html(existing, values)
    stored = {**values, "owner": owner["id"]}
    async with changes.change(
        actor,
        "programme.update",
        "programme",
        subject_slug=values["slug"],
        organisation_id=owner["id"],
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
            before, after = audit.changes(saved.before, stored)
            change.action = _programme_action(before, after)
            change.before, change.after = before, after
        else:
            change.action, change.after = "programme.create", {**values, "owner": owner_slug}
        return saved.row


async def create_programme(actor: Actor, data: Mapping[str, Any]) -> dict:
    """A new programme from a person's form: `owner` is the owning organisation's slug, and
    the web address name is made from the title when none is given."""
    require_digital_office(actor)
    data = _slug_or_title(data)
    try:
        values, owner = await _check_programme(data)
    except ValidationFailed as exc:
        fields = dict(exc.fields)
        if isinstance(data.get("slug"), str) and await Programme.exists().where(
            Programme.slug == data["slug"]
        ):
            fields.setdefault("slug", SLUG_TAKEN)
        raise ValidationFailed(fields) from exc
    if await Programme.exists().where(Programme.slug == values["slug"]):
        raise ValidationFailed({"slug": SLUG_TAKEN})
    html = await _description_html(None, values)
    try:
        async with changes.change(
            actor,
            "programme.create",
            "programme",
            subject_slug=values["slug"],
            organisation_id=owner["id"],
        ) as change:
            inserted = await Programme.insert(
                Programme(**values, owner=owner["id"], **html)
            ).returning(Programme.id)
            change.subject_id = inserted[0]["id"]
            change.after = {**values, "owner": owner["slug"]}
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ValidationFailed({"slug": SLUG_TAKEN}) from exc
        raise
    return await programme_row(values["slug"])


def editable_programme(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored programme in the shape its edit form and `update_programme` take."""
    return {
        **{name: row[name] for name in PROGRAMME_FIELDS if name != "owner"},
        "owner": row["owner_slug"],
        "slug": row["slug"],
        "source": row["source"],
    }


async def update_programme(
    actor: Actor, slug: str, data: Mapping[str, Any], expected_version: Any
) -> dict:
    """Apply a person's edit (any of PROGRAMME_FIELDS) to the programme as of
    `expected_version`. Moving it to another owner is a transfer, audited as one."""
    require_digital_office(actor)
    current = await programme_row(slug)
    expected = _expected(expected_version, "programme")
    unknown = set(data) - set(PROGRAMME_FIELDS)
    if unknown:
        raise ValidationFailed({name: "This field is not part of a programme" for name in unknown})
    before_input = editable_programme(current)
    values, owner = await _check_programme({**before_input, **data})
    before, after = audit.changes(before_input, {**values, "owner": owner["slug"]})
    if not after:
        return current
    stored = {**values, "owner": owner["id"]}
    if "description" in after:
        stored["description_html"] = await markdown.render_when_saving(values["description"])
    async with changes.change(
        actor,
        _programme_action(before, after),
        "programme",
        current["id"],
        subject_slug=slug,
        organisation_id=owner["id"],
    ) as change:
        updated = (
            await Programme.update(
                {
                    **{getattr(Programme, k): v for k, v in stored.items()},
                    Programme.version: Programme.version + 1,
                    Programme.updated_at: dt.datetime.now(dt.UTC),
                }
            )
            .where((Programme.id == current["id"]) & (Programme.version == expected))
            .returning(Programme.version)
        )
        if not updated:
            raise Conflict(
                f"Someone else saved {current['title']} after you opened it (you had version "
                f"{expected}, it is now version {current['version']}). Nothing was saved: "
                "review their changes and make yours again.",
                {"version": "This programme changed since you read it"},
            )
        change.before, change.after = before, after
    return await programme_row(slug)


# -- linked solutions -------------------------------------------------------------------------


async def _linked_ids(programme_id: int) -> set[int]:
    return {
        r["solution"]
        for r in await ProgrammeSolution.select(ProgrammeSolution.solution).where(
            ProgrammeSolution.programme == programme_id
        )
    }


async def link_solutions(actor: Actor, programme_slug: str, solution_slugs: list[str]) -> None:
    """Link these published solutions to the programme (those already linked are left)."""
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
    slugs = [s for s in solution_slugs if isinstance(s, str)][:100]
    if not slugs:
        raise ValidationFailed({"solution": "Select a solution to link"})
    rows = await Solution.select(Solution.id, Solution.slug, Solution.status).where(
        Solution.slug.is_in(slugs)
    )
    found = {r["slug"]: r for r in rows}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise ValidationFailed(
            {"solution": f"Solutions must be in the registry: {', '.join(missing)}"[:300]}
        )
    drafts = [s for s in slugs if found[s]["status"] == "draft"]
    if drafts:
        raise ValidationFailed(
            {"solution": f"Only published solutions can be linked: {', '.join(drafts)}"[:300]}
        )
    linked = await _linked_ids(programme["id"])
    new = list(dict.fromkeys(s for s in slugs if found[s]["id"] not in linked))
    if not new:
        return
    async with changes.change(
        actor,
        "programme.link",
        "programme",
        programme["id"],
        subject_slug=programme["slug"],
        organisation_id=programme["owner"],
    ) as change:
        await ProgrammeSolution.insert(
            *(ProgrammeSolution(programme=programme["id"], solution=found[s]["id"]) for s in new)
        )
        change.after = {"solutions": new}


async def unlink_solution(actor: Actor, programme_slug: str, solution_slug: str) -> None:
    """Unlink a solution, unless a milestone of the programme is measured on it."""
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
    solution = (
        await Solution.select(Solution.id, Solution.title)
        .where(Solution.slug == str(solution_slug)[:80])
        .first()
    )
    if solution is None or solution["id"] not in await _linked_ids(programme["id"]):
        raise NotFound(f"{programme['title']} has no linked solution called {solution_slug!r}")
    measured = await Milestone.select(Milestone.title).where(
        (Milestone.programme == programme["id"]) & (Milestone.solution == solution["id"])
    )
    if measured:
        titles = ", ".join(f"“{m['title']}”" for m in measured)
        raise Conflict(
            f"{solution['title']} cannot be unlinked: the milestone {titles} is measured on it. "
            "Change or remove that milestone first."
        )
    async with changes.change(
        actor,
        "programme.unlink",
        "programme",
        programme["id"],
        subject_slug=programme["slug"],
        organisation_id=programme["owner"],
    ) as change:
        await ProgrammeSolution.delete().where(
            (ProgrammeSolution.programme == programme["id"])
            & (ProgrammeSolution.solution == solution["id"])
        )
        change.before = {"solutions": [solution_slug]}


# -- milestones -------------------------------------------------------------------------------


async def _check_milestone(programme: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """A milestone's stored values, or every problem at once. A computed target counts from
    a solution linked to the programme; a recorded one names its unit."""
    c = Checker(data)
    metric = c.choice("metric", "What the target counts", MILESTONE_METRICS)
    values: dict[str, Any] = {
        "slug": c.slug("slug", "Web address name"),
        "title": c.text(
            "title", "Title", required=True, min_length=3, max_length=200, multiline=False
        ),
        "description": c.markdown("description", "Description", max_length=5000),
        "due_on": c.date("due_on", "Due date"),
        "metric": metric,
        "target_unit": c.text("target_unit", "Unit", max_length=60, multiline=False),
        "target_status": "",
        "source": c.text("source", "Source", max_length=120, multiline=False),
    }
    if "position" in data:
        values["position"] = c.integer("position", "Position", maximum=1000) or 0
    if metric == "status_reached":
        values["target_value"] = 1
        values["target_status"] = c.text(
            "target_status", "Target status", required=True, max_length=20, multiline=False
        )
    elif metric in MONEY_METRICS:
        values["target_value"] = c.pence("target_value", "Target", required=True)
        if values["target_value"] == 0:
            c.fail("target_value", "Target must be more than nothing")
    else:
        values["target_value"] = c.integer(
            "target_value", "Target", required=True, minimum=1, maximum=10**12
        )
    if metric == "recorded" and not values["target_unit"] and "target_unit" not in c.errors:
        c.fail("target_unit", "Enter the unit the figure counts, like boxes or councils")
    solution_slug = c.slug("solution", "Linked solution", required=False)
    solution = None
    if solution_slug:
        solution = (
            await Solution.select(Solution.id, Solution.kind, Solution.title)
            .where(Solution.slug == solution_slug)
            .first()
        )
        if solution is None:
            c.fail("solution", "Linked solution must be a solution in the registry")
        elif solution["id"] not in await _linked_ids(programme["id"]):
            c.fail("solution", "Link the solution to the programme before measuring on it")
            solution = None
    elif metric in COMPUTED_METRICS:
        c.fail("solution", "Select the linked solution this target is computed from")
    if metric == "status_reached" and solution and values["target_status"]:
        kind_statuses = [s for s in STATUSES[solution["kind"]] if s != "draft"]
        if values["target_status"] not in kind_statuses:
            c.fail(
                "target_status",
                f"Target status must be one of {', '.join(kind_statuses)}",
            )
    c.raise_if_invalid()
    values["solution"] = solution["id"] if solution else None
    return values


def _milestone_snapshot(values: Mapping[str, Any], solution_slug: str | None) -> dict:
    return {**values, "solution": solution_slug}


async def milestone_row(programme: Mapping[str, Any], slug: str) -> dict:
    row = (
        await Milestone.select(*Milestone.all_columns(), Milestone.solution.slug.as_alias("s"))
        .where((Milestone.programme == programme["id"]) & (Milestone.slug == str(slug)[:80]))
        .first()
    )
    if row is None:
        raise NotFound(f"{programme['title']} has no milestone called {slug!r}")
    return row


def editable_milestone(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored milestone in the shape its edit form and `update_milestone` take."""
    return {
        **{name: row[name] for name in MILESTONE_FIELDS if name != "solution"},
        "solution": row["s"] or "",
        "slug": row["slug"],
        "source": row["source"],
    }


async def save_milestone(actor: Actor, programme_slug: str, data: Mapping[str, Any]) -> dict:
    """Create or update (by slug within the programme) one milestone: the seed loader's way."""
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
    values = await _check_milestone(programme, data)
    existing = (
        await Milestone.select()
        .where((Milestone.programme == programme["id"]) & (Milestone.slug == values["slug"]))
        .first()
    )
    html = await _description_html(existing, values)
    async with changes.change(
        actor,
        "milestone.update",
        "programme",
        programme["id"],
        subject_slug=programme["slug"],
        organisation_id=programme["owner"],
    ) as change:
        saved = await changes.save_row(
            Milestone,
            (Milestone.programme == programme["id"]) & (Milestone.slug == values["slug"]),
            values,
            on_insert={"programme": programme["id"], **html},
            on_update={**html, "version": Milestone.version + 1},
        )
        if not saved.changed:
            return change.unchanged(saved.row)
        solution = data.get("solution") or None
        if saved.before:
            before, after = audit.changes(saved.before, values)
            if "solution" in after:
                after["solution"] = solution
        else:
            change.action, before, after = (
                "milestone.create",
                None,
                _milestone_snapshot(values, solution),
            )
        change.before = before
        change.after = {"milestone": values["slug"], **after}
        return saved.row


async def add_milestone(actor: Actor, programme_slug: str, data: Mapping[str, Any]) -> dict:
    """A new milestone from a person's form, placed after the others; its web address name is
    made from its title when none is given."""
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
    data = _slug_or_title(data)
    data.pop("position", None)
    values = await _check_milestone(programme, data)
    taken = await Milestone.exists().where(
        (Milestone.programme == programme["id"]) & (Milestone.slug == values["slug"])
    )
    if taken:
        raise ValidationFailed({"slug": MILESTONE_SLUG_TAKEN})
    last = (
        await Milestone.select(Milestone.position)
        .where(Milestone.programme == programme["id"])
        .order_by(Milestone.position, ascending=False)
        .first()
    )
    values["position"] = min(1000, last["position"] + 1) if last else 0
    html = await _description_html(None, values)
    try:
        async with changes.change(
            actor,
            "milestone.create",
            "programme",
            programme["id"],
            subject_slug=programme["slug"],
            organisation_id=programme["owner"],
        ) as change:
            await Milestone.insert(Milestone(**values, programme=programme["id"], **html))
            change.after = {
                "milestone": values["slug"],
                **_milestone_snapshot(values, data.get("solution") or None),
            }
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ValidationFailed({"slug": MILESTONE_SLUG_TAKEN}) from exc
        raise
    return await milestone_row(programme, values["slug"])


async def update_milestone(
    actor: Actor,
    programme_slug: str,
    milestone_slug: str,
    data: Mapping[str, Any],
    expected_version: Any,
) -> dict:
    """Apply a person's edit (any of MILESTONE_FIELDS) to a milestone as of `expected_version`.
    A milestone with recorded figures keeps a recorded target, so its history stays true."""
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
    current = await milestone_row(programme, milestone_slug)
    expected = _expected(expected_version, "milestone")
    unknown = set(data) - set(MILESTONE_FIELDS)
    if unknown:
        raise ValidationFailed({name: "This field is not part of a milestone" for name in unknown})
    before_input = editable_milestone(current)
    merged = {**before_input, **data}
    values = await _check_milestone(programme, merged)
    if (
        current["metric"] == "recorded"
        and values["metric"] != "recorded"
        and await Figure.exists().where(Figure.milestone == current["id"])
    ):
        raise ValidationFailed(
            {
                "metric": "This milestone has recorded figures, so its target stays a recorded "
                "figure; remove the milestone to measure it another way"
            }
        )
    after_input = _milestone_snapshot(values, merged.get("solution") or None)
    before, after = audit.changes({**before_input, "solution": current["s"]}, after_input)
    if not after:
        return current
    if "description" in after:
        values["description_html"] = await markdown.render_when_saving(values["description"])
    async with changes.change(
        actor,
        "milestone.update",
        "programme",
        programme["id"],
        subject_slug=programme["slug"],
        organisation_id=programme["owner"],
    ) as change:
        updated = (
            await Milestone.update(
                {
                    **{getattr(Milestone, k): v for k, v in values.items() if k != "slug"},
                    Milestone.version: Milestone.version + 1,
                }
            )
            .where((Milestone.id == current["id"]) & (Milestone.version == expected))
            .returning(Milestone.version)
        )
        if not updated:
            raise Conflict(
                f"Someone else saved the milestone “{current['title']}” after you opened it (you "
                f"had version {expected}, it is now version {current['version']}). Nothing was "
                "saved: review their changes and make yours again.",
                {"version": "This milestone changed since you read it"},
            )
        change.before = before
        change.after = {"milestone": current["slug"], **after}
    return await milestone_row(programme, current["slug"])


async def remove_milestone(
    actor: Actor, programme_slug: str, milestone_slug: str, expected_version: Any
) -> None:
    """Remove a milestone and its figures; the audit event keeps what it was, figures too."""
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
    current = await milestone_row(programme, milestone_slug)
    expected = _expected(expected_version, "milestone")
    figures = await Figure.select(
        Figure.value, Figure.as_of, Figure.source, Figure.source_url, Figure.note
    ).where(Figure.milestone == current["id"])
    async with changes.change(
        actor,
        "milestone.remove",
        "programme",
        programme["id"],
        subject_slug=programme["slug"],
        organisation_id=programme["owner"],
    ) as change:
        removed = (
            await Milestone.delete()
            .where((Milestone.id == current["id"]) & (Milestone.version == expected))
            .returning(Milestone.id)
        )
        if not removed:
            raise Conflict(
                f"Someone else changed the milestone “{current['title']}” after you opened it. "
                "Nothing was removed: look at it again first.",
                {"version": "This milestone changed since you read it"},
            )
        change.before = {
            "milestone": current["slug"],
            **editable_milestone(current),
            "figures": figures,
        }


# -- figures ----------------------------------------------------------------------------------


async def record_figure(
    actor: Actor, programme_slug: str, milestone_slug: str, data: Mapping[str, Any]
) -> dict:
    """Add a figure to a milestone whose target is a recorded figure: its value, the date it
    applies to (not in the future), where it comes from (in words, and optionally a link) and
    who recorded it. The same figure recorded twice is kept once."""
    require_digital_office(actor)
    programme = await programme_row(programme_slug)
    milestone = await milestone_row(programme, milestone_slug)
    if milestone["metric"] != "recorded":
        raise ValidationFailed(
            {"value": "This milestone's progress is computed from the registry, not recorded"}
        )
    c = Checker(data)
    values = {
        "value": c.integer("value", "Figure", required=True, maximum=10**12),
        "as_of": c.date("as_of", "Date the figure applies to", required=True),
        "source": c.text("source", "Source", required=True, max_length=300, multiline=False),
        "source_url": c.url("source_url", "Link to the source"),
        "note": c.text("note", "Note", max_length=300),
    }
    if values["as_of"] and values["as_of"] > dt.date.today():
        c.fail("as_of", "Date the figure applies to must not be in the future")
    c.raise_if_invalid()
    duplicate = await Figure.exists().where(
        (Figure.milestone == milestone["id"])
        & (Figure.as_of == values["as_of"])
        & (Figure.value == values["value"])
        & (Figure.source == values["source"])
    )
    if duplicate:
        return values
    recorded_by = actor.display_name or ("Seed catalogue" if actor.label == "seed" else actor.label)
    async with changes.change(
        actor,
        "milestone.figure",
        "programme",
        programme["id"],
        subject_slug=programme["slug"],
        organisation_id=programme["owner"],
    ) as change:
        await Figure.insert(
            Figure(
                milestone=milestone["id"],
                recorded_by=actor.user_id,
                recorded_by_name=recorded_by,
                **values,
            )
        )
        change.after = {"milestone": milestone_slug, **values}
    return values
