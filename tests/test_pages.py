"""The pages as people use them, through the test client: signing in and out, sessions, CSRF,
security headers, refusals for another council, forms that keep their input, version
conflicts, and stored scripts that stay inert."""

from __future__ import annotations

import re

import pytest

from registry import catalogue, indexing
from registry.tables import Interest, Solution, Sponsorship, User, WebSession
from tests.clients import HTTPS, app_client, production_settings
from tests.factories import (
    EXCEL_BUYER,
    FIFE_ADMIN,
    GLASGOW_OFFICER,
    SYSTEM,
    make_solution,
)
from tests.web import (
    csrf_token,
    error_summary,
    heading,
    html,
    live_scripts,
    post_form,
    sign_in,
    text_of,
    texts,
)

OFFICER = GLASGOW_OFFICER
ADMIN = FIFE_ADMIN
BUYER = EXCEL_BUYER


@pytest.fixture
async def site(
    search_index, glasgow, fife, scotland_excel, glasgow_officer, fife_admin, excel_buyer
):
    """Three organisations, a user acting for each, and a published platform owned by Fife."""
    await make_solution(
        "platform",
        fife,
        title="Fife booking platform",
        slug="fife-booking",
        funding_target=5_000_000,
    )
    await indexing.drain_all(search_index)
    return {"glasgow": glasgow, "fife": fife, "excel": scotland_excel}


@pytest.fixture
async def client(site, search_index):
    async with app_client(search_index) as client:
        yield client


# -- every page, for anyone ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/", "Discover shared solutions"),
        ("/?q=booking", "Discover shared solutions"),
        ("/solutions/fife-booking", "Fife booking platform"),
        ("/sign-in", "Sign in"),
    ],
)
async def test_pages_render_for_anonymous_and_signed_in_people(client, path, title):
    anonymous = await client.get(path)
    assert anonymous.status_code == 200
    assert heading(anonymous) == title
    account = 'nav[aria-label="Main navigation"] .registry-account'
    assert texts(anonymous, account) == ["Sign in"]
    await sign_in(client, OFFICER)
    signed_in = await client.get(path)
    assert signed_in.status_code == 200
    assert heading(signed_in) == title
    assert texts(signed_in, account)[1] == "Sign out"
    assert html(signed_in).css_first(f"{account} a").attributes["href"] == "/account"


