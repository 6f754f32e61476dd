"""A Digital Office curator keeps a programme in Chromium: creates it, links a solution, adds a
computed and a recorded milestone, records two figures and sees the chart and the rating
change, with axe run on every screen and its error states on the way; and a council officer
cannot reach any of those screens."""

from __future__ import annotations

import datetime as dt

from playwright.async_api import expect

from tests.browser.conftest import CURATOR, OFFICER, sign_in
from tests.browser.test_accessibility import axe_page, axe_violations  # noqa: F401 (a fixture)

PROGRAMME = "/programmes/telecare-in-the-home"


async def test_a_curator_keeps_a_programme_and_sees_its_figures_charted(axe_page):  # noqa: F811
    page = axe_page
    found: list[str] = []
    await sign_in(page, CURATOR)
    await page.goto("/programmes")
    await page.get_by_role("link", name="Create a programme").click()
    found += await axe_violations(page)

    # refused first: no title, and closed without a reason
    await page.get_by_label("Summary").fill("Digital alarms in people's homes.")
    await page.get_by_text("Closed early", exact=True).click()
    await page.get_by_role("button", name="Create programme").click()
    summary = page.locator(".ds_error-summary")
    await expect(summary).to_contain_text("Enter a title")
    await expect(summary).to_contain_text("Enter the reason the programme was closed early")
    found += await axe_violations(page)

    await page.get_by_label("Title").fill("Telecare in the home")
    await page.get_by_text("Active", exact=True).click()
    await page.get_by_role("button", name="Create programme").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Telecare in the home")
    await expect(page.locator(".registry-notice")).to_have_text("The programme has been created.")

    # link a solution, found by part of its title
    await page.get_by_role("link", name="Edit the programme and its solutions").click()
    await page.get_by_label("Find a published solution by its title").fill("analogue")
    await page.get_by_role("button", name="Find solutions").click()
    found += await axe_violations(page)
    await page.get_by_role("button", name="Link Digital telecare (analogue to digital)").click()
    await expect(page.locator("#linked-solutions")).to_contain_text(
        "Digital telecare (analogue to digital)"
    )
    found += await axe_violations(page)

    # a milestone computed from the registry
    await page.goto(PROGRAMME)
    await page.get_by_role("link", name="Add a milestone").click()
    await page.get_by_role("button", name="Add milestone").click()  # refused: nothing filled in
    await expect(page.locator(".ds_error-summary")).to_contain_text("Enter a title")
    found += await axe_violations(page)
    await page.get_by_label("Title", exact=True).fill("Five councils live on digital telecare")
    await page.get_by_text("Councils live on the linked solution", exact=True).click()
    await page.get_by_role("combobox", name="Linked solution").select_option(
        label="Digital telecare (analogue to digital)"
    )
    await page.get_by_label("Target", exact=True).fill("5")
    await page.get_by_role("button", name="Add milestone").click()
    await expect(page.locator(".registry-notice")).to_have_text("The milestone has been added.")
    computed = page.locator("#milestone-five-councils-live-on-digital-telecare")
    await expect(computed).to_contain_text("0 of 5")

    # a recorded milestone, due in a month
    due = dt.date.today() + dt.timedelta(days=30)
    await page.get_by_role("link", name="Add a milestone").click()
    await page.get_by_label("Title", exact=True).fill("Telecare boxes in homes")
    await page.get_by_text("A figure recorded with its date and source", exact=True).click()
    await page.get_by_label("Target", exact=True).fill("100")
    await page.get_by_label("Unit (needed for a recorded figure)").fill("boxes")
    await page.get_by_label("Due date (optional)").fill(due.isoformat())
    await page.get_by_role("button", name="Add milestone").click()
    boxes = page.locator("#milestone-telecare-boxes-in-homes")
    await expect(boxes.locator(".registry-milestone__state")).to_have_text("Red Behind")
    await expect(page.locator("#programme-rating")).to_contain_text("Red")

    # two figures: the rating moves from Red to Green, and the chart draws both
    await boxes.get_by_role("link", name="Record a figure").click()
    await page.get_by_role("button", name="Record figure").click()  # refused: nothing filled in
    await expect(page.locator(".ds_error-summary")).to_contain_text("Enter a figure")
    found += await axe_violations(page)
    await page.get_by_label("Figure (boxes)").fill("40")
    await page.get_by_label("Date the figure applies to").fill(
        (dt.date.today() - dt.timedelta(days=30)).isoformat()
    )
    await page.get_by_label("Source", exact=True).fill("Monthly telecare return")
    await page.get_by_role("button", name="Record figure").click()
    await expect(page.locator(".registry-notice")).to_have_text("The figure has been recorded.")
    await expect(boxes.locator(".registry-milestone__state")).to_have_text("Red Behind")

    await boxes.get_by_role("link", name="Record a figure").click()
    await page.get_by_label("Figure (boxes)").fill("100")
    await page.get_by_label("Date the figure applies to").fill(dt.date.today().isoformat())
    await page.get_by_label("Source", exact=True).fill("Monthly telecare return")
    await page.get_by_label("Link to the source (optional)").fill("https://example.org/returns")
    await page.get_by_role("button", name="Record figure").click()
    await expect(boxes.locator(".registry-milestone__state")).to_have_text("Green Met")
    chart = boxes.locator("#milestone-telecare-boxes-in-homes-history svg[role=img]")
    await expect(chart.locator("circle")).to_have_count(2)
    await expect(boxes.locator(".registry-history__summary")).to_contain_text(
        "2 figures recorded for Telecare boxes in homes: 40 on"
    )
    await expect(boxes.locator("table tbody tr")).to_have_count(2)
    # the computed milestone is still short of its target, a long way off: the programme is as
    # its worst milestone
    await expect(computed.locator(".registry-milestone__state")).to_have_text("Amber At risk")
    await expect(page.locator("#programme-rating")).to_contain_text("Amber")
    found += await axe_violations(page)

    # edit the milestone, and a stale edit is refused
    await boxes.get_by_role("link", name="Edit").click()
    found += await axe_violations(page)
    await page.get_by_label("Title", exact=True).fill("Telecare boxes in people's homes")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator(".registry-notice")).to_have_text(
        "Your changes to the milestone have been saved."
    )
    assert found == []


async def test_a_council_officer_cannot_reach_the_programme_screens(browser, server):
    context = await browser.new_context(base_url=server)
    page = await context.new_page()
    await sign_in(page, OFFICER)
    for path in (
        "/programmes/new",
        "/programmes/digital-telecare/edit",
        "/programmes/digital-telecare/milestones/new",
        "/programmes/digital-telecare/milestones/boxes-deployed/edit",
        "/programmes/digital-telecare/milestones/boxes-deployed/figures/new",
    ):
        response = await page.goto(path)
        assert response is not None
        assert response.status == 403, path
        await expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do that")
    await page.goto("/programmes/digital-telecare")
    await expect(page.locator("#curator-actions")).to_have_count(0)
    await context.close()
