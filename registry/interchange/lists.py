"""The registry's lists as CSV rows: discover's results, organisations, and a solution's
interests, pledges and adoptions. Each is an async iterator of rows after a header, read within
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
from registry.vocabulary import SOLUTION_KINDS, STATUS_LABELS
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
