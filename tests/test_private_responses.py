"""What the registry keeps to itself: pledge notes outside the organisations they concern,
signed-in pages out of caches, plain HTTP in production, and the name of the server software.
Checked through the app as a client sees it, and once through a real `registry serve`."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from registry import collaboration
from tests.clients import HTTPS, app_client, production_settings, start_registry
from tests.factories import CURATOR, EDINBURGH_OFFICER, FIFE_ADMIN, GLASGOW_OFFICER, make_solution
from tests.web import sign_in

PLEDGER = GLASGOW_OFFICER
OWNER = FIFE_ADMIN
BYSTANDER = EDINBURGH_OFFICER
NOTE = "Subject to committee approval in March"


@pytest.fixture
async def pledged(glasgow_officer, fife, fife_admin, edinburgh_officer, curator):
    """Glasgow has pledged, with a note, to a platform Fife owns; Edinburgh looks on."""
    await make_solution("platform", fife, slug="fife-booking", title="Fife booking platform")
    await collaboration.pledge(
        glasgow_officer, "fife-booking", "glasgow-city", amount_pence=250_000, note=NOTE
    )


@pytest.fixture
async def client(pledged, search_index):
    async with app_client(search_index) as client:
        yield client


async def pledge_note(client) -> str | None:
    response = await client.get("/api/v1/solutions/fife-booking")
    assert response.status_code == 200
    (pledge,) = response.json()["sponsorship"]["pledges"]
    assert pledge["organisation"]["slug"] == "glasgow-city"
    assert pledge["amount_pence"] == 250_000
    if pledge["note"] is None:
        assert NOTE not in response.text
    return pledge["note"]


async def test_an_anonymous_reader_of_the_api_sees_no_pledge_note(client):
    assert await pledge_note(client) is None
    page = await client.get("/solutions/fife-booking")
    assert NOTE not in page.text


@pytest.mark.parametrize(
    ("email", "sees_it"), [(PLEDGER, True), (OWNER, True), (CURATOR, True), (BYSTANDER, False)]
)
async def test_a_pledge_note_is_read_by_the_pledger_the_owner_and_curators_only(
    client, email, sees_it
):
    await sign_in(client, email)
    assert (await pledge_note(client) == NOTE) is sees_it


async def test_everything_sent_to_a_signed_in_person_is_kept_out_of_caches(client):
    await client.get("/")  # the CSRF cookie is set once; later pages set no cookie
    public = await client.get("/solutions/fife-booking")
    assert "no-store" not in public.headers.get("cache-control", "")
    await sign_in(client, PLEDGER)
    for path in ("/", "/solutions/fife-booking", "/account", "/api/v1/solutions", "/nowhere"):
        response = await client.get(path)
        assert response.headers["cache-control"] == "no-store", path


async def test_the_sign_in_form_is_never_stored(client):
    for _ in range(2):  # the first visit also sets the CSRF cookie; the second sets nothing
        response = await client.get("/sign-in")
        assert response.status_code == 200
        assert "no-store" in response.headers["cache-control"]


async def test_strict_transport_security_in_production_only(client, search_index, tmp_path):
    assert "strict-transport-security" not in (await client.get("/")).headers
    settings = production_settings(tmp_path)
    async with app_client(search_index, settings, base_url=HTTPS) as production:
        for path in ("/", "/api/v1/solutions", "/nowhere"):
            response = await production.get(path)
            hsts = response.headers["strict-transport-security"]
            assert hsts == "max-age=31536000; includeSubDomains", path


async def test_no_response_names_the_server_software(client):
    for path in ("/", "/api/v1/solutions", "/nowhere", "/schema/openapi.json"):
        response = await client.get(path)
        # present and empty: an empty Server header is what keeps the server's own name out
        assert response.headers.get("server") == "", path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.no_database
def test_the_real_server_names_no_software_either(tmp_path):
    """Granian adds `server: granian` unless the app sends its own Server header."""
    port = _free_port()
    server = start_registry(
        "serve",
        "--port",
        str(port),
        env={"DATABASE_URL": f"sqlite:///{tmp_path}/registry.sqlite"},
        data_dir=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/nowhere", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "registry serve did not start"
                time.sleep(0.2)
        assert response.status_code == 404
        assert response.headers["x-content-type-options"] == "nosniff"
        assert not response.headers.get("server")
    finally:
        server.terminate()
        server.wait(timeout=30)