async def test_pages_that_need_a_user_send_anonymous_people_to_sign_in(client):
    for path in ("/account", "/solutions/new", "/solutions/fife-booking/edit"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in?next=")


async def test_the_account_page_lists_the_users_organisations_and_roles(client):
    await sign_in(client, ADMIN)
    page = await client.get("/account")
    assert heading(page) == "Your account"
    assert texts(page, "#memberships tbody tr") == ["Fife Council Organisation administrator"]


# -- sessions ---------------------------------------------------------------------------------


async def test_signing_in_replaces_any_session_cookie_and_signing_out_ends_it(client):
    client.cookies.set("registry_session", "planted-by-someone-else", domain="testserver.local")
    await client.get("/sign-in")
    await sign_in(client, OFFICER)
    token = client.cookies.get("registry_session")
    assert token
    assert token != "planted-by-someone-else"
    assert (await client.get("/account")).status_code == 200

    page = await client.get("/account")
    response = await client.post(
        "/sign-out", data={"_csrf_token": csrf_token(page)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert await WebSession.count() == 0
    # the old token is worthless even if a copy of the cookie survives
    client.cookies.set("registry_session", token, domain="testserver.local")
    assert (await client.get("/account", follow_redirects=False)).status_code == 303


async def test_each_sign_in_gets_a_new_session(client):
    await sign_in(client, OFFICER)
    first = client.cookies.get("registry_session")
    await sign_in(client, OFFICER)
    second = client.cookies.get("registry_session")
    assert first != second
    assert await WebSession.count() == 1  # the first one was ended, not left behind


async def test_session_cookies_are_httponly_and_lax(client):
    response = await sign_in(client, OFFICER)
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("registry_session=")
    )
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # development serves plain http on 127.0.0.1


async def test_in_production_cookies_are_secure_and_host_only(site, search_index, tmp_path):
    settings = production_settings(tmp_path)
    async with app_client(search_index, settings, base_url=HTTPS) as client:
        page = await client.get("/sign-in")
        csrf_cookie = page.headers["set-cookie"]
        assert csrf_cookie.startswith("__Host-registry_csrf=")
        assert "Secure" in csrf_cookie
        response = await client.post(
            "/sign-in",
            data={
                "_csrf_token": csrf_token(page),
                "email": OFFICER,
                "password": "correct horse battery staple",
            },
            follow_redirects=False,
        )
        session_cookie = next(
            v
            for k, v in response.headers.multi_items()
            if k == "set-cookie" and "registry_session" in v
        )
        assert session_cookie.startswith("__Host-registry_session=")
        assert "Secure" in session_cookie
        assert "HttpOnly" in session_cookie


async def test_a_wrong_password_is_refused_with_the_email_kept(client):
    response = await post_form(
        client, "/sign-in", "/sign-in", {"email": OFFICER, "password": "not the password"}
    )
    assert response.status_code == 422
    assert error_summary(response) == [("#email", "Enter a correct email address and password")]
    assert html(response).css_first("#email").attributes["value"] == OFFICER
    assert html(response).css_first("#password").attributes["value"] == ""


async def test_sign_in_is_slowed_after_repeated_failures_for_an_account(client):
    for _ in range(5):
        await post_form(client, "/sign-in", "/sign-in", {"email": ADMIN, "password": "wrong"})
    blocked = await post_form(
        client, "/sign-in", "/sign-in", {"email": ADMIN, "password": "correct horse battery staple"}
    )
    assert blocked.status_code == 429
    assert error_summary(blocked)[0][1].startswith("Too many sign-in attempts")
    assert client.cookies.get("registry_session") is None
    # another account from the same address is not locked out by those failures
    await sign_in(client, OFFICER)


async def test_sign_in_is_slowed_for_an_address_trying_many_accounts(client):
    for n in range(20):
        await post_form(
            client,
            "/sign-in",
            "/sign-in",
            {"email": f"guess{n}@example.gov.uk", "password": "wrong"},
        )
    blocked = await post_form(
        client,
        "/sign-in",
        "/sign-in",
        {"email": OFFICER, "password": "correct horse battery staple"},
    )
    assert blocked.status_code == 429


async def test_sign_in_never_redirects_off_site(client):
    page = await client.get("/sign-in?next=//evil.example/steal")
    response = await client.post(
        "/sign-in",
        data={
            "_csrf_token": csrf_token(page),
            "email": OFFICER,
            "password": "correct horse battery staple",
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"].startswith("/account")


# -- the rules of the web -------------------------------------------------------------------


async def test_forms_without_a_valid_csrf_token_are_refused_and_change_nothing(client):
    await sign_in(client, OFFICER)
    missing = await client.post(
        "/solutions/fife-booking/interest",
        data={"organisation": "glasgow-city", "level": "exploring"},
    )
    forged = await client.post(
        "/solutions/fife-booking/interest",
        data={"organisation": "glasgow-city", "level": "exploring", "_csrf_token": "0" * 128},
    )
    for response in (missing, forged):
        assert response.status_code == 403
        assert heading(response) == "You cannot do that"
        assert "expired or did not come from this site" in text_of(response, "#error-message")
    assert await Interest.count() == 0


async def test_the_csrf_token_is_rendered_escaped_in_a_hidden_field(client):
    page = await client.get("/sign-in")
    field = html(page).css_first('form input[name="_csrf_token"]')
    assert field.attributes["type"] == "hidden"
    assert re.fullmatch(r"[0-9a-f]+", field.attributes["value"])


async def test_no_state_changes_on_get(client):
    await sign_in(client, OFFICER)
    for path in (
        "/solutions/fife-booking/interest",
        "/solutions/fife-booking/pledge",
        "/sign-out",
    ):
        response = await client.get(path)
        assert response.status_code in (404, 405), path
    # Retiring asks first: its address shows the question, and retires nothing.
    assert (await client.get("/solutions/fife-booking/retire")).status_code == 403
    assert (await Solution.select(Solution.status).first())["status"] == "live"
    assert await Interest.count() == 0


@pytest.mark.parametrize("path", ["/", "/solutions/fife-booking", "/sign-in", "/nowhere"])
async def test_every_html_response_carries_the_security_headers(client, path):
    response = await client.get(path)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_acting_for_another_council_gets_a_403_page_and_changes_nothing(client, site):
    await sign_in(client, OFFICER)  # a Glasgow officer
    attempts = [
        ("/solutions/fife-booking/interest", {"organisation": "fife", "level": "exploring"}),
        ("/solutions/fife-booking/pledge", {"organisation": "fife", "amount": "100"}),
        ("/solutions/fife-booking/adoption", {"organisation": "fife", "status": "live"}),
        ("/solutions/fife-booking/retire", {"version": "1"}),
    ]
    for action, data in attempts:
        response = await post_form(client, "/solutions/fife-booking", action, data)
        assert response.status_code == 403, action
        assert heading(response) == "You cannot do that"
    assert await Interest.count() == 0
    assert await Sponsorship.count() == 0
    assert (await catalogue.get_solution("fife-booking")).status == "live"


async def test_an_anonymous_form_post_is_asked_to_sign_in(client):
    response = await post_form(
        client,
        "/sign-in",
        "/solutions/fife-booking/interest",
        {"organisation": "glasgow-city", "level": "exploring"},
    )
    assert response.status_code == 403
    assert "Sign in" in text_of(response, "#error-message")


# -- acting for one's own council -------------------------------------------------------------


async def test_registering_interest_and_pledging_change_what_the_page_shows(client):
    await sign_in(client, OFFICER)
    page = await client.get("/solutions/fife-booking")
    assert text_of(page, "#no-pledges") == "No organisation has pledged money or staff time yet."
    response = await client.post(
        "/solutions/fife-booking/interest",
        data={
            "_csrf_token": csrf_token(page),
            "organisation": "glasgow-city",
            "level": "intends_to_adopt",
        },
    )
    assert text_of(response, ".registry-notice") == (
        "Glasgow City Council now intends to adopt Fife booking platform."
    )
    assert "Intends to adopt (1) Glasgow City Council" in texts(response, "#interest-levels div")

    response = await client.post(
        "/solutions/fife-booking/pledge",
        data={
            "_csrf_token": csrf_token(response),
            "organisation": "glasgow-city",
            "amount": "12,500.50",
            "staff_days": "4",
        },
    )
    assert text_of(response, "#funding-progress figcaption") == (
        "£12,500.50 pledged of a £50,000 funding target (25%)"
    )
    assert texts(response, "#pledges tbody tr") == ["Glasgow City Council £12,500.50 4 Pledged"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "12.345"}, "#pledge-amount", "Amount must be in pounds"),
        ({"amount": "-5"}, "#pledge-amount", "Amount must be in pounds"),
        (
            {"amount": "", "staff_days": ""},
            "#pledge-amount",
            "Enter an amount of money, a number of staff days, or both",
        ),
        (
            {"amount": "", "staff_days": "2.5"},
            "#pledge-staff_days",
            "Staff days must be a whole number",
        ),
        ({"amount": "200000000"}, "#pledge-amount", "Amount must be £100,000,000 or less"),
    ],
)
async def test_a_refused_pledge_is_shown_again_with_its_error_and_input(
    client, data, field, message
):
    await sign_in(client, OFFICER)
    response = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/pledge",
        {"organisation": "glasgow-city", **data},
    )
    assert response.status_code == 422
    [(target, text)] = error_summary(response)
    assert target == field
    assert text.startswith(message)
    node = html(response).css_first(field)
    assert node is not None  # the summary links to a real field
    typed = data.get("amount") or data.get("staff_days") or ""
    assert node.attributes.get("value") == typed
    assert await Sponsorship.count() == 0


