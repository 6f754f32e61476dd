"""The keepers in Chromium: a Fife administrator invites a new officer, who accepts the link,
signs in and registers interest for Fife; the last administrator cannot remove themselves; a
member reaches none of these screens. axe checks each new page and its error states."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import DEMO_PASSWORD, OFFICER, sign_in
from tests.browser.test_accessibility import axe_violations

FIFE_ADMIN = "admin@fife.demo.invalid"
NEW_OFFICER = "new.officer@fife.demo.invalid"
NEW_PASSWORD = "a long new password for fife"


async def test_an_invited_officer_joins_signs_in_and_registers_interest_for_fife(browser, server):
    context = await browser.new_context(base_url=server, bypass_csp=True)
    page = await context.new_page()
    await sign_in(page, FIFE_ADMIN)
    await page.get_by_role("link", name="Manage the members of Fife Council").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Members of Fife Council")
    found = await axe_violations(page)

    await page.get_by_label("Email address").fill("not an address")
    await page.get_by_role("button", name="Add member").click()
    await expect(page.locator(".ds_error-summary")).to_contain_text("must be an email address")
    found += await axe_violations(page)

    await page.get_by_label("Email address").fill(NEW_OFFICER)
    await page.get_by_label("Role", exact=True).select_option(label="Member")
    await page.get_by_role("button", name="Add member").click()
    link = await page.locator("#invitation-address").input_value()
    found += await axe_violations(page)
    await page.get_by_role("button", name="Sign out").click()

    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Join Fife Council")
    found += await axe_violations(page)
    await page.get_by_role("button", name="Create my account").click()
    await expect(page.locator(".ds_error-summary")).to_contain_text("Enter a name")
    found += await axe_violations(page)
    await page.get_by_label("Your name").fill("Nina Officer")
    await page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Create my account").click()
    await expect(page.locator(".registry-notice")).to_contain_text("Your account has been created")

    await page.get_by_label("Email address").fill(NEW_OFFICER)
    await page.get_by_label("Password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/account?notice=signed-in")
    await expect(page.locator("#work-fife h2")).to_have_text("For Fife Council")
    found += await axe_violations(page)

    # (not SEEMiS: every council uses it already, so none is offered interest in it)
    await page.goto("/solutions/microsoft-365-federation")
    await page.locator("#interest-form").get_by_text("Exploring").click()
    await page.get_by_role("button", name="Register interest").click()
    await expect(page.locator(".registry-notice")).to_have_text(
        "Fife Council is now exploring Microsoft 365 federation between councils and health boards."
    )
    await expect(page.locator("#interest-levels")).to_contain_text("Fife Council")

    await page.goto("/organisations/fife/history")
    history = page.locator("#history-events")
    await expect(history).to_contain_text("Fife Council registered interest")
    found += await axe_violations(page)
    await page.goto(link)  # used once
    await expect(page.locator("h1")).to_have_text("That could not be done")
    await context.close()
    assert found == []


async def test_the_last_administrator_cannot_remove_themselves(browser, server):
    context = await browser.new_context(base_url=server, bypass_csp=True)
    page = await context.new_page()
    await sign_in(page, FIFE_ADMIN)
    await page.goto("/organisations/fife/members")
    await page.get_by_role("button", name="Remove Fife organisation admin").click()
    summary = page.locator(".ds_error-summary")
    await expect(summary).to_contain_text("only administrator of Fife Council")
    found = await axe_violations(page)
    await page.goto("/organisations/fife/members")
    await expect(page.locator("#members-table")).to_contain_text(FIFE_ADMIN)
    await context.close()
    assert found == []


async def test_a_member_reaches_none_of_the_keepers_screens(browser, server):
    context = await browser.new_context(base_url=server, bypass_csp=True)
    page = await context.new_page()
    await sign_in(page, OFFICER)
    for address in (
        "/organisations/glasgow-city/members",
        "/organisations/fife/members",
        "/solutions/seemis/transfer",
    ):
        response = await page.goto(address)
        assert response.status == 403, address
        await expect(page.locator("h1")).to_have_text("You cannot do that")
    found = await axe_violations(page)
    profile = await page.goto("/organisations/glasgow-city")
    assert profile.status == 200
    await expect(page.locator("#organisation-links")).not_to_contain_text("Manage the members")
    await context.close()
    assert found == [], DEMO_PASSWORD
