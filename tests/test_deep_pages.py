"""How deep a listing pages: the API and the discover page stop at the search package's one cap
(the first 1,000 results, as Meilisearch's `maxTotalHits`), say so, and refuse a deeper page at
once instead of making the engine skip every earlier hit."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from registry.indexing.documents import solution_document
from search import MAX_TOTAL_HITS
from tests.clients import app_client
from tests.web import html, text_of

MATCHING = MAX_TOTAL_HITS + 50


def facts(n: int) -> dict:
    return {
        "id": n,
        "slug": f"booking-{n:05d}",
        "kind": "platform",
        "status": "live",
        "title": f"Booking platform {n:05d}",
        "summary": "Books rooms and halls.",
        "tags": [],
        "owner_name": "Fife Council",
        "owner": "fife",
        "description": "",
        "service_areas": [],
        "characteristics": [],
        "updated_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    }


@pytest.fixture
async def client(db, search_index):
    await search_index.upsert(solution_document(facts(n)) for n in range(1, MATCHING + 1))
    async with app_client(search_index) as client:
        yield client


async def test_the_api_pages_up_to_the_cap_and_counts_up_to_it(client):
    response = await client.get("/api/v1/search", params={"page": 10, "per_page": 100})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["hits"]) == 100
    assert body["hits"][-1]["slug"] == f"booking-{MAX_TOTAL_HITS:05d}"
    assert body["total"] == MAX_TOTAL_HITS


@pytest.mark.parametrize(
    ("page", "per_page"), [(11, 100), (51, 20), (34, 30), (10_000, 100)], ids=str
)
async def test_the_api_refuses_a_page_past_the_cap_naming_page_and_the_cap(client, page, per_page):
    response = await client.get("/api/v1/search", params={"page": page, "per_page": per_page})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"page"}
    assert "1,000" in error["fields"]["page"] or "1000" in error["fields"]["page"]


def page_links(response) -> list[int]:
    """The page numbers the pagination links lead to."""
    return [
        int(parse_qs(urlsplit(link.attributes.get("href") or "").query).get("page", ["1"])[0])
        for link in html(response).css(".ds_pagination a")
    ]


async def test_the_discover_page_says_it_shows_the_first_results_and_links_no_deeper(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert text_of(response, "#results-heading") == "1,000 or more solutions"
    assert text_of(response, "#results-cap").startswith("Showing the first 1,000 results.")
    assert max(page_links(response)) == MAX_TOTAL_HITS // 20

    last = await client.get("/", params={"page": MAX_TOTAL_HITS // 20})
    assert last.status_code == 200
    assert "Next" not in [a.text().strip() for a in html(last).css(".ds_pagination a")]

    # with 30 a page, page 33 ends at result 990: a 34th would go past the cap
    thirty = await client.get("/", params={"per_page": 30, "page": 33})
    assert max(page_links(thirty)) == 33


async def test_the_discover_page_explains_a_page_past_the_cap(client):
    response = await client.get("/", params={"page": MAX_TOTAL_HITS // 20 + 1})
    assert response.status_code == 422
    message = text_of(response, "#error-message")
    assert "page goes at most to the first 1,000 results" in message
    assert not html(response).css(".ds_pagination")