async def test_an_unknown_interest_level_is_shown_beside_the_question(client):
    await sign_in(client, OFFICER)
    response = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/interest",
        {"organisation": "glasgow-city", "level": "keen"},
    )
    assert response.status_code == 422
    assert error_summary(response)[0][0] == "#interest-level"
    assert text_of(response, "#interest-level-error").startswith("Error: Level of interest")


# -- registering and editing solutions --------------------------------------------------------


async def test_registering_a_framework_with_an_error_keeps_the_input_then_succeeds(
    client, search_index
):
    await sign_in(client, BUYER)
    form = await client.get("/solutions/new?kind=procurement")
    assert heading(form) == "Register a joint procurement"
    data = {
        "_csrf_token": csrf_token(form),
        "kind": "procurement",
        "title": "Flood sensors",
        "summary": "Sensors for river levels.",
        "owner": "scotland-excel",
        "procurement_body": "scotland-excel",
        "call_off_method": "mini_competition",
        "starts_on": "2026-05-01",
        "ends_on": "2026-04-01",
        "lots": "Sensors\nInstallation",
        "service_areas": ["environment_and_waste", "transport_and_roads"],
        "status": "planned",
    }
    refused = await client.post("/solutions/new", data=data)
    assert refused.status_code == 422
    assert error_summary(refused) == [
        ("#ends_on", "End date must be the same as or after the start date")
    ]
    page = html(refused)
    assert page.css_first("#title").attributes["value"] == "Flood sensors"
    assert page.css_first("#lots").text() == "Sensors\nInstallation"
    checked = [n.attributes["value"] for n in page.css('input[name="service_areas"][checked]')]
    assert checked == ["environment_and_waste", "transport_and_roads"]

    created = await client.post("/solutions/new", data={**data, "ends_on": "2028-04-01"})
    assert heading(created) == "Flood sensors"
    assert text_of(created, ".registry-notice") == (
        "Flood sensors has been saved as a draft. Only members of Scotland Excel and the "
        "Digital Office can see it until it is published."
    )
    assert "This is a draft." in text_of(created, "#draft-notice")
    assert await Solution.count().where(Solution.slug == "flood-sensors") == 1


