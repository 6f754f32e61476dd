"""The lists as CSV, as a person downloads them from the pages."""

from __future__ import annotations

import csv
import io
import re

from registry import collaboration
from registry.tables import Solution
from tests.factories import SYSTEM, make_solution


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _total(html: str) -> int:
    heading = re.search(r'id="results-heading"[^>]*>\s*([0-9,]+) solution', html)
    assert heading, html[:500]
    return int(heading.group(1).replace(",", ""))


async def test_a_filtered_discover_csv_has_exactly_the_rows_the_total_says(seeded_client):
    for query in ("kind=component", "kind=procurement&q=framework", "q=council", ""):
        page = await seeded_client.get(f"/?{query}")
        download = await seeded_client.get(f"/?{query}&format=csv")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        rows = _rows(download.text)
        assert rows[0][:4] == ["title", "kind", "status", "owner"]
        assert len(rows) - 1 == _total(page.text), query
        assert len({r[5] for r in rows[1:]}) == len(rows) - 1  # every solution once


async def test_a_bad_discover_query_is_refused_not_streamed(seeded_client):
    response = await seeded_client.get("/?colour=red&format=csv")
    assert response.status_code == 422
    assert "colour is not a filter" in response.text


async def test_organisations_csv_lists_every_organisation_with_its_identifiers(seeded_client):
    rows = _rows((await seeded_client.get("/organisations.csv")).text)
    glasgow = next(r for r in rows if r[5] == "glasgow-city")
    assert glasgow[2] == "GB-LAS-GLG"
    councils = [r for r in rows[1:] if r[1] == "council"]
    assert len(councils) == 32


async def test_a_formula_in_a_title_comes_out_neutralised(client, glasgow, search_index):
    view = await make_solution("component", glasgow, title='=HYPERLINK("https://x.example")')
    await collaboration.record_adoption(SYSTEM, view.slug, "glasgow-city", "live")
    from registry import indexing

    await indexing.drain_all(search_index)
    rows = _rows((await client.get("/?format=csv")).text)
    title = next(r[0] for r in rows[1:] if r[5] == view.slug)
    assert title.startswith("'=HYPERLINK")
    activity = _rows((await client.get(f"/solutions/{view.slug}/activity.csv")).text)
    assert activity[1][:4] == ["adoption", "Glasgow City Council", "GB-LAS-GLG", "live"]


async def test_a_drafts_activity_is_not_given_to_others(client, glasgow):
    view = await make_solution("component", glasgow, status="draft")
    assert await Solution.exists().where(Solution.slug == view.slug)
    response = await client.get(f"/solutions/{view.slug}/activity.csv")
    assert response.status_code == 404


async def test_every_seeded_component_has_its_publiccode_yml(seeded_client):
    from registry.interchange.publiccode import read_publiccode

    listing = _rows((await seeded_client.get("/?kind=component&format=csv")).text)
    assert len(listing) > 1
    for row in listing[1:]:
        response = await seeded_client.get(f"/solutions/{row[5]}/publiccode.yml")
        assert response.status_code == 200
        assert read_publiccode(response.content).valid, row[5]
    procurement = _rows((await seeded_client.get("/?kind=procurement&format=csv")).text)[1]
    assert (
        await seeded_client.get(f"/solutions/{procurement[5]}/publiccode.yml")
    ).status_code == 404


async def test_each_list_page_links_its_csv(seeded_client):
    page = (await seeded_client.get("/?kind=component")).text
    assert 'id="search-csv-link"' in page
    assert "kind=component&amp;format=csv" in page
    assert 'id="organisations-csv-link"' in (await seeded_client.get("/organisations")).text
    listing = _rows((await seeded_client.get("/?kind=component&format=csv")).text)
    detail = (await seeded_client.get(f"/solutions/{listing[1][5]}")).text
    assert 'id="activity-csv-link"' in detail
    assert 'id="publiccode-link"' in detail
