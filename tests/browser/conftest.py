"""A real registry server and a real Chromium for the browser tests.

The server runs as its own process on a free port, with a data directory of its own (SQLite,
the embedded search index) loaded with the seed catalogue and the development demo accounts,
exactly as `make run` sets it up. Chromium is Debian's (`/usr/bin/chromium`, or
`REGISTRY_CHROMIUM`), driven by Playwright's Python package; without it the browser tests are
skipped with that reason, except under CI (`CI=true`), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("REGISTRY_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEMO_PASSWORD = "shared-solutions-demo"
OFFICER = "officer@glasgow.demo.invalid"
BUYER = "buyer@scotland-excel.demo.invalid"
CURATOR = "curator@digital-office.demo.invalid"
ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The server under test has a SQLite database of its own, so these run once, not per
    # database (the PostgreSQL pass deselects no_database tests).
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.no_database)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() and shutil.which(CHROMIUM)):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(f"{message}; CI must run the browser tests", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> str:
    """The address of a running registry seeded like `make run` (with a few extra records)."""
    data = tmp_path_factory.mktemp("browser-registry")
    env = {
        **os.environ,
        "REGISTRY_ENV": "development",
        "REGISTRY_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'registry.sqlite'}",
    }
    command = [sys.executable, "-m", "registry.cli"]
    for step in (["migrate"], ["seed"], ["demo-accounts"]):
        done = subprocess.run(
            command + step, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr
    port = _free_port()
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{address}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (data / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        _add_a_solution_with_a_funding_target(address)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _add_a_solution_with_a_funding_target(address: str) -> None:
    """The seeds name no funding targets (the documents give none), so the curator registers a
    platform with one, through the site, for the sponsorship journey."""
    with httpx.Client(base_url=address, follow_redirects=False) as client:
        token = _csrf(client.get("/sign-in").text)
        signed = client.post(
            "/sign-in", data={"_csrf_token": token, "email": CURATOR, "password": DEMO_PASSWORD}
        )
        assert signed.status_code == 303
        token = _csrf(client.get("/solutions/new?kind=platform").text)
        created = client.post(
            "/solutions/new",
            data={
                "_csrf_token": token,
                "kind": "platform",
                "owner": "digital-office",
                "title": "Shared room booking platform",
                "slug": "shared-room-booking",
                "summary": "One booking system for council rooms and halls.",
                "status": "live",
                "funding_target": "50000",
                "service_areas": ["customer_services"],
            },
        )
        assert created.status_code == 303, created.text
        # A new solution is a draft: published, everyone can find it.
        page = client.get("/solutions/shared-room-booking")
        published = client.post(
            "/solutions/shared-room-booking/publish",
            data={"_csrf_token": _csrf(page.text), "version": "1"},
        )
        assert published.status_code == 303, published.text


def _csrf(page: str) -> str:
    marker = 'name="_csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


@pytest.fixture
async def browser(chromium_path):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser, server):
    context = await browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and not _expected(message.text)
            else None
        ),
    )
    yield page
    await context.close()
    assert problems == [], problems


def _expected(console_text: str) -> bool:
    """Chromium logs any 4xx page as an error; these are answers the registry means to give
    (a refused form is shown again with 422, a conflict with 409)."""
    return "Failed to load resource" in console_text and any(
        f"status of {code}" in console_text for code in (409, 422)
    )


async def sign_in(page, email: str) -> None:
    await page.goto("/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**notice=signed-in")  # a curator lands on the dashboard