async def test_a_member_cannot_register_a_procurement(client):
    await sign_in(client, OFFICER)
    form = await client.get("/solutions/new?kind=procurement")
    assert "procurement or administrator role" in text_of(form, ".ds_layout__content")


@pytest.mark.parametrize("kind", ["platform", "challenge", "component"])
async def test_every_kind_has_its_form_with_its_required_facts(client, kind):
    await sign_in(client, ADMIN)
    form = await client.get(f"/solutions/new?kind={kind}")
    refused = await client.post(
        "/solutions/new",
        data={
            "_csrf_token": csrf_token(form),
            "kind": kind,
            "owner": "fife",
        },
    )
    assert refused.status_code == 422
    fields = [target for target, _ in error_summary(refused)]
    assert "#title" in fields
    assert "#summary" in fields
    expected = {
        "platform": [],
        "challenge": ["#problem_statement", "#stage"],
        "component": ["#software_type", "#development_status"],
    }[kind]
    assert all(field in fields for field in expected)
    for target in fields:
        assert html(refused).css_first(target) is not None, target
    # the summary lists the problems in the order the form shows the fields
    positions = [refused.text.index(f'id="{target[1:]}"') for target in fields]
    assert positions == sorted(positions)


async def test_an_edit_after_someone_else_saved_says_so_and_keeps_the_input(client):
    await sign_in(client, ADMIN)
    mine = await client.get("/solutions/fife-booking/edit")
    theirs_version = html(mine).css_first('input[name="version"]').attributes["value"]
    await catalogue.update_solution(
        SYSTEM, "fife-booking", {"title": "Their title"}, int(theirs_version)
    )

    form = {
        n.attributes["name"]: n.attributes.get("value", "")
        for n in html(mine).css("#solution-form input[name]")
        if n.attributes.get("type") not in ("checkbox", "radio")
    }
    form |= {"summary": "My better summary.", "title": "My title", "status": "live"}
    response = await client.post("/solutions/fife-booking/edit", data=form)
    assert response.status_code == 409, error_summary(response)
    assert text_of(response, "#conflict-title") == "Someone else saved this solution first"
    assert html(response).css_first("#title").attributes["value"] == "My title"
    assert html(response).css_first("#summary").text() == "My better summary."
    assert (await catalogue.get_solution("fife-booking")).title == "Their title"

    # saving again, deliberately, replaces theirs
    again = {
        **form,
        "_csrf_token": csrf_token(response),
        "version": html(response).css_first('input[name="version"]').attributes["value"],
    }
    saved = await client.post("/solutions/fife-booking/edit", data=again)
    assert heading(saved) == "My title"


