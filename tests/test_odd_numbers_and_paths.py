"""Numbers and paths that once answered 500: digits `str.isdigit()` accepts and `int()` refuses
("²"), a NUL byte or an over-long name under /static and /assets. Each is now a 4xx that names
what was wrong, and changes nothing."""

from __future__ import annotations

import pytest

from registry import catalogue, indexing
from tests.clients import app_client
from tests.factories import FIFE_ADMIN, SYSTEM, make_solution
from tests.web import error_summary, html, post_form, sign_in, text_of

ADMIN = FIFE_ADMIN
ODD = ["²", "\u0661", "\uff11", "9" * 5000]  # superscript 2, Arabic-Indic 1, full-width 1


@pytest.fixture
async def client(fife, fife_admin, search_index):
    await make_solution("platform", fife, title="Fife booking platform", slug="booking")
    await make_solution("platform", fife, title="Fife draft", slug="draft", status="draft")
    await indexing.drain_all(search_index)
    async with app_client(search_index) as client:
        yield client


@pytest.mark.parametrize("value", ODD, ids=["superscript", "arabic", "fullwidth", "huge"])
@pytest.mark.parametrize("name", ["page", "per_page"])
async def test_the_search_api_refuses_odd_digits_naming_the_parameter(client, name, value):
    response = await client.get("/api/v1/search", params={name: value})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert name in error["fields"]


@pytest.mark.parametrize("value", ODD, ids=["superscript", "arabic", "fullwidth", "huge"])
@pytest.mark.parametrize("name", ["page", "per_page"])
async def test_the_discover_page_refuses_odd_digits_naming_the_parameter(client, name, value):
    response = await client.get("/", params={name: value})
    assert response.status_code == 422
    assert text_of(response, "#error-message").startswith(f"{name} must be a whole number")


@pytest.mark.parametrize("value", ["²", "-1", "1.0", "9" * 5000])
async def test_the_edit_form_refuses_an_odd_version_and_keeps_the_solution(client, value):
    await sign_in(client, ADMIN)
    response = await post_form(
        client,
        "/solutions/booking/edit",
        "/solutions/booking/edit",
        {"version": value, "title": "Renamed platform", "summary": "Books rooms."},
    )
    assert response.status_code == 422
    assert [target for target, _ in error_summary(response)] == ["#version"]
    view = await catalogue.get_solution("booking", SYSTEM)
    assert (view.title, view.version) == ("Fife booking platform", 1)


@pytest.mark.parametrize("action", ["publish", "retire"])
async def test_publishing_and_retiring_refuse_an_odd_version(client, action):
    slug = "draft" if action == "publish" else "booking"
    await sign_in(client, ADMIN)
    reason = {"reason": "Replaced"} if action == "retire" else {}
    response = await post_form(
        client, f"/solutions/{slug}", f"/solutions/{slug}/{action}", {"version": "²", **reason}
    )
    assert response.status_code == 422
    assert text_of(response, "#error-message") == "Version must be the whole number you last read"
    view = await catalogue.get_solution(slug, SYSTEM)
    assert (view.status, view.version) == ("draft" if action == "publish" else "live", 1)


@pytest.mark.parametrize(
    "path",
    [
        "/static/%00",
        "/static/registry%00.css",
        "/static/" + "a" * 300,
        "/static/" + "a/" * 3000 + "a.css",
        "/static/registry.css/inside-a-file",
        "/assets/design-system/%00",
        "/assets/design-system/" + "a" * 300,
        "/assets/htmx/" + "b" * 300 + ".js",
    ],
    ids=lambda p: p[:32],
)
async def test_impossible_asset_paths_are_not_found(client, path):
    response = await client.get(path)
    assert response.status_code == 404
    assert "nothing at this address" in text_of(response, "#error-message")


async def test_real_assets_are_still_served(client):
    response = await client.get("/static/registry.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert html(response) is not None
