"""The API's lists, filtered as the pages filter: solutions as the discover page (and
/api/v1/search) filter them, organisations by kind and name, programmes by status and owner."""

from __future__ import annotations

import pytest

from tests.web import html

PARAMETER_SETS = [
    {},
    {"kind": "platform"},
    {"kind": ["platform", "procurement"]},
    {"status": "live"},
    {"service_area": "education"},
    {"characteristic": "collaborative"},
    {"owner": "glasgow-city"},
    {"owner": "GLASGOW-CITY"},
    {"adopted_by": "glasgow-city"},
    {"adopted_by": ["glasgow-city", "fife"]},
    {"interested": "fife"},
    {"licence": "mit"},
    {"licence": "MIT"},
    {"kind": "component", "licence": ["mit", "agpl-3.0-only"]},
    {"kind": "platform", "adopted_by": "glasgow-city", "status": "live"},
    {"owner": "no-such-council"},
    {"sort": "updated"},
    {"sort": "title", "kind": "challenge"},
    {"q": "waste"},
    {"q": "digital", "kind": "platform"},
    {"sort": "interest"},
]


def _listed_on_the_page(response) -> list[str]:
    return [
        link.attributes["href"].removeprefix("/solutions/")
        for link in html(response).css(".ds_search-result__link")
    ]


@pytest.mark.parametrize("params", PARAMETER_SETS, ids=lambda p: repr(p) if p else "nothing")
async def test_the_list_filtered_is_what_the_discover_page_lists(seeded_client, params):
    shown = await seeded_client.get("/", params={**params, "per_page": 50})
    assert shown.status_code == 200
    listed = await seeded_client.get("/api/v1/solutions", params={**params, "per_page": 50})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [item["slug"] for item in body["items"]] == _listed_on_the_page(shown)
    searched = await seeded_client.get("/api/v1/search", params={**params, "per_page": 50})
    assert body["total"] == searched.json()["total"]


async def test_the_filters_narrow_and_the_filtered_list_pages_without_overlap(seeded_client):
    everything = (await seeded_client.get("/api/v1/solutions", params={"per_page": 100})).json()
    platforms = (await seeded_client.get("/api/v1/solutions", params={"kind": "platform"})).json()
    assert 0 < platforms["total"] < everything["total"]
    seen = []
    for page in (1, 2, 3):
        body = (
            await seeded_client.get(
                "/api/v1/solutions", params={"kind": "platform", "per_page": 2, "page": page}
            )
        ).json()
        assert body["total"] == platforms["total"]
        seen += [item["slug"] for item in body["items"]]
    assert len(seen) == len(set(seen)) == min(6, platforms["total"])
    assert {item["kind"] for item in platforms["items"]} == {"platform"}


@pytest.mark.parametrize("path", ["/api/v1/solutions", "/api/v1/search"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("kind=null", "kind"),
        ("kind=cake", "kind"),
        ("status=nonsense", "status"),
        ("service_area=nowhere", "service_area"),
        ("sort=price", "sort"),
        ("colour=blue", "colour"),
        ("q=a&q=b", "q"),
        ("page=1&page=2", "page"),
        ("per_page=101", "per_page"),
        ("page=0", "page"),
        ("owner=" + "x" * 201, "owner"),
        ("q=" + "x" * 201, "q"),
    ],
)
async def test_a_bad_value_is_refused_alike_by_the_list_and_search(
    seeded_client, path, query, field
):
    response = await seeded_client.get(f"{path}?{query}")
    assert response.status_code == 422, response.text
    assert set(response.json()["error"]["fields"]) == {field}


async def test_the_database_list_reaches_pages_beyond_the_search_cap_and_search_order_does_not(
    seeded_client,
):
    deep = await seeded_client.get("/api/v1/solutions", params={"page": 11, "per_page": 100})
    assert deep.status_code == 200
    assert deep.json()["items"] == []
    capped = await seeded_client.get(
        "/api/v1/solutions", params={"q": "digital", "page": 11, "per_page": 100}
    )
    assert capped.status_code == 422
    assert set(capped.json()["error"]["fields"]) == {"page"}


async def test_organisations_filter_by_kind_and_name(seeded_client):
    named = (await seeded_client.get("/api/v1/organisations", params={"q": "glas"})).json()
    assert [item["slug"] for item in named["items"]] == ["glasgow-city"]
    assert named["total"] == 1
    by_identifier = (
        await seeded_client.get("/api/v1/organisations", params={"q": "GB-LAS-FIF"})
    ).json()
    assert [item["slug"] for item in by_identifier["items"]] == ["fife"]
    councils = (
        await seeded_client.get(
            "/api/v1/organisations", params={"kind": "council", "q": "council", "per_page": 100}
        )
    ).json()
    assert councils["total"] >= 25
    assert {item["kind"] for item in councils["items"]} == {"council"}
    nothing = (await seeded_client.get("/api/v1/organisations", params={"q": "%_"})).json()
    assert (nothing["total"], nothing["items"]) == (0, [])
    refused = await seeded_client.get("/api/v1/organisations", params={"q": "x" * 201})
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"q"}


async def test_programmes_filter_by_status_and_owner_and_page(seeded_client):
    everything = (await seeded_client.get("/api/v1/programmes", params={"per_page": 100})).json()
    assert everything["total"] == len(everything["items"]) > 0
    status = everything["items"][0]["status"]
    owner = everything["items"][0]["owner"]["slug"]
    by_status = (await seeded_client.get("/api/v1/programmes", params={"status": status})).json()
    assert by_status["total"] == sum(1 for p in everything["items"] if p["status"] == status)
    by_owner = (
        await seeded_client.get("/api/v1/programmes", params={"owner": owner.upper()})
    ).json()
    assert by_owner["total"] == sum(1 for p in everything["items"] if p["owner"]["slug"] == owner)
    one = (await seeded_client.get("/api/v1/programmes", params={"per_page": 1, "page": 2})).json()
    assert (one["page"], one["per_page"], one["total"]) == (2, 1, everything["total"])
    assert [p["slug"] for p in one["items"]] == [p["slug"] for p in everything["items"][1:2]]
    refused = await seeded_client.get("/api/v1/programmes", params={"status": "null"})
    assert refused.status_code == 422


async def test_while_search_is_down_the_list_still_filters_and_text_answers_503(
    broken_index, glasgow, fife
):
    from tests.clients import app_client
    from tests.factories import make_solution

    await make_solution("platform", glasgow, slug="glasgow-bins", title="Bins")
    await make_solution("platform", fife, slug="fife-bins", title="Fife bins")
    async with app_client(broken_index) as client:
        body = (await client.get("/api/v1/solutions", params={"owner": "fife"})).json()
        assert [item["slug"] for item in body["items"]] == ["fife-bins"]
        down = await client.get("/api/v1/solutions", params={"q": "bins"})
        assert down.status_code == 503