async def test_another_council_cannot_open_the_edit_form(client):
    await sign_in(client, OFFICER)
    response = await client.get("/solutions/fife-booking/edit")
    assert response.status_code == 403


async def test_publishing_a_draft_and_retiring(client, site):
    await make_solution(
        "component", site["fife"], title="Draft forms", slug="draft-forms", status="draft"
    )
    assert (await client.get("/solutions/draft-forms")).status_code == 404
    await sign_in(client, ADMIN)
    published = await post_form(
        client, "/solutions/draft-forms", "/solutions/draft-forms/publish", {"version": "1"}
    )
    assert text_of(published, ".registry-notice") == (
        "Draft forms is published: anyone can now find it."
    )
    retired = await post_form(
        client,
        "/solutions/draft-forms/retire",
        "/solutions/draft-forms/retire",
        {"version": "2", "reason": "Replaced by a national form builder"},
    )
    assert "Retired" in text_of(retired, ".ds_page-header__metadata")
    assert html(retired).css_first("#act") is None  # nothing left to do for a retired one


# -- stored scripts stay inert -------------------------------------------------------------


async def test_a_stored_script_is_inert_on_every_page_that_shows_it(client, site, search_index):
    script = "<script>alert(1)</script>"
    await make_solution(
        "challenge",
        site["fife"],
        slug="script-test",
        title=f"{script} telecare",
        summary=f"Summary {script}",
        description=(
            f"Description {script} [click](javascript:alert(2)) <img src=x onerror=alert(3)>"
        ),
        problem_statement=f"Problem {script}",
        tags=[script],
    )
    await indexing.drain_all(search_index)
    await sign_in(client, ADMIN)
    for path in ("/solutions/script-test", "/?q=telecare", "/solutions/script-test/edit"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert live_scripts(response) == [], path
        assert not html(response).css("img[onerror]"), path
        assert not html(response).css('a[href^="javascript"]'), path
    page = await client.get("/solutions/script-test")
    assert heading(page) == f"{script} telecare"  # shown as text, exactly as stored


# -- search on the page ----------------------------------------------------------------------


async def test_discover_filters_by_a_facet_and_removes_it_again(client):
    page = await client.get("/?kind=platform")
    assert texts(page, ".ds_search-result__title") == ["Fife booking platform"]
    [remove] = html(page).css(".ds_facet__button")
    assert remove.attributes["href"] == "/?"
    assert "checked" in html(page).css_first('#facet-kind input[value="platform"]').attributes


async def test_search_as_you_type_returns_a_fragment_for_htmx(client):
    response = await client.get("/?q=bookin", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    fragment = html(response)
    assert fragment.css_first("#discover-results") is not None
    assert [n.text() for n in fragment.css(".ds_search-result__title mark")] == ["booking"]


async def test_discover_falls_back_to_a_listing_when_search_is_down(site, broken_index):
    async with app_client(broken_index) as client:
        response = await client.get("/?q=booking")
        assert response.status_code == 200
        assert "Search is unavailable just now" in text_of(response, ".ds_warning-text")
        assert texts(response, ".ds_search-result__title") == ["Fife booking platform"]


async def test_a_write_through_the_site_is_soon_found_by_search(client, search_index):
    await sign_in(client, ADMIN)
    form = await client.get("/solutions/new?kind=platform")
    await client.post(
        "/solutions/new",
        data={
            "_csrf_token": csrf_token(form),
            "kind": "platform",
            "owner": "fife",
            "title": "Winter gritting routes",
            "summary": "Shared routes.",
        },
    )
    # Created as a draft, which search does not show; published, it is soon found.
    await post_form(
        client,
        "/solutions/winter-gritting-routes",
        "/solutions/winter-gritting-routes/publish",
        {"version": "1"},
    )
    for _ in range(100):
        found = await client.get("/api/v1/search", params={"q": "gritting"})
        if found.json()["total"]:
            break
        import asyncio

        await asyncio.sleep(0.05)
    assert [h["slug"] for h in found.json()["hits"]] == ["winter-gritting-routes"]


async def test_an_admin_confirms_then_withdraws_a_pledge_and_withdraws_interest(client):
    await sign_in(client, ADMIN)
    page = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/interest",
        {"organisation": "fife", "level": "exploring"},
    )
    page = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/pledge",
        {"organisation": "fife", "amount": "1000"},
    )
    buttons = texts(page, ".registry-withdraw button")
    assert buttons == [
        "Withdraw Fife Council's interest",
        "Withdraw Fife Council's pledge",
        "Confirm Fife Council's pledge",
    ]

    page = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/pledge/confirm",
        {"organisation": "fife"},
    )
    assert text_of(page, ".registry-notice") == (
        "Fife Council's pledge to Fife booking platform is confirmed."
    )
    assert texts(page, "#pledges tbody tr") == ["Fife Council £1,000 0 Confirmed"]

    page = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/pledge/withdraw",
        {"organisation": "fife"},
    )
    assert text_of(page, "#no-pledges") == "No organisation has pledged money or staff time yet."
    page = await post_form(
        client,
        "/solutions/fife-booking",
        "/solutions/fife-booking/interest/withdraw",
        {"organisation": "fife"},
    )
    assert text_of(page, ".registry-notice") == (
        "Fife Council is no longer interested in Fife booking platform."
    )
    assert html(page).css_first("#interest-levels") is None
    assert await Interest.count() == 1  # withdrawn, not deleted


