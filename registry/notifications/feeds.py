"""Atom 1.0 feeds (written by feedgen), readable without signing in: new and updated solutions,
frameworks ending in the next six months, an organisation's and a programme's activity, and any
discover search.

Feeds carry only what the public pages show: no drafts (nor events about a solution that is a
draft now), no pledge notes (the audit trail never holds them), and activity described in words
from the action and the public facts it names, never from an event's raw before and after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator

from registry.organisations import organisation_by_slug
from registry.programmes.dashboard import FRAMEWORK_HORIZON
from registry.programmes.progress import programme_row
from registry.tables import AuditEvent, ProcurementDetail, Solution
from registry.wording import label, long_date
from search import SearchResult

FEED_SIZE = 50
AUTHOR = "Shared Solutions Registry"


@dataclass(frozen=True)
class Entry:
    key: str  # unique within the registry, for the entry's id
    title: str
    path: str
    updated: dt.datetime
    summary: str


@dataclass(frozen=True)
class Feed:
    key: str
    title: str
    subtitle: str
    self_path: str
    page_path: str
    entries: list[Entry]


def _aware(value: dt.datetime | dt.date | None) -> dt.datetime:
    if value is None:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def atom(feed: Feed, base_url: str) -> bytes:
    host = urlsplit(base_url).hostname or "localhost"
    generator = FeedGenerator()
    generator.id(f"{base_url}{feed.self_path}")
    generator.title(feed.title)
    generator.subtitle(feed.subtitle)
    generator.author({"name": AUTHOR})
    generator.language("en-GB")
    generator.link(href=f"{base_url}{feed.self_path}", rel="self")
    generator.link(href=f"{base_url}{feed.page_path}", rel="alternate")
    updated = max((e.updated for e in feed.entries), default=_aware(None))
    generator.updated(updated)
    for item in feed.entries:
        entry = generator.add_entry(order="append")
        entry.id(f"tag:{host},2026:{item.key}")
        entry.title(item.title)
        entry.link(href=f"{base_url}{item.path}", rel="alternate")
        entry.updated(item.updated)
        entry.summary(item.summary)
    return generator.atom_str(pretty=True)


# -- solutions ---------------------------------------------------------------------------------


async def solutions_feed() -> Feed:
    rows = (
        await Solution.select(
            Solution.id,
            Solution.slug,
            Solution.title,
            Solution.summary,
            Solution.kind,
            Solution.version,
            Solution.updated_at,
            Solution.owner.name.as_alias("owner_name"),
        )
        .where(Solution.status != "draft")
        .order_by(Solution.updated_at, ascending=False)
        .order_by(Solution.id, ascending=False)
        .limit(FEED_SIZE)
    )
    entries = [
        Entry(
            f"solution-{r['id']}-v{r['version']}",
            f"{r['title']} ({label(r['kind'], 'kind')}, {r['owner_name']})",
            f"/solutions/{r['slug']}",
            _aware(r["updated_at"]),
            r["summary"],
        )
        for r in rows
    ]
    return Feed(
        "solutions",
        "New and updated solutions",
        "Solutions registered or changed most recently in the Shared Solutions Registry",
        "/feeds/solutions.atom",
        "/",
        entries,
    )


async def frameworks_ending_feed(today: dt.date | None = None) -> Feed:
    today = today or dt.date.today()
    rows = await ProcurementDetail.select(
        ProcurementDetail.solution.id.as_alias("id"),
        ProcurementDetail.solution.slug.as_alias("slug"),
        ProcurementDetail.solution.title.as_alias("title"),
        ProcurementDetail.solution.updated_at.as_alias("updated_at"),
        ProcurementDetail.reference,
        ProcurementDetail.ends_on,
        ProcurementDetail.procurement_body.name.as_alias("body_name"),
    ).where(
        ProcurementDetail.solution.status.not_in(["draft", "retired"])
        & (ProcurementDetail.ends_on >= today)
        & (ProcurementDetail.ends_on <= today + FRAMEWORK_HORIZON)
    )
    rows.sort(key=lambda r: (r["ends_on"], r["title"].casefold()))
    entries = []
    for r in rows:
        reference = f", reference {r['reference']}" if r["reference"] else ""
        days = (r["ends_on"] - today).days
        entries.append(
            Entry(
                f"framework-{r['id']}-ends-{r['ends_on'].isoformat()}",
                f"{r['title']} ends on {long_date(r['ends_on'])}",
                f"/solutions/{r['slug']}",
                _aware(r["updated_at"]),
                f"{r['body_name']}{reference}: {days} days left.",
            )
        )
    return Feed(
        "frameworks-ending",
        "Frameworks ending in the next six months",
        "Joint procurements and framework agreements whose end date is near, soonest first",
        "/feeds/frameworks-ending.atom",
        "/dashboard",
        entries,
    )


# -- activity ----------------------------------------------------------------------------------

# The public words for each action an activity feed shows; other actions are left out.
PHRASES = {
    "interest.register": "registered interest in",
    "interest.withdraw": "withdrew its interest in",
    "sponsorship.pledge": "pledged support to",
    "sponsorship.confirm": "confirmed its pledge to",
    "sponsorship.withdraw": "withdrew its pledge to",
    "adoption.record": "recorded its use of",
    "solution.create": "registered",
    "solution.publish": "published",
    "solution.update": "updated",
    "solution.status": "changed the status of",
    "solution.retire": "retired",
}


async def organisation_activity_feed(slug: str) -> Feed:
    organisation = await organisation_by_slug(slug)
    owned = await Solution.select(
        Solution.id, Solution.slug, Solution.title, Solution.status
    ).where(Solution.owner == organisation["id"])
    events = (
        await AuditEvent.select(
            AuditEvent.id,
            AuditEvent.action,
            AuditEvent.subject_id,
            AuditEvent.after,
            AuditEvent.created_at,
            AuditEvent.organisation,
        )
        .where(
            AuditEvent.action.is_in(list(PHRASES))
            & (AuditEvent.subject_type == "solution")
            & (
                (AuditEvent.organisation == organisation["id"])
                | AuditEvent.subject_id.is_in([s["id"] for s in owned] or [0])
            )
        )
        .order_by(AuditEvent.id, ascending=False)
        .limit(FEED_SIZE * 2)
        .output(load_json=True)
    )
    ids = sorted({e["subject_id"] for e in events})
    solutions = {
        s["id"]: s
        for s in await Solution.select(
            Solution.id, Solution.slug, Solution.title, Solution.status
        ).where(Solution.id.is_in(ids or [0]))
    }
    entries = []
    for event in events:
        solution = solutions.get(event["subject_id"])
        if solution is None or solution["status"] == "draft":
            continue
        after = event["after"] or {}
        acting = organisation["name"] if event["organisation"] == organisation["id"] else "Someone"
        phrase = PHRASES[event["action"]]
        detail = ""
        if event["action"] == "interest.register" and after.get("level"):
            detail = f" ({label(after['level'], 'level').lower()})"
        elif event["action"] == "adoption.record" and after.get("status"):
            detail = f" ({label(after['status'], 'adoption_status').lower()})"
        title = f"{acting} {phrase} {solution['title']}{detail}"
        entries.append(
            Entry(
                f"event-{event['id']}",
                title,
                f"/solutions/{solution['slug']}",
                _aware(event["created_at"]),
                f"{title}.",
            )
        )
    return Feed(
        f"organisation-{slug}",
        f"{organisation['name']}: activity",
        f"What {organisation['name']} and the solutions it owns have recently had recorded",
        f"/organisations/{slug}/activity.atom",
        f"/organisations/{slug}",
        entries[:FEED_SIZE],
    )


async def programme_activity_feed(slug: str) -> Feed:
    programme = await programme_row(slug)
    events = (
        await AuditEvent.select(
            AuditEvent.id, AuditEvent.action, AuditEvent.after, AuditEvent.created_at
        )
        .where(
            (AuditEvent.subject_type == "programme") & (AuditEvent.subject_id == programme["id"])
        )
        .order_by(AuditEvent.id, ascending=False)
        .limit(FEED_SIZE)
        .output(load_json=True)
    )
    entries = []
    for event in events:
        after = event["after"] or {}
        action = event["action"]
        if action == "milestone.figure":
            value = after.get("value")
            figure = f"{value:,}" if isinstance(value, int) else str(value)
            title = (
                f"Figure recorded for {after.get('milestone')}: {figure} "
                f"as of {long_date(after.get('as_of'))}"
            )
        elif action in ("milestone.create", "milestone.update"):
            verb = "added" if action == "milestone.create" else "changed"
            title = f"Milestone {after.get('milestone') or after.get('slug')} {verb}"
        elif action == "programme.update" and "status" in after:
            title = f"Status changed to {label(after['status'], 'programme_status').lower()}"
        elif action in ("programme.create", "programme.update"):
            title = "Programme " + ("created" if action == "programme.create" else "updated")
        elif action == "programme.link":
            title = "Solutions linked to the programme"
        else:
            continue
        entries.append(
            Entry(
                f"event-{event['id']}",
                title,
                f"/programmes/{slug}",
                _aware(event["created_at"]),
                f"{programme['title']}: {title}.",
            )
        )
    return Feed(
        f"programme-{slug}",
        f"{programme['title']}: activity",
        f"Figures, milestones and status of {programme['title']}",
        f"/programmes/{slug}/activity.atom",
        f"/programmes/{slug}",
        entries,
    )


def search_feed(result: SearchResult, query: str) -> Feed:
    entries = [
        Entry(
            f"solution-{hit.id}-{hit.document.get('digest', '')}",
            str(hit.document.get("title", "")),
            f"/solutions/{hit.document.get('slug', '')}",
            _aware(dt.datetime.fromtimestamp(int(hit.document.get("updated") or 0), dt.UTC)),
            str(hit.document.get("summary", "")),
        )
        for hit in result.hits
    ]
    suffix = f"?{query}" if query else ""
    return Feed(
        "search",
        "Search results",
        "Solutions matching a search of the Shared Solutions Registry",
        f"/feeds/search.atom{suffix}",
        f"/{suffix}",
        entries,
    )
