"""axe-core, from the npm registry, run in Chromium on every page of the registry: no
violations of the WCAG 2.0, 2.1 and 2.2 A and AA rules.

The pages come from the app's own routes: each GET route that serves people must have sample
addresses below, so a new page fails `test_every_page_route_has_sample_addresses` until it is
added here, and then the axe test checks it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import CURATOR, sign_in

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
NOT_PAGES = ("/api/", "/schema", "/healthz", "/assets/", "/static/", "/feeds/")
# Feeds, CSV, publiccode.yml and OCDS files, and the raw messages of the development mailbox,
# are not HTML pages.
NOT_PAGE_ENDINGS = (".atom", ".csv", ".yml", ".json", "/dev/mail/{file:str}")

# Route path -> addresses to check (anonymous readers and a signed-in curator, who sees forms).
SAMPLES = {
    "/": ["/", "/?q=procurment&kind=procurement", "/?q=nothing-matches-this"],
    "/sign-in": ["/sign-in"],
    "/account": ["/account"],
    "/solutions/new": [
        "/solutions/new",
        *(
            f"/solutions/new?kind={k}"
            for k in ("platform", "procurement", "challenge", "component")
        ),
    ],
    "/solutions/{slug:str}": [
        "/solutions/seemis",
        "/solutions/social-work-case-management",
        "/solutions/shared-room-booking",
        "/solutions/civtech-connecting-scotland-sprint",
        "/solutions/perth-and-kinross-benefits-realisation",
    ],
    "/solutions/{slug:str}/edit": ["/solutions/shared-room-booking/edit"],
    "/solutions/{slug:str}/retire": ["/solutions/shared-room-booking/retire"],
    "/accessibility": ["/accessibility"],
    "/privacy": ["/privacy"],
    "/contact": ["/contact"],
    "/sources": ["/sources"],
    "/organisations": ["/organisations"],
    "/organisations/{slug:str}": ["/organisations/glasgow-city", "/organisations/scotland-excel"],
    "/programmes": ["/programmes"],
    "/programmes/{slug:str}": [
        "/programmes/digital-telecare",
        "/programmes/microsoft-365-federation",
    ],
    "/dashboard": ["/dashboard"],
    "/organisations/{slug:str}/members": ["/organisations/fife/members"],
    "/organisations/{slug:str}/webhooks": ["/organisations/fife/webhooks"],
    "/invitations/{token:str}": ["/invitations/not-a-real-invitation"],
    "/solutions/{slug:str}/transfer": ["/solutions/seemis/transfer"],
    "/solutions/{slug:str}/history": ["/solutions/seemis/history"],
    "/programmes/{slug:str}/history": ["/programmes/digital-telecare/history"],
    "/organisations/{slug:str}/history": ["/organisations/fife/history"],
    "/account/follows": ["/account/follows"],
    "/dev/mail": ["/dev/mail"],
    "/unsubscribe/{token:str}": ["/unsubscribe/not-a-real-token"],
    "/programmes/new": ["/programmes/new"],
    "/programmes/{slug:str}/edit": [
        "/programmes/digital-telecare/edit",
        "/programmes/digital-telecare/edit?find=tele",
    ],
    "/programmes/{slug:str}/milestones/new": ["/programmes/digital-telecare/milestones/new"],
    "/programmes/{slug:str}/milestones/{milestone:str}/edit": [
        "/programmes/digital-telecare/milestones/boxes-deployed/edit"
    ],
    "/programmes/{slug:str}/milestones/{milestone:str}/figures/new": [
        "/programmes/digital-telecare/milestones/boxes-deployed/figures/new"
    ],
    "/curation/synonyms": ["/curation/synonyms"],
    "/curation/synonyms/{group_id:int}": ["/curation/synonyms/1"],  # the first seeded group
    "/account/tokens": ["/account/tokens"],
    "/api": ["/api"],
    "/solutions/new/from-publiccode": ["/solutions/new/from-publiccode"],
    "/solutions/{slug:str}/from-publiccode": ["/solutions/digital-design-board/from-publiccode"],
    "/solutions/{slug:str}/contact": ["/solutions/shared-room-booking/contact"],
    "/organisations/{slug:str}/messages": ["/organisations/digital-office/messages"],
}
ALWAYS = ["/no-such-page"]  # the 404 page
SIGNED_IN_ONLY = {
    "/account",
    "/solutions/new",
    "/solutions/shared-room-booking/edit",
    "/organisations/fife/members",
    "/organisations/fife/webhooks",
    "/solutions/seemis/transfer",
    "/account/follows",
    "/solutions/shared-room-booking/retire",
}
# the Digital Office's programme screens
SIGNED_IN_ONLY |= {
    *SAMPLES["/programmes/new"],
    *SAMPLES["/programmes/{slug:str}/edit"],
    *SAMPLES["/programmes/{slug:str}/milestones/new"],
    *SAMPLES["/programmes/{slug:str}/milestones/{milestone:str}/edit"],
    *SAMPLES["/programmes/{slug:str}/milestones/{milestone:str}/figures/new"],
    *SAMPLES["/curation/synonyms"],
    *SAMPLES["/curation/synonyms/{group_id:int}"],
    "/account/tokens",
    "/solutions/shared-room-booking/contact",
    "/organisations/digital-office/messages",
}
SIGNED_IN_ONLY |= {
    *SAMPLES["/solutions/new/from-publiccode"],
    *SAMPLES["/solutions/{slug:str}/from-publiccode"],
}


def page_routes() -> set[str]:
    from registry.web.app import create_app

    app = create_app(database_pool=False)
    return {
        route.path
        for route in app.routes
        if "GET" in getattr(route, "methods", ())
        and not route.path.startswith(NOT_PAGES)
        and not route.path.endswith(NOT_PAGE_ENDINGS)
    }


def test_every_page_route_has_sample_addresses():
    missing = page_routes() - set(SAMPLES)
    assert missing == set(), f"add sample addresses for the new pages {sorted(missing)}"


async def axe_violations(page) -> list[str]:
    """axe's WCAG A and AA violations on the page as it stands."""
    await page.evaluate(AXE.read_text())
    found = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(results => results.violations.map(v => ({id: v.id, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))",
        WCAG_TAGS,
    )
    return [f"{page.url}: {v['id']} ({v['help']}) at {json.dumps(v['nodes'])}" for v in found]


# Pages a script fills in after loading: axe waits until it has (else it checks half a page and
# passes or fails by timing).
FILLED_BY_SCRIPT = {"/api": ".swagger-ui .opblock"}


async def violations(page, address: str) -> list[str]:
    await page.goto(address)
    if address in FILLED_BY_SCRIPT:
        await page.wait_for_selector(FILLED_BY_SCRIPT[address])
    return await axe_violations(page)


@pytest.fixture
async def axe_page(browser, server):
    # axe is evaluated through the browser's debugging protocol; the site's Content Security
    # Policy rightly forbids injected scripts, so this context is allowed to bypass it.
    context = await browser.new_context(
        base_url=server, bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    yield page
    await context.close()


async def test_no_page_breaks_wcag_a_or_aa_rules_for_anonymous_readers(axe_page):
    found = []
    for address in [a for addresses in SAMPLES.values() for a in addresses] + ALWAYS:
        if address not in SIGNED_IN_ONLY:
            found += await violations(axe_page, address)
    assert found == []


async def test_no_page_breaks_wcag_a_or_aa_rules_for_a_signed_in_curator(axe_page):
    await sign_in(axe_page, CURATOR)
    found = []
    for address in [a for addresses in SAMPLES.values() for a in addresses]:
        found += await violations(axe_page, address)
    assert found == []


async def test_forms_showing_errors_break_no_rules(axe_page):
    await sign_in(axe_page, CURATOR)
    await axe_page.goto("/solutions/new?kind=component")
    await axe_page.get_by_role("button", name="Register reusable component").click()
    await axe_page.wait_for_selector(".ds_error-summary")
    found = await axe_violations(axe_page)  # the page the refused POST answered with

    await axe_page.goto("/solutions/shared-room-booking")
    await axe_page.get_by_label("Amount in pounds").fill("not money")
    await axe_page.get_by_role("button", name="Pledge", exact=True).click()
    await axe_page.wait_for_selector(".ds_error-summary")
    found += await axe_violations(axe_page)

    # Retiring without a reason: the confirmation page with its error.
    await axe_page.goto("/solutions/shared-room-booking/retire")
    await axe_page.get_by_role("button", name="Retire Shared room booking platform").click()
    await axe_page.wait_for_selector(".ds_error-summary")
    found += await axe_violations(axe_page)

    # A notice above the heading, and a draft with its notice and publish action.
    await axe_page.goto("/solutions/new?kind=platform")
    await axe_page.get_by_label("Title").fill("Accessible draft")
    await axe_page.get_by_label("Summary").fill("A draft checked for accessibility.")
    await axe_page.get_by_role("button", name="Register common platform").click()
    await axe_page.wait_for_selector("#draft-notice")
    found += await axe_violations(axe_page)

    # the curators' synonyms: a group of one term, then a change to a term of another group
    await axe_page.goto("/curation/synonyms")
    await axe_page.get_by_label("Terms that mean the same").fill("only one term")
    await axe_page.get_by_role("button", name="Add the group").click()
    await axe_page.wait_for_selector(".ds_error-summary")
    found += await axe_violations(axe_page)
    await axe_page.goto("/curation/synonyms/1")
    await axe_page.get_by_label("Terms that mean the same").fill("M365\nworkforce")
    await axe_page.get_by_role("button", name="Save the group").click()
    await axe_page.wait_for_selector(".ds_error-summary")
    found += await axe_violations(axe_page)

    # A webhook refused for want of an address, then registered with its secret shown once.
    await axe_page.goto("/organisations/fife/webhooks")
    await axe_page.get_by_role("button", name="Register webhook").click()
    await axe_page.wait_for_selector(".ds_error-summary")
    found += await axe_violations(axe_page)
    await axe_page.get_by_label("Address to call").fill("https://example.org/registry-events")
    await axe_page.get_by_label("Pledge made").check(force=True)
    await axe_page.get_by_role("button", name="Register webhook").click()
    await axe_page.wait_for_selector("#webhook-secret")
    found += await axe_violations(axe_page)

    # Contacting the owner: a message without a subject, then sent, with its notice.
    await axe_page.goto("/solutions/shared-room-booking")
    await axe_page.get_by_label("Your message").fill("Could we reuse it?")
    await axe_page.get_by_role("button", name="Send message").click()
    await axe_page.wait_for_selector(".ds_error-summary")
    found += await axe_violations(axe_page)
    await axe_page.get_by_label("Subject").fill("Reusing the booking platform")
    await axe_page.get_by_role("button", name="Send message").click()
    await axe_page.wait_for_selector("text=Your message has been sent")
    found += await axe_violations(axe_page)
    assert found == []


async def test_the_publiccode_upload_and_its_answers_break_no_rules(axe_page):
    from registry.interchange.publiccode import read_publiccode
    from tests.interchange.samples import PUBLICCODE

    await sign_in(axe_page, CURATOR)
    broken = sorted((PUBLICCODE / "broken").glob("*.yml"))[0]
    await axe_page.goto("/solutions/new/from-publiccode")
    await axe_page.get_by_label("publiccode.yml file").set_input_files(str(broken))
    await axe_page.get_by_role("button", name="Register the component").click()
    await axe_page.wait_for_selector("#upload-problems")
    listed = await axe_page.locator("#upload-problems li").all_inner_texts()
    assert listed == [str(p) for p in read_publiccode(broken.read_bytes()).errors]
    found = await axe_violations(axe_page)
    await axe_page.get_by_label("publiccode.yml file").set_input_files(
        str(PUBLICCODE / "CISOfy__lynis.yml")
    )
    await axe_page.get_by_role("button", name="Register the component").click()
    await axe_page.wait_for_selector("#import-result")
    found += await axe_violations(axe_page)
    assert found == []
