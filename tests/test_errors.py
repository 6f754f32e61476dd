"""Each domain error answers with the status its class carries, through the one error handler:
the error shape for the API, an error page for people, and the sign-in page for people who must
sign in first."""

from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient

from registry import errors
from registry.web.errors import EXCEPTION_HANDLERS
from registry.web.pages import PAGE_CONTROLLERS
from registry.web.templating import template_config
from tests.web import heading, text_of

RAISED = {
    "sign-in": errors.SignInRequired(),
    "forbidden": errors.PermissionDenied("You cannot do that for Fife Council"),
    "missing": errors.NotFound("There is no solution called 'nothing'"),
    "stale": errors.Conflict("Someone else changed this solution"),
    "invalid": errors.ValidationFailed({"title": "Enter a title"}),
    "throttled": errors.TooManyRequests("Too many attempts. Wait 15 minutes."),
    "unclassified": errors.RegistryError("That cannot be done"),
}
STATUSES = {
    "sign-in": (401, "unauthorised"),
    "forbidden": (403, "forbidden"),
    "missing": (404, "not_found"),
    "stale": (409, "conflict"),
    "invalid": (422, "invalid"),
    "throttled": (429, "too_many_requests"),
    "unclassified": (400, "error"),
}


@get(["/api/v1/raise/{name:str}", "/raise/{name:str}"])
async def raise_it(name: FromPath[str]) -> None:
    raise RAISED[name]


@pytest.fixture
async def client():
    app = Litestar(
        # the site's pages too, so the error page's links lead where they do on the real site
        route_handlers=[raise_it, *PAGE_CONTROLLERS],
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=template_config(),
    )
    async with AsyncTestClient(app=app) as client:
        yield client


@pytest.mark.parametrize("name", list(RAISED))
async def test_the_api_answers_each_error_with_its_class_status_in_the_error_shape(client, name):
    response = await client.get(f"/api/v1/raise/{name}")
    status, code = STATUSES[name]
    assert response.status_code == status == type(RAISED[name]).status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"] == RAISED[name].message
    assert error["fields"] == RAISED[name].fields


async def test_the_api_asks_for_credentials_rather_than_redirecting(client):
    response = await client.get("/api/v1/raise/sign-in", follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("name", [n for n in RAISED if n != "sign-in"])
async def test_people_get_an_error_page_with_the_same_status(client, name):
    response = await client.get(f"/raise/{name}")
    assert response.status_code == STATUSES[name][0]
    assert response.headers["content-type"].startswith("text/html")
    assert heading(response)
    if name != "sign-in":
        assert text_of(response, "#error-message") == RAISED[name].message


async def test_people_who_must_sign_in_are_sent_to_sign_in_and_brought_back(client):
    response = await client.get("/raise/sign-in?from=here", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fraise%2Fsign-in%3Ffrom%3Dhere"
