"""The pages a council decides on: the seeded catalogue's facts and sources, the solution
page's order and forms, retiring with a reason, drafts, "bought through" links, notices in
words, and the pages about the registry itself."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from registry import audit
from registry.accounts.sessions import SESSION_IDLE, SESSION_LONGEST
from registry.catalogue.kinds import KINDS
from registry.catalogue.references import REFERENCES
from registry.tables import Solution, SupplyRoute
from tests.factories import (
    CURATOR,
    EXCEL_BUYER,
    FIFE_ADMIN,
    GLASGOW_OFFICER,
    PASSWORD,
    make_solution,
)
from tests.web import csrf_token, error_summary, heading, html, post_form, sign_in, text_of, texts

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "solutions"
SEEDED = sorted(SEEDS.glob("*.yaml"))
# How drafting notes read: a record talking about its own sources and choices.
DRAFTING = re.compile(
    r"\b(the )?(source|sources|guide) (does|do) not\b|not confirmed|neutral (option|choice|default)"
    r"|so the record|holds this record|is shown as|is marked as|no licence or repository",
    re.IGNORECASE,
)


# -- the seeded catalogue --------------------------------------------------------------------


@pytest.mark.parametrize("path", SEEDED, ids=lambda p: p.stem)
async def test_every_seeded_page_shows_every_fact_or_not_known(seeded_client, path):
    record = yaml.safe_load(path.read_text())
    descriptor = KINDS[record["kind"]]
    page = html(await seeded_client.get(f"/solutions/{record['slug']}"))
    rows = {
        " ".join(row.css_first("dt").text().split()): " ".join(row.css_first("dd").text().split())
        for row in page.css("#facts + .ds_summary-list .ds_summary-list__item")
    }
    for lead in descriptor.facts:
        label = descriptor.label_of(lead)
        assert label in rows, f"{path.stem} does not show {lead.name}"
        assert rows[label], f"{path.stem} shows {lead.name} empty instead of Not known"
    # Every seeded source is a titled link to a reference the registry describes.
    sources = page.css("#fact-sources a")
    assert sources, f"{path.stem} names no source"
    anchors = {r.anchor for r in REFERENCES}
    for link in sources:
        assert not re.search(r"\.txt\b", link.text()), link.text()
        target = urlsplit(link.attributes["href"])
        assert target.path == "/sources", link.attributes
        assert target.fragment in anchors, link.attributes


@pytest.mark.parametrize("path", SEEDED, ids=lambda p: p.stem)
def test_no_seeded_description_carries_drafting_notes(path):
    record = yaml.safe_load(path.read_text())
    found = DRAFTING.search(record.get("description") or "")
    assert found is None, f"{path.stem}: {found.group(0)!r} belongs in a fact's note"


async def test_the_sources_page_describes_each_reference_at_its_anchor(seeded_client):
    page = await seeded_client.get("/sources")
    for reference in REFERENCES:
        assert text_of(page, f"#{reference.anchor}") == reference.title


async def test_a_note_on_a_fact_is_shown_with_it(seeded_client):
    page = await seeded_client.get("/solutions/rpa-framework")
    assert text_of(page, "#fact-call_off_method") == (
        "Call-off method Not known The source does not say how councils call off."
    )
    assert (
        text_of(page, "#fact-call_off_by")
        == "Who may call off Councils that sign up to the framework"
    )


# -- the solution page ------------------------------------------------------------------------


@pytest.fixture
async def fife_platform(fife, glasgow_officer, fife_admin):
    return await make_solution("platform", fife, title="Fife booking", slug="fife-booking")


async def test_the_page_reads_facts_then_actions_then_activity_then_description(
    client, fife_platform
):
    await sign_in(client, GLASGOW_OFFICER)
    page = await client.get("/solutions/fife-booking")
    order = [node.attributes["id"] for node in html(page).css("main h2[id]")]
    assert order[:6] == ["facts", "act", "used-by", "interest", "sponsorship", "record"]
    crumbs = texts(page, ".ds_breadcrumbs__item")
    assert crumbs == ["Home", "Common platform", "Fife booking"]


async def test_the_forms_offered_fit_the_kind_and_the_person(client, fife, glasgow_officer):
    await make_solution("platform", fife, title="No funding sought", slug="unfunded")
    await make_solution(
        "platform", fife, title="Funding sought", slug="funded", funding_target=1_000_000
    )
    await make_solution("challenge", fife, title="Open challenge", slug="open-challenge")
    await sign_in(client, GLASGOW_OFFICER)

    unfunded = html(await client.get("/solutions/unfunded"))
    assert unfunded.css_first("#pledge-form") is None
    assert unfunded.css_first("#interest-form") is not None
    assert unfunded.css_first("#adoption-form") is not None
    assert "not seeking money or staff time" in unfunded.css_first(".registry-actions").text()

    assert html(await client.get("/solutions/funded")).css_first("#pledge-form") is not None

    challenge = html(await client.get("/solutions/open-challenge"))
    assert challenge.css_first("#adoption-form") is None
    assert challenge.css_first("#pledge-form") is not None
    # Each level of interest says what it means and what happens next.
    hints = [" ".join(n.text().split()) for n in challenge.css("#interest-level .ds_hint-text")]
    assert len(hints) == 3
    assert all(hints)
    assert "firm demand" in hints[2]


async def test_using_a_solution_ends_the_interest_and_hides_the_interest_form(
    client, fife_platform
):
    await sign_in(client, GLASGOW_OFFICER)
    await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/interest",
        {"organisation": "glasgow-city", "level": "intends_to_adopt"},
    )
    page = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/adoption",
        {"organisation": "glasgow-city", "status": "live"},
    )
    assert text_of(page, ".registry-notice").startswith(
        "Glasgow City Council now uses Fife booking. Its interest (intends to adopt it) has ended"
    )
    assert html(page).css_first("#interest-levels") is None
    assert html(page).css_first("#interest-form") is None
    assert "Glasgow City Council uses it." in texts(page, ".registry-current")


async def test_the_pledge_form_shows_the_current_pledge_and_the_notice_old_and_new(client, fife):
    await make_solution("challenge", fife, title="Pothole sensing", slug="pothole-sensing")
    from tests.factories import make_actor
    from tests.web import sign_in as sign

    glasgow_org = await __import__("tests.factories", fromlist=["make_org"]).make_org(
        "glasgow-city", name="Glasgow City Council"
    )
    await make_actor(glasgow_org, "member", email=GLASGOW_OFFICER)
    await sign(client, GLASGOW_OFFICER)
    await post_form(
        client,
        "/solutions/pothole-sensing",
        "/solutions/pothole-sensing/pledge",
        {"organisation": "glasgow-city", "amount": "12,500", "staff_days": "5"},
    )
    page = await client.get("/solutions/pothole-sensing")
    assert text_of(page, "#pledge-form h3") == "Change your pledge (currently £12,500 and 5 days)"
    assert html(page).css_first("#pledge-amount").attributes["value"] == "12500"
    changed = await post_form(
        client,
        "/solutions/pothole-sensing",
        "/solutions/pothole-sensing/pledge",
        {"organisation": "glasgow-city", "amount": "1000", "staff_days": "5"},
    )
    assert text_of(changed, ".registry-notice") == (
        "Glasgow City Council's pledge to Pothole sensing changed from £12,500 and 5 days to "
        "£1,000 and 5 days."
    )


async def test_a_notice_cannot_be_made_up_in_the_address(client, fife_platform):
    page = await client.get("/solutions/fife-booking?said=SGFja2Vk.0123456789abcdef")
    assert html(page).css_first(".registry-notice") is None
    page = await client.get("/solutions/fife-booking?notice=Hacked")
    assert html(page).css_first(".registry-notice") is None


# -- drafts, publishing and retiring ----------------------------------------------------------


async def test_a_new_solution_is_a_draft_that_says_who_can_see_it(client, fife, fife_admin):
    await sign_in(client, FIFE_ADMIN)
    form = await client.get("/solutions/new?kind=component")
    assert html(form).css_first("select#status") is None
    assert "saved as a draft" in text_of(form, "#starts-as-draft")
    created = await client.post(
        "/solutions/new",
        data={
            "_csrf_token": csrf_token(form),
            "kind": "component",
            "owner": "fife",
            "title": "Complaints form",
            "summary": "A form for complaints.",
            "software_type": "standalone/web",
            "development_status": "beta",
            "status": "available",  # a new solution is a draft whatever the form sends
        },
    )
    assert heading(created) == "Complaints form"
    assert text_of(created, ".registry-notice") == (
        "Complaints form has been saved as a draft. Only members of Fife Council and the "
        "Digital Office can see it until it is published."
    )
    assert text_of(created, "#draft-notice").startswith(
        "This is a draft. Only members of Fife Council and the Digital Office can see it."
    )
    # The publish action sits at the top, in the draft's notice, above the facts.
    assert html(created).css_first("#draft-notice #publish-form") is not None
    row = await Solution.select(Solution.status).where(Solution.slug == "complaints-form").first()
    assert row["status"] == "draft"


async def test_retiring_asks_for_confirmation_and_a_reason_which_is_audited(client, fife_platform):
    await sign_in(client, FIFE_ADMIN)
    page = await client.get("/solutions/fife-booking")
    confirm_href = html(page).css_first("#retire-link").attributes["href"]
    confirm = await client.get(confirm_href)
    assert heading(confirm) == "Retire Fife booking?"
    assert texts(confirm, ".ds_breadcrumbs__item")[-1] == "Retire"

    refused = await client.post(
        "/solutions/fife-booking/retire",
        data={"_csrf_token": csrf_token(confirm), "version": "1", "reason": ""},
    )
    assert refused.status_code == 422
    assert error_summary(refused) == [("#reason", "Enter a reason for retiring")]
    assert (await Solution.select(Solution.status).first())["status"] == "live"

    retired = await client.post(
        "/solutions/fife-booking/retire",
        data={"_csrf_token": csrf_token(confirm), "version": "1", "reason": "Replaced"},
    )
    assert "Retired" in text_of(retired, ".ds_page-header__metadata")
    assert text_of(retired, ".registry-notice").startswith("Fife booking has been retired.")
    event = (await audit.events_for("solution", fife_platform.id))[0]
    assert (event["action"], event["after"]["reason"]) == ("solution.retire", "Replaced")


async def test_a_member_without_a_senior_role_is_not_asked_to_retire(client, fife_platform):
    await sign_in(client, GLASGOW_OFFICER)
    assert (await client.get("/solutions/fife-booking/retire")).status_code == 403


# -- bought through ---------------------------------------------------------------------------


async def test_a_platform_and_the_procurement_it_is_bought_through_show_one_link(
    client, fife, scotland_excel, fife_admin, excel_buyer, glasgow_officer
):
    platform = await make_solution("platform", fife, title="Fife booking", slug="fife-booking")
    await make_solution(
        "procurement", scotland_excel, title="Booking systems framework", slug="booking-framework"
    )
    await sign_in(client, EXCEL_BUYER)
    linked = await post_form(
        client,
        "/solutions/booking-framework",
        "/solutions/booking-framework/bought-through",
        {"other": "fife-booking", "lot": "Lot 2: hosted booking"},
    )
    assert text_of(linked, ".registry-notice") == (
        "Fife booking can now be bought through Booking systems framework (Lot 2: hosted booking)."
    )
    assert text_of(linked, "#fact-supply") == "Supplies Fife booking (Lot 2: hosted booking)"
    platform_page = await client.get("/solutions/fife-booking")
    assert text_of(platform_page, "#fact-supply") == (
        "Bought through Booking systems framework (Lot 2: hosted booking)"
    )
    api = (await client.get("/api/v1/solutions/fife-booking")).json()
    assert [(s["solution"]["slug"], s["lot"]) for s in api["supply_links"]] == [
        ("booking-framework", "Lot 2: hosted booking")
    ]
    event = (await audit.events_for("solution", platform.id))[0]
    assert event["action"] == "supply.link"

    # The owner of the other side keeps it too; a third council cannot.
    client.cookies.clear()
    await sign_in(client, GLASGOW_OFFICER)
    refused = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/bought-through/remove",
        {"other": "booking-framework", "lot": "Lot 2: hosted booking"},
    )
    assert refused.status_code == 403
    client.cookies.clear()
    await sign_in(client, FIFE_ADMIN)
    removed = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/bought-through/remove",
        {"other": "booking-framework", "lot": "Lot 2: hosted booking"},
    )
    assert text_of(removed, "#fact-supply") == "Bought through Not known"
    assert await SupplyRoute.count() == 0


async def test_structured_facts_refuse_bad_lines_naming_the_field(client, fife, fife_admin):
    await make_solution("component", fife, title="Forms kit", slug="forms-kit")
    await sign_in(client, FIFE_ADMIN)
    form = await client.get("/solutions/forms-kit/edit")
    values = {
        "_csrf_token": csrf_token(form),
        "version": "1",
        "title": "Forms kit",
        "summary": "Forms.",
        "software_type": "library",
        "development_status": "beta",
        "documents": "Guide | not-a-web-address",
        "sources": "Audit | https://example.org | 2021-13",
        "maintenance_type": "contract",
    }
    refused = await client.post("/solutions/forms-kit/edit", data=values)
    assert refused.status_code == 422
    assert dict(error_summary(refused)) == {
        "#documents": "Documents and links, line 1: the web address must start with https://",
        "#sources": "Sources, line 1: the as-of date must be a real date, like 2021-01-28, "
        "2021-01 or 2021",
        "#maintenance_contractor": "Enter the contractor who maintains it under contract",
        "#maintenance_until": "Enter the date the maintenance contract ends",
    }
    kept = html(refused).css_first("#documents").text()
    assert kept == "Guide | not-a-web-address"
    assert (await Solution.select(Solution.version).first())["version"] == 1


# -- the site ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/accessibility", "Accessibility statement"),
        ("/privacy", "Privacy notice"),
        ("/contact", "Contact and feedback"),
        ("/sources", "Where the facts come from"),
    ],
)
async def test_the_pages_about_the_registry(client, path, title):
    page = await client.get(path)
    assert page.status_code == 200
    assert heading(page) == title
    feedback = html(page).css_first(".ds_phase-banner a")
    assert feedback.text() == "feedback"
    assert feedback.attributes["href"] == "/contact#feedback"


async def test_the_privacy_notice_states_the_session_lengths_the_registry_uses(client):
    page = await client.get("/privacy")
    said = text_of(page, "#signing-in + ul")
    idle, longest = SESSION_IDLE.total_seconds() // 3600, SESSION_LONGEST.total_seconds() // 3600
    assert f"after {idle:.0f} hours without using the registry" in said
    assert f"or {longest:.0f} hours after you signed in" in said


async def test_sign_in_explains_how_to_get_an_account(client):
    page = await client.get("/sign-in")
    assert "ask its administrator to add you" in text_of(page, "#get-an-account + p")


async def test_a_curator_lands_on_the_dashboard_and_others_on_their_account(
    client, curator, glasgow_officer
):
    landed = await sign_in(client, CURATOR)
    assert urlsplit(landed.headers["location"]).path == "/dashboard"
    client.cookies.clear()
    landed = await sign_in(client, GLASGOW_OFFICER)
    assert urlsplit(landed.headers["location"]).path == "/account"


async def test_signing_in_from_a_deep_link_returns_to_it_with_its_query(client, glasgow_officer):
    wanted = "/solutions/new?kind=component"
    sent = await client.get(wanted, follow_redirects=False)
    sign_in_page = await client.get(sent.headers["location"])
    next_field = html(sign_in_page).css_first('input[name="next"]').attributes["value"]
    assert next_field == wanted
    back = await client.post(
        "/sign-in",
        data={
            "_csrf_token": csrf_token(sign_in_page),
            "email": GLASGOW_OFFICER,
            "password": PASSWORD,
            "next": next_field,
        },
        follow_redirects=False,
    )
    target = urlsplit(back.headers["location"])
    assert target.path == "/solutions/new"
    assert parse_qs(target.query)["kind"] == ["component"]
    # The navigation's sign-in link carries the page it was followed from.
    client.cookies.clear()
    page = await client.get("/organisations?page=2")
    link = html(page).css_first(".ds_site-navigation--mobile a[href^='/sign-in']")
    assert parse_qs(urlsplit(link.attributes["href"]).query)["next"] == ["/organisations?page=2"]


@pytest.mark.parametrize("kind", list(KINDS))
async def test_a_new_form_sent_as_it_is_shown_is_refused_only_for_what_is_missing(
    client, fife_admin, excel_buyer, kind
):
    """Every box of a new form starts empty: sending it back untouched, apart from the
    required answers, registers the solution."""
    await sign_in(client, EXCEL_BUYER if kind == "procurement" else FIFE_ADMIN)
    form = html(await client.get(f"/solutions/new?kind={kind}"))
    sent: dict[str, object] = {}
    for node in form.css("#solution-form input, #solution-form textarea"):
        name, kind_of = node.attributes.get("name"), node.attributes.get("type")
        if name and kind_of not in ("checkbox", "radio"):
            sent[name] = node.attributes.get("value") or node.text()
    filled = {n: v for n, v in sent.items() if v and n not in ("_csrf_token", "kind")}
    assert filled == {}
    required = {
        "platform": {},
        "procurement": {"procurement_body": "scotland-excel"},
        "challenge": {"problem_statement": "A problem.", "stage": "problem_definition"},
        "component": {"software_type": "library", "development_status": "beta"},
    }[kind]
    owner = "scotland-excel" if kind == "procurement" else "fife"
    created = await client.post(
        "/solutions/new",
        data={**sent, "owner": owner, "title": "Untouched form", "summary": "S.", **required},
    )
    assert heading(created) == "Untouched form", error_summary(created)