async def test_sessions_left_to_expire_are_swept_away_at_the_next_sign_in(client):
    import datetime as dt

    await sign_in(client, OFFICER)
    await WebSession.update(
        {WebSession.last_seen_at: dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)}, force=True
    )
    assert (await client.get("/account", follow_redirects=False)).status_code == 303  # idle
    officer = await User.select(User.id).where(User.email == OFFICER).first()
    await WebSession.insert(
        WebSession(
            token_hash="0" * 64,
            user=officer["id"],
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
        )
    )
    await sign_in(client, ADMIN)
    assert await WebSession.count() == 1


async def test_the_error_summary_follows_the_order_of_the_form(client):
    await sign_in(client, BUYER)
    form = await client.get("/solutions/new?kind=procurement")
    refused = await client.post(
        "/solutions/new",
        data={
            "_csrf_token": csrf_token(form),
            "kind": "procurement",
            "owner": "scotland-excel",
            "title": "x",
            "slug": "Bad Slug",
            "starts_on": "2026-01-01",
            "ends_on": "2025-01-01",
            "contact_email": "nope",
            "service_areas": "moon",
        },
    )
    fields = [target for target, _ in error_summary(refused)]
    assert fields == [
        "#title",
        "#summary",
        "#slug",
        "#contact_email",
        "#procurement_body",
        "#ends_on",
        "#service_areas",
    ]
