"""The read-only JSON API over the seeded catalogue: shapes, paging, filters and errors."""

from __future__ import annotations

import pytest


async def test_health_reports_the_database(seeded_client):
    response = await seeded_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"


async def test_organisations_list_the_32_councils_with_their_ids(seeded_client):
    response = await seeded_client.get(
        "/api/v1/organisations", params={"kind": "council", "per_page": 100}
    )
    body = response.json()
    assert (body["total"], body["page"], body["per_page"]) == (32, 1, 100)
    assert len(body["items"]) == 32
    assert all(item["org_id"].startswith("GB-LAS-") for item in body["items"])
    assert {"slug", "name", "kind", "org_id"} <= set(body["items"][0])


async def test_pages_of_organisations_do_not_overlap_and_cover_everything(seeded_client):
    first = (await seeded_client.get("/api/v1/organisations", params={"per_page": 20})).json()
    total = first["total"]
    seen = []
    for page in range(1, total // 20 + 2):
        body = (
            await seeded_client.get("/api/v1/organisations", params={"page": page, "per_page": 20})
        ).json()
        seen += [item["slug"] for item in body["items"]]
    assert len(seen) == len(set(seen)) == total


async def test_one_organisation_with_what_it_uses(seeded_client):
    response = await seeded_client.get("/api/v1/organisations/glasgow-city")
    body = response.json()
    assert body["name"] == "Glasgow City Council"
    assert body["org_id"] == "GB-LAS-GLG"
    assert "seemis" in {u["solution"]["slug"] for u in body["uses"]}


async def test_solutions_list_shape_and_kind_filter(seeded_client):
    everything = (await seeded_client.get("/api/v1/solutions", params={"per_page": 100})).json()
    assert everything["total"] >= 20
    assert {item["kind"] for item in everything["items"]} == {
        "platform",
        "procurement",
        "challenge",
        "component",
    }
    item = everything["items"][0]
    assert {"slug", "kind", "title", "summary", "status", "owner"} <= set(item)

    challenges = (await seeded_client.get("/api/v1/solutions", params={"kind": "challenge"})).json()
    assert challenges["total"] >= 3
    assert {i["kind"] for i in challenges["items"]} == {"challenge"}


async def test_one_solution_with_its_adopters_and_details(seeded_client):
    body = (await seeded_client.get("/api/v1/solutions/social-work-case-management")).json()
    assert body["kind"] == "procurement"
    assert body["owner"]
    assert body["details"]["procurement_body"]["slug"] == "scotland-excel"
    assert body["reported_interested"] == 6
    seemis = (await seeded_client.get("/api/v1/solutions/seemis")).json()
    assert seemis["counts"]["councils_live"] == 32
    assert "id" not in seemis


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/solutions", {"per_page": 101}, "per_page"),
        ("/api/v1/solutions", {"per_page": 0}, "per_page"),
        ("/api/v1/solutions", {"page": 0}, "page"),
        ("/api/v1/solutions", {"page": "two"}, "page"),
        ("/api/v1/solutions", {"kind": "gadget"}, "kind"),
        ("/api/v1/organisations", {"kind": "club"}, "kind"),
    ],
)
async def test_bad_query_parameters_get_a_422_naming_the_parameter(
    seeded_client, path, params, field
):
    response = await seeded_client.get(path, params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert error["message"]


@pytest.mark.parametrize(
    "path", ["/api/v1/solutions/no-such-thing", "/api/v1/organisations/no-such-council"]
)
async def test_unknown_slugs_are_404_in_the_error_shape(seeded_client, path):
    response = await seeded_client.get(path)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "no-such" in error["message"]


async def test_the_openapi_schema_describes_the_api(seeded_client):
    schema = (await seeded_client.get("/schema/openapi.json")).json()
    assert "/api/v1/solutions" in schema["paths"]
    assert "/api/v1/organisations/{slug}" in schema["paths"]


async def test_the_api_and_the_feeds_set_no_cookie(client):
    """A program calling the API keeps no cookies: its answers set none, however often it
    calls, while the pages still give a browser its CSRF cookie for their forms."""
    for path in ("/api/v1/search?q=waste", "/api/v1/solutions", "/feeds/solutions.atom"):
        client.cookies.clear()
        answer = await client.get(path)
        assert answer.status_code == 200
        assert answer.headers.get_list("set-cookie") == [], path
    client.cookies.clear()
    page = await client.get("/")
    assert any(c.startswith("registry_csrf=") for c in page.headers.get_list("set-cookie"))
