"""Walking through the registry in Chromium as a council officer and as a procurement officer
would, and checking that search works with JavaScript turned off."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import BUYER, OFFICER, sign_in


async def test_a_council_officer_finds_a_platform_registers_interest_and_pledges(page):
    await sign_in(page, OFFICER)
    await page.get_by_role("link", name="Discover", exact=True).click()
    await page.wait_for_load_state()  # htmx ready: typing now searches as you type

    # a typo, found as they type (htmx swaps in the results)
    await page.get_by_label("Search the registry").fill("booking platfrom")
    results = page.locator("#discover-results .ds_search-result__title")
    await expect(results.first).to_contain_text("Shared room booking platform")
    assert re.search(r"q=booking(\+|%20)platfrom", page.url)  # the address can be shared
    assert not re.search(r"sort=[a-z]", page.url)  # typing keeps "best match": relevance

    # narrow by a facet
    await page.locator("#facet-service_area").get_by_text("Customer services").click()
    await expect(page.locator(".ds_facets")).to_contain_text("Customer services")
    await expect(results).to_have_count(1)

    await results.first.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Shared room booking platform")
    await expect(page.locator("#funding-progress figcaption")).to_have_text(
        "£0 pledged of a £50,000 funding target (0%)"
    )

    await page.locator("#interest-form").get_by_text("Intends to adopt").click()
    await page.get_by_role("button", name="Register interest").click()
    await expect(page.locator(".registry-notice")).to_have_text(
        "Glasgow City Council now intends to adopt Shared room booking platform."
    )
    await expect(page.locator("#interest-levels")).to_contain_text(
        "Intends to adopt (1) Glasgow City Council"
    )

    await page.get_by_label("Amount in pounds").fill("12,500")
    await page.get_by_label("Staff days").fill("5")
    await page.get_by_role("button", name="Pledge", exact=True).click()
    await expect(page.locator("#funding-progress figcaption")).to_have_text(
        "£12,500 pledged of a £50,000 funding target (25%)"
    )
    bar = page.locator("#funding-progress svg rect").nth(1)
    assert await bar.get_attribute("width") == "25"
    await expect(page.locator("#pledges tbody")).to_contain_text("Glasgow City Council")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.locator(".registry-notice")).to_have_text("You have signed out.")
    await expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Sign in")


async def test_a_procurement_officer_registers_a_framework_after_correcting_an_error(page):
    await sign_in(page, BUYER)
    await (
        page.get_by_role("navigation", name="Main navigation")
        .get_by_role("link", name="Register a solution")
        .click()
    )
    await page.get_by_role("link", name="Joint procurement").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Register a joint procurement")

    await page.get_by_label("Title").fill("Winter gritting salt framework")
    await page.get_by_label("Summary").fill("Buying road salt together for the winter.")
    await page.get_by_label("Procurement body").select_option(label="Scotland Excel")
    await page.get_by_label("Call-off method").select_option(label="Mini-competition")
    await page.get_by_label("Start date (optional)").fill("2026-04-01")
    await page.get_by_label("End date (optional)").fill("2025-04-01")
    await page.get_by_text("Transport and roads").click()
    await page.get_by_role("button", name="Register joint procurement").click()

    summary = page.locator(".ds_error-summary")
    await expect(summary).to_contain_text("End date must be the same as or after the start date")
    await expect(page.get_by_label("Title")).to_have_value("Winter gritting salt framework")
    await summary.get_by_role("link").click()
    await expect(page.locator("#ends_on")).to_be_focused()

    await page.locator("#ends_on").fill("2028-03-31")
    await page.get_by_role("button", name="Register joint procurement").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Winter gritting salt framework"
    )
    await expect(page.locator(".registry-notice")).to_contain_text("has been saved as a draft")
    await page.get_by_role("button", name="Publish Winter gritting salt framework").click()
    await expect(page.locator(".registry-notice")).to_have_text(
        "Winter gritting salt framework is published: anyone can now find it."
    )

    await page.get_by_role("link", name="Discover", exact=True).click()
    await page.wait_for_load_state()
    await page.get_by_label("Search the registry").fill("griting")
    await expect(page.locator("#discover-results .ds_search-result__title").first).to_contain_text(
        "Winter gritting salt framework", timeout=10_000
    )


async def test_search_and_filters_work_without_javascript(browser, server):
    context = await browser.new_context(base_url=server, java_script_enabled=False)
    page = await context.new_page()
    await page.goto("/")
    await page.get_by_label("Search the registry").fill("seemis")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator(".ds_search-result__title").first).to_have_text("SEEMiS")

    await page.goto("/?q=digital")
    await page.locator("#facet-kind").get_by_text("Innovation challenge").click()
    await page.get_by_role("button", name="Apply filters").click()
    assert re.search(r"kind=challenge", page.url)
    kinds = await page.locator(".ds_search-result__metadata dd").all_inner_texts()
    assert "Innovation challenge" in kinds
    assert "Common platform" not in kinds
    await context.close()
