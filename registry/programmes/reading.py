"""What the Digital Office's programme forms show: the programme as it stands, the values its
form starts from, the organisations that may own it, its linked solutions and the published
solutions matching a search that could be linked. Curators only, like the changes the forms
make."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from registry import db
from registry.accounts import Actor, require_digital_office
from registry.catalogue.views import SolutionRef
from registry.programmes.editing import editable_milestone, editable_programme, milestone_row
from registry.programmes.progress import (
    MilestoneView,
    ProgrammeView,
    get_programme,
    linked_solutions,
    programme_row,
)
from registry.tables import Organisation, ProgrammeSolution, Solution

# How many matching solutions the link search lists, and the longest search it reads.
CANDIDATES_SHOWN = 20
MAX_FIND = 100


@dataclass(frozen=True)
class ProgrammeForm:
    """A programme form's starting point. `programme` is None for a new programme; `milestone`
    is the milestone being edited, if any; `values` are what the form shows; `owners` are
    (slug, name) of every organisation; `linked` the programme's linked solutions (a computed
    milestone counts from one of them); `candidates` the published solutions matching `find`
    that are not linked yet."""

    programme: ProgrammeView | None
    values: dict[str, Any]
    owners: tuple[tuple[str, str], ...]
    linked: tuple[SolutionRef, ...] = ()
    candidates: tuple[SolutionRef, ...] = ()
    find: str = ""
    milestone: MilestoneView | None = None
    version: int | None = None


def _like_pattern(text: str) -> str:
    """A LIKE pattern for titles containing `text`. The two databases escape LIKE's own
    characters differently, so they are dropped from the search rather than escaped."""
    return "%" + "".join(ch for ch in text if ch not in "%_\\") + "%"


def _title_contains(pattern: str):
    """Titles matching `pattern` whatever their case: SQLite's LIKE already ignores case (and
    has no ILIKE); PostgreSQL's needs ILIKE."""
    if isinstance(db.database(), SQLiteEngine):
        return Solution.title.like(pattern)
    return Solution.title.ilike(pattern)


async def _candidates(programme_id: int, find: str) -> tuple[SolutionRef, ...]:
    find = " ".join(find.split())[:MAX_FIND]
    if not find:
        return ()
    linked = [
        r["solution"]
        for r in await ProgrammeSolution.select(ProgrammeSolution.solution).where(
            ProgrammeSolution.programme == programme_id
        )
    ]
    rows = (
        await Solution.select(Solution.slug, Solution.title, Solution.kind, Solution.status)
        .where(
            _title_contains(_like_pattern(find))
            & (Solution.status != "draft")
            & Solution.id.not_in(linked or [0])
        )
        .order_by(Solution.title)
        .limit(CANDIDATES_SHOWN)
    )
    return tuple(SolutionRef(r["slug"], r["title"], r["kind"], r["status"]) for r in rows)


async def programme_for_editing(
    actor: Actor,
    slug: str | None = None,
    *,
    find: str = "",
    milestone_slug: str | None = None,
) -> ProgrammeForm:
    """A curator's form for a new programme (no `slug`), an existing one, or one of its
    milestones (`milestone_slug`, "" for a new milestone)."""
    require_digital_office(actor)
    async with db.reading():
        owners = tuple(
            (r["slug"], r["name"])
            for r in await Organisation.select(Organisation.slug, Organisation.name).order_by(
                Organisation.name
            )
        )
        if slug is None:
            return ProgrammeForm(
                programme=None,
                values={"owner": "digital-office", "status": "planned"},
                owners=owners,
            )
        row = await programme_row(slug)
        view = await get_programme(slug)
        linked = tuple((await linked_solutions([row["id"]])).get(row["id"], []))
        if milestone_slug is None:
            return ProgrammeForm(
                programme=view,
                values=editable_programme(row),
                owners=owners,
                linked=tuple(sorted(linked, key=lambda s: s.title)),
                candidates=await _candidates(row["id"], find),
                find=" ".join(find.split())[:MAX_FIND],
                version=row["version"],
            )
        if milestone_slug == "":
            return ProgrammeForm(
                programme=view,
                values={"metric": "recorded"},
                owners=owners,
                linked=tuple(sorted(linked, key=lambda s: s.title)),
            )
        stored = await milestone_row(row, milestone_slug)
        shown = next(m for m in view.milestones if m.slug == stored["slug"])
        return ProgrammeForm(
            programme=view,
            values=editable_milestone(stored),
            owners=owners,
            linked=tuple(sorted(linked, key=lambda s: s.title)),
            milestone=shown,
            version=stored["version"],
        )


async def solutions_to_link(actor: Actor, slug: str, find: str) -> tuple[SolutionRef, ...]:
    """The published solutions whose title contains `find` and that are not linked yet."""
    require_digital_office(actor)
    row = await programme_row(slug)
    return await _candidates(row["id"], find)
