"""The registry's lists as CSV rows: discover's results, organisations, a solution's
interests, pledges and adoptions, the dashboard's adoption matrix, and a programme's milestones
and figures. Each is an async iterator of rows after a header, read within
what the reader may see (drafts only for those who may see them, never a pledge's note), for
`csv_out.astream_csv` to stream with formula-like cells neutralised.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from registry.accounts import Actor
from registry.catalogue import solution_with_activity
from registry.catalogue.searching import parse, to_query
from registry.config import get_settings
from registry.organisations import list_organisations
from registry.vocabulary import (
    ADOPTION_STATUSES,
    MILESTONE_METRICS,
    MILESTONE_STATES,
    MONEY_METRICS,
    RAG,
    SOLUTION_KINDS,
    STATUS_LABELS,
)
from search import MAX_TOTAL_HITS, SearchEngine

# Rows read from the search engine at a time.
CSV_PAGE = 100

DISCOVER_HEADER = ("title", "kind", "status", "owner", "summary", "slug", "address")


def _address(path: str) -> str:
    return get_settings().base_url.rstrip("/") + path


async def discover_rows(
    engine: SearchEngine, params: Mapping[str, Sequence[str]]
) -> AsyncIterator[list[Any]]:
    """Every result of the search `params` ask for (all pages, up to the search's cap): the
    rows the page's total counts. The query is checked before the first row is read."""
    params = {k: v for k, v in params.items() if k not in ("format", "page", "per_page")}
    asked = parse(params, max_per_page=CSV_PAGE)
    first = await engine.search(to_query(dataclasses.replace(asked, page=1, per_page=CSV_PAGE), ()))

    async def rows() -> AsyncIterator[list[Any]]:
        result, page, sent = first, 1, 0
        while True:
            for hit in result.hits:
                doc = hit.document
                if sent >= min(first.total, MAX_TOTAL_HITS):
                    return
                sent += 1
                yield [
                    doc.get("title"),
                    SOLUTION_KINDS.get(doc.get("kind"), doc.get("kind")),
                    STATUS_LABELS.get(doc.get("status"), doc.get("status")),
                    doc.get("owner_name"),
                    doc.get("summary"),
                    doc.get("slug"),
                    _address(f"/solutions/{doc.get('slug')}"),
                ]
            if not result.hits or page * CSV_PAGE >= min(first.total, MAX_TOTAL_HITS):
                return
            page += 1
            result = await engine.search(
                to_query(dataclasses.replace(asked, page=page, per_page=CSV_PAGE), ())
            )

    return rows()


ORGANISATIONS_HEADER = ("name", "kind", "org_id", "gss_code", "iso_3166_2", "slug", "address")


async def organisation_rows(kind: str | None = None) -> AsyncIterator[list[Any]]:
    page = 1
    while True:
        listing, total = await list_organisations(kind=kind, page=page, per_page=100)
        for org in listing:
            yield [
                org.name, org.kind, org.org_id or "", org.gss_code or "", org.iso_3166_2 or "",
                org.slug, _address(f"/organisations/{org.slug}"),
            ]  # fmt: skip
        if not listing or page * 100 >= total:
            return
        page += 1


ACTIVITY_HEADER = (
    "record", "organisation", "org_id", "status_or_level", "date", "amount_pounds",
    "staff_days", "organisation_slug",
)  # fmt: skip


async def activity_rows(slug: str, actor: Actor) -> AsyncIterator[list[Any]]:
    """A solution's adoptions, interests and pledges (never a pledge's note), as its page
    shows them to `actor`: a draft is refused to those who may not see it."""
    seen = await solution_with_activity(slug, actor)
    activity = seen.activity
    for a in activity.adoptions:
        org = a.organisation
        when = a.status_on.isoformat() if a.status_on else ""
        yield ["adoption", org.name, org.org_id or "", a.status, when, "", "", org.slug]
    for i in activity.interests:
        org = i.organisation
        when = i.registered_at.date().isoformat()
        yield ["interest", org.name, org.org_id or "", i.level, when, "", "", org.slug]
    for p in activity.pledges:
        org = p.organisation
        pounds = f"{p.amount_pence / 100:.2f}"
        yield ["pledge", org.name, org.org_id or "", p.status, "", pounds, p.staff_days, org.slug]


# -- the dashboard and programmes ---------------------------------------------------------------

MATRIX_HEADER = (
    "council", "org_id", "council_slug", "platform", "platform_status", "platform_slug",
    "adoption", "since",
)  # fmt: skip


async def matrix_rows() -> AsyncIterator[list[Any]]:
    """The dashboard's adoption matrix, one row per council and common platform, in the page's
    order (councils by name, platforms most used first): the cell's adoption as the page labels
    it, empty where nothing is recorded."""
    from registry.programmes.dashboard import adoption_matrix

    platforms, councils = await adoption_matrix()
    for council in councils:
        for platform, cell in zip(platforms, council["cells"], strict=True):
            yield [
                council["name"], council["org_id"] or "", council["slug"],
                platform["title"], STATUS_LABELS.get(platform["status"], platform["status"]),
                platform["slug"],
                ADOPTION_STATUSES.get(cell["status"], cell["status"]) if cell else "",
                cell["status_on"] if cell else "",
            ]  # fmt: skip


MILESTONES_HEADER = (
    "milestone", "state", "rating", "due_on", "measured_by", "target", "unit", "current",
    "percent", "as_of", "note", "linked_solution", "source", "milestone_slug",
    "linked_solution_slug",
)  # fmt: skip


def _amount(metric: str, value: int | None) -> Any:
    """A milestone's figure in the unit the page shows it: money in pounds, else as counted."""
    if value is None:
        return ""
    return f"{value / 100:.2f}" if metric in MONEY_METRICS else value


async def milestone_rows(slug: str) -> AsyncIterator[list[Any]]:
    """A programme's milestones as its page shows them, each with where it stands."""
    from registry.programmes import get_programme

    programme = await get_programme(slug)
    for m in programme.milestones:
        p = m.progress
        if m.metric == "status_reached":
            target: Any = STATUS_LABELS.get(m.target_status, m.target_status)
            current: Any = "" if p.current is None else ("reached" if p.met else "not reached")
            unit = "status"
        else:
            target, current = _amount(m.metric, p.target), _amount(m.metric, p.current)
            unit = "pounds" if m.metric in MONEY_METRICS else m.target_unit
        yield [
            m.title, MILESTONE_STATES.get(p.state, p.state), RAG.get(p.rag or "", ""),
            m.due_on or "", MILESTONE_METRICS.get(m.metric, m.metric), target, unit, current,
            "" if p.percent is None else p.percent, p.as_of or "", p.note,
            m.solution.title if m.solution else "", m.source, m.slug,
            m.solution.slug if m.solution else "",
        ]  # fmt: skip


FIGURES_HEADER = (
    "milestone", "applies_to", "figure", "unit", "percent_of_target", "source", "source_url",
    "note", "recorded_by", "recorded_on", "milestone_slug",
)  # fmt: skip


async def figure_rows(slug: str) -> AsyncIterator[list[Any]]:
    """Every figure recorded against a programme's milestones, oldest first within each, as
    the tables under its milestones show them."""
    from registry.programmes import get_programme

    programme = await get_programme(slug)
    for m in programme.milestones:
        if m.metric != "recorded":
            continue
        for f in m.figures:
            yield [
                m.title, f.as_of, f.value, m.target_unit, f.percent, f.source, f.source_url,
                f.note, f.recorded_by, f.recorded_at.date(), m.slug,
            ]  # fmt: skip
