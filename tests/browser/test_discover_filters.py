"""The discover page's filters in Chromium, on a desktop (1280 px) and a phone (375 px): ticking
values (OR within a group, the others' counts kept), the focus staying on the ticked option as
the results refresh, clearing all filters, the phone's "Search filters" toggle with and without
JavaScript, the sort applied once a choice is made, and axe on each state."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.test_accessibility import axe_violations

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
async def phone(browser, server):
    context = await browser.new_context(base_url=server, viewport=PHONE, bypass_csp=True)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == []


@pytest.fixture
async def desktop(browser, server):
    context = await browser.new_context(base_url=server, viewport=DESKTOP, bypass_csp=True)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == []


async def focused_id(page) -> str:
    return await page.evaluate("document.activeElement && document.activeElement.id")


async def tick(page, label: str) -> None:
    """Tick a filter by its label, as a person would, and wait for the results to be replaced."""
    async with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        await page.locator(".registry-facet .ds_checkbox__label", has_text=label).click()
    await page.wait_for_function("!document.querySelector('.htmx-request')")


async def test_ticking_filters_on_a_desktop(desktop):
    page = desktop
    await page.goto("/")
    await page.wait_for_load_state()
    await expect(page.locator("#filters-details summary")).to_be_hidden()
    await expect(page.locator("#facet-kind")).to_be_visible()

    await tick(page, "Common platform")
    assert re.search(r"kind=platform", page.url)
    await expect(page.locator("#facet-kind-platform")).to_be_checked()
    assert await focused_id(page) == "facet-kind-platform"  # focus stays on the ticked option
    # the group keeps the counts of its other values
    await expect(page.locator("#facet-kind")).to_contain_text("Joint procurement (3)")
    kinds = page.locator(".ds_search-result__metadata .ds_metadata__item:first-child dd")
    assert set(await kinds.all_inner_texts()) == {"Common platform"}

    await tick(page, "Joint procurement")
    assert await focused_id(page) == "facet-kind-procurement"
    assert set(await kinds.all_inner_texts()) == {"Common platform", "Joint procurement"}
    await expect(page.locator(".ds_facets")).to_contain_text("Common platform")
    await expect(page.locator(".ds_facets")).to_contain_text("Joint procurement")
    assert await axe_violations(page) == []

    # the council filters are there too, and everything clears at once
    await expect(page.locator("#facet-adopted_by legend")).to_have_text("Used by")
    await page.get_by_role("link", name="Clear all filters").click()
    await expect(page.locator(".ds_facets")).to_have_count(0)
    await expect(page.locator("#facet-kind input:checked")).to_have_count(0)


async def test_the_filters_wait_behind_a_toggle_on_a_phone(phone):
    page = phone
    await page.goto("/?q=glasgow&kind=component")
    await page.wait_for_load_state()
    toggle = page.locator("#filters-details summary")
    await expect(toggle).to_be_visible()
    await expect(page.locator("#facet-kind")).to_be_hidden()
    # the results come first: the first one is on the first screen
    first = page.locator(".ds_search-result__title").first
    box = await first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]
    assert await axe_violations(page) == []

    await page.goto("/?kind=component")
    await page.wait_for_load_state()
    await expect(page.locator("#facet-kind")).to_be_hidden()
    await toggle.click()
    await expect(page.locator("#facet-kind")).to_be_visible()
    await tick(page, "Common platform")
    # the toggle stays open and the focus on the option just ticked
    await expect(page.locator("#facet-kind")).to_be_visible()
    assert await focused_id(page) == "facet-kind-platform"
    await expect(toggle).to_have_text("Search filters (2 chosen)")
    await expect(page.locator("#facet-kind")).to_contain_text("Joint procurement (3)")
    assert await axe_violations(page) == []


async def test_the_phone_toggle_and_filters_work_without_javascript(browser, server):
    context = await browser.new_context(base_url=server, viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    await page.goto("/?q=digital")
    await expect(page.locator("#facet-kind")).to_be_hidden()
    await page.locator("#filters-details summary").click()
    await page.locator("#facet-kind").get_by_text("Innovation challenge").click()
    await page.locator("#facet-kind").get_by_text("Common platform").click()
    await page.get_by_role("button", name="Apply filters").click()
    assert re.search(r"kind=challenge", page.url)
    assert re.search(r"kind=platform", page.url)
    kinds = page.locator(".ds_search-result__metadata .ds_metadata__item:first-child dd")
    assert set(await kinds.all_inner_texts()) == {"Innovation challenge", "Common platform"}

    await page.get_by_label("Sort by").select_option(label="Title")
    await page.get_by_role("button", name="Apply sort").click()
    assert re.search(r"sort=title", page.url)
    assert re.search(r"kind=platform", page.url)
    await context.close()


async def test_the_sort_applies_once_a_choice_is_made_not_at_each_arrow_key(desktop):
    page = desktop
    await page.goto("/?q=digital")
    await page.wait_for_load_state()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.headers.get("hx-request") else None)
    sort = page.get_by_label("Sort by")
    await sort.focus()
    for _ in range(3):
        await page.keyboard.press("ArrowDown")
    await expect(sort).to_have_value("interest")
    await page.wait_for_timeout(600)
    assert sent == []  # nothing sent while choosing
    async with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        await page.keyboard.press("Enter")
    assert len(sent) == 1
    assert "sort=interest" in sent[0]
    await expect(page).to_have_url(re.compile(r"sort=interest"))

    # moving away applies a choice made with the keys too
    sort = page.get_by_label("Sort by")
    await sort.focus()
    await page.keyboard.press("ArrowUp")
    async with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        await page.keyboard.press("Tab")
    assert len(sent) == 2
    assert "sort=updated" in sent[1]
    await expect(page).to_have_url(re.compile(r"sort=updated"))  # the results are swapped in

    # a choice made with the pointer applies at once
    async with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        await page.get_by_label("Sort by").select_option(label="Title")
    assert len(sent) == 3
    assert "sort=title" in sent[2]


async def test_the_box_names_an_organisation_above_the_solutions(desktop):
    page = desktop
    await page.goto("/")
    await page.wait_for_load_state()
    await page.get_by_label("Search the registry").fill("glasgow")
    named = page.locator("#named-matches")
    await expect(named.get_by_role("link", name="Glasgow City Council")).to_be_visible()
    named_box = await named.bounding_box()
    results_box = await page.locator("#results-heading").bounding_box()
    assert named_box is not None
    assert results_box is not None
    assert named_box["y"] < results_box["y"]
    assert await axe_violations(page) == []

    await page.goto("/organisations/glasgow-city")
    await page.get_by_role("link", name="See what Glasgow City Council uses").click()
    await expect(page.locator("#facet-adopted_by input:checked")).to_have_count(1)
    await expect(page.locator(".ds_facets")).to_contain_text("Used by: Glasgow City Council")
