"""The Digital Office dashboard: programmes against their targets, the adoption matrix of the
councils against the common platforms, where demand is gathering, and frameworks ending soon.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from registry import db
from registry.config import get_settings
from registry.programmes.progress import ProgrammeView, list_programmes
from registry.tables import (
    Adoption,
    Interest,
    Organisation,
    ProcurementDetail,
    Solution,
    SupplyRoute,
)
from registry.vocabulary import (
    ADOPTION_STATUSES,
    INTEREST_LEVELS,
)

# -- the Digital Office dashboard -------------------------------------------------------------

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
    programmes: list[ProgrammeView]
    platforms: list[dict]
    councils: list[dict]
    demand: list[dict]
    demand_threshold: int
    frameworks_ending: list[dict]
    frameworks_ending_by: dt.date


async def read_dashboard(today: dt.date | None = None) -> Dashboard:
    """Programmes against their targets, the councils x common platforms adoption matrix,
    where demand is gathering and the frameworks ending soon.

    The matrix, the demand and the frameworks take six queries whatever the number of
    councils and platforms; programme progress is `list_programmes`, which computes each
    milestone with `progress` (a query or two per milestone) so it cannot disagree with the
    programme pages. `today` sets the frameworks' window; whether a milestone is overdue is
    judged by `progress` against the real date."""
    today = today or dt.date.today()
    ending_by = today + FRAMEWORK_HORIZON
    threshold = get_settings().demand_threshold
    async with db.reading():
        platforms, councils = await _adoption_matrix()
        return Dashboard(
            today=today,
            programmes=await list_programmes(),
            platforms=platforms,
            councils=councils,
            demand=await _demand_gathering(threshold),
            demand_threshold=threshold,
            frameworks_ending=await _frameworks_ending(today, ending_by),
            frameworks_ending_by=ending_by,
        )


async def adoption_matrix() -> tuple[list[dict], list[dict]]:
    """The dashboard's adoption matrix alone (its columns and rows), for its CSV."""
    async with db.reading():
        return await _adoption_matrix()


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


async def _demand_gathering(threshold: int) -> list[dict]:
    """Solutions, other than joint procurements and those already bought through one, that at
    least `threshold` councils intend to adopt (the threshold of the demand notification), with
    how many councils are at each level of interest: candidates for a joint procurement nobody
    has started yet."""
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
    gathering = [sid for sid, c in by_solution.items() if c["intends_to_adopt"] >= threshold]
    if not gathering:
        return []
    linked = await SupplyRoute.select(SupplyRoute.solution).where(
        SupplyRoute.solution.is_in(gathering)
    )
    gathering = sorted(set(gathering) - {row["solution"] for row in linked})
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
