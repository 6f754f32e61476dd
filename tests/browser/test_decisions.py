"""What a person sees when signals change and when a solution is retired, in Chromium: use
recorded as live ends the organisation's interest, a changed pledge names old and new, the
notice banner sits above the heading at phone and desktop widths, and retiring asks first."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import BUYER, CURATOR, OFFICER, sign_in


async def test_recording_use_as_live_ends_the_councils_interest(page):
    await sign_in(page, OFFICER)
    await page.goto("/solutions/myjobscotland")
    await page.locator("#interest-form").get_by_text("Intends to adopt").click()
    await page.get_by_role("button", name="Register interest").click()
    await expect(page.locator(".registry-notice")).to_have_text(
        "Glasgow City Council now intends to adopt myjobscotland."
    )
    await expect(page.locator("#interest-levels")).to_contain_text(
        "Intends to adopt (1) Glasgow City Council"
    )
    await expect(page.locator("#interest-actions .registry-current")).to_have_text(
        "Glasgow City Council intends to adopt it."
    )

    await page.locator("#adoption-form").get_by_text("Live", exact=True).click()
    await page.get_by_role("button", name="Record use").click()
    await expect(page.locator(".registry-notice")).to_have_text(
        "Glasgow City Council now uses myjobscotland. Its interest (intends to adopt it) has "
        "ended, because an organisation using a solution is no longer demand for it."
    )
    await expect(page.locator("#used-by + p + ul")).to_contain_text("Glasgow City Council")
    await expect(page.locator("#interest-levels")).to_have_count(0)
    await expect(page.locator("#interest-form")).to_have_count(0)  # no longer offered


async def test_changing_a_pledge_shows_the_current_pledge_and_says_old_and_new(page):
    await sign_in(page, BUYER)
    # An open challenge takes pledges without a funding target.
    await page.goto("/solutions/civtech-council-challenges")
    await page.get_by_label("Amount in pounds").fill("12,500")
    await page.get_by_label("Staff days").fill("5")
    await page.get_by_role("button", name="Pledge", exact=True).click()
    await expect(page.locator(".registry-notice")).to_have_text(
        "Scotland Excel has pledged £12,500 and 5 days to CivTech challenges for councils."
    )
    await expect(page.locator("#pledge-form h3")).to_have_text(
        "Change your pledge (currently £12,500 and 5 days)"
    )
    await expect(page.get_by_label("Amount in pounds")).to_have_value("12500")

    await page.get_by_label("Amount in pounds").fill("1000")
    await page.get_by_role("button", name="Change pledge").click()
    await expect(page.locator(".registry-notice")).to_have_text(
        "Scotland Excel's pledge to CivTech challenges for councils changed from £12,500 and "
        "5 days to £1,000 and 5 days."
    )
    await expect(page.locator("#pledge-form h3")).to_have_text(
        "Change your pledge (currently £1,000 and 5 days)"
    )


@pytest.mark.parametrize("width", [375, 1280])
async def test_the_notice_banner_sits_above_the_heading_without_overlapping(browser, server, width):
    context = await browser.new_context(base_url=server, viewport={"width": width, "height": 900})
    page = await context.new_page()
    await sign_in(page, OFFICER)  # which ends on a page with its notice
    notice = page.locator(".registry-notice")
    await expect(notice).to_have_text("You are signed in.")
    banner = await notice.bounding_box()
    heading = await page.get_by_role("heading", level=1).bounding_box()
    assert banner is not None
    assert heading is not None
    # Above the heading and clear of it, and inside the screen's width.
    assert banner["y"] + banner["height"] <= heading["y"], (banner, heading)
    assert banner["x"] >= 0
    assert banner["x"] + banner["width"] <= width
    await context.close()


async def test_retiring_asks_for_confirmation_and_a_reason(page):
    await sign_in(page, CURATOR)
    await page.goto("/solutions/new?kind=component")
    await page.get_by_label("Title").fill("Retirement test form kit")
    await page.get_by_label("Summary").fill("A kit that will be retired.")
    await page.get_by_label("Software type").select_option(value="library")
    await page.get_by_label("Development status").select_option(label="Beta")
    await page.get_by_role("button", name="Register reusable component").click()
    await expect(page.locator("#draft-notice")).to_contain_text("This is a draft.")
    await page.get_by_role("button", name="Publish Retirement test form kit").click()

    await page.get_by_role("link", name="Retire").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Retire Retirement test form kit?"
    )
    await page.get_by_role("button", name="Retire Retirement test form kit").click()
    await expect(page.locator(".ds_error-summary")).to_contain_text("Enter a reason for retiring")

    await page.get_by_role("link", name="Keep it, go back").click()
    await expect(page.locator(".ds_page-header__metadata")).to_contain_text("Available")

    await page.get_by_role("link", name="Retire").click()
    await page.get_by_label("Why is it being retired?").fill("Replaced by a national kit")
    await page.get_by_role("button", name="Retire Retirement test form kit").click()
    await expect(page.locator(".registry-notice")).to_contain_text(
        "Retirement test form kit has been retired."
    )
    await expect(page.locator(".ds_page-header__metadata")).to_contain_text("Retired")
