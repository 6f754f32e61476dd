"""Input that must be refused, and refused in the right order: who is acting is checked before
any field is read (so nobody can make the server parse a hostile value without the right to
act), text is bounded before it is parsed, money and counts are read only when well formed,
contact addresses cannot smuggle extra recipients, titles carry no invisible characters,
curators' facts are set only by curators, and a confirmed pledge is undone only by the role
that confirms."""

from __future__ import annotations

import pytest

from registry import catalogue, collaboration, validation
from registry.accounts import ANONYMOUS
from registry.errors import NotFound, PermissionDenied, ValidationFailed
from registry.tables import AuditEvent, Solution, Sponsorship
from registry.validation import Checker, Pounds, parse_whole_number, pounds_to_pence
from tests.clients import app_client
from tests.factories import GLASGOW_OFFICER, make_actor, make_solution, solution_data
from tests.web import error_summary, heading, html, post_form, sign_in, text_of

HUGE_EMAIL = "a" * 40_000 + "@example.gov.uk"


@pytest.fixture
def parsed_addresses(monkeypatch) -> list[str]:
    """Every address handed to the email library (a third-party parser, watched, not faked)."""
    seen: list[str] = []
    real = validation.validate_email

    def watching(value, **options):
        seen.append(value)
        return real(value, **options)

    monkeypatch.setattr(validation, "validate_email", watching)
    return seen


# -- length first, and the email library ------------------------------------------------------


def test_a_huge_email_gets_the_length_message_without_being_parsed(parsed_addresses):
    checker = Checker({"contact_email": HUGE_EMAIL})
    assert checker.email("contact_email", "Contact email") == ""
    assert checker.errors == {"contact_email": "Contact email must be 254 characters or fewer"}
    assert parsed_addresses == []


@pytest.mark.parametrize(
    "address",
    [
        "x@y.z?cc=everyone@example.gov.uk",
        "someone?cc=everyone@example.gov.uk",
        "someone#top@example.gov.uk",
        "some%20one@example.gov.uk",
        "Someone <someone@example.gov.uk>",
        "someone@localhost",
        "someone@example..gov.uk",
    ],
)
def test_an_address_that_is_not_one_plain_mailbox_is_refused(address):
    checker = Checker({"contact_email": address})
    checker.email("contact_email", "Contact email")
    assert checker.errors == {
        "contact_email": "Contact email must be an email address, like name@example.gov.uk"
    }


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        ("Digital.Office@Example.gov.uk", "digital.office@example.gov.uk"),
        ("officer+registry@glasgow.gov.uk", "officer+registry@glasgow.gov.uk"),
        ("officer@glasgow.demo.invalid", "officer@glasgow.demo.invalid"),
    ],
)
def test_ordinary_addresses_are_kept_lowercased(address, stored):
    checker = Checker({"contact_email": address})
    assert checker.email("contact_email", "Contact email") == stored
    assert checker.errors == {}


# -- money and counts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("£1,250.50", 125_050),
        ("1250.5", 125_050),
        ("12,500", 1_250_000),
        ("£ 3", 300),
        ("0.07", 7),
        ("1,234,567.89", 123_456_789),
        ("12,50,0.1", None),
        ("1,2,3", None),
        ("1,2345", None),
        ("12.345", None),
        ("-5", None),
        ("\uff11\uff12", None),  # full-width digits
        ("12e3", None),
        ("1" * 40, None),
    ],
)
def test_pounds_are_read_only_when_well_formed(typed, pence):
    assert pounds_to_pence(typed) == pence


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("2500", 2500),
        ("2,500", 2500),
        (" 12 ", 12),
        ("2,5", None),
        ("25,00", None),
        ("2.5", None),
        ("\uff12", None),  # full-width digit
        ("\u0663", None),  # Arabic-Indic digit
        ("1e3", None),
    ],
)
def test_whole_numbers_are_read_only_when_well_formed(typed, number):
    assert parse_whole_number(typed) == number


async def test_a_mangled_amount_is_refused_naming_the_field_and_nothing_is_saved(glasgow):
    actor = await make_actor(glasgow, "member")
    data = solution_data("platform", "glasgow-city", funding_target=Pounds("12,50,0.1"))
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.create_solution(actor, data)
    assert refused.value.fields == {
        "funding_target": "Funding target must be in pounds, like 2500 or 2,500.50"
    }
    assert await Solution.count() == 0


@pytest.mark.parametrize("days", ["2,5", "\uff12", "1,2,3"])
async def test_mangled_staff_days_are_refused(fife, glasgow_officer, days):
    platform = await make_solution("platform", fife)
    with pytest.raises(ValidationFailed) as refused:
        await collaboration.pledge(glasgow_officer, platform.slug, "glasgow-city", staff_days=days)
    assert refused.value.fields == {"staff_days": "Staff days must be a whole number"}
    assert await Sponsorship.count() == 0


async def test_staff_days_with_a_thousands_separator_are_read(fife, glasgow_officer):
    platform = await make_solution("platform", fife)
    row = await collaboration.pledge(
        glasgow_officer, platform.slug, "glasgow-city", staff_days="2,500"
    )
    assert row["staff_days"] == 2500


# -- invisible characters ---------------------------------------------------------------------


@pytest.mark.parametrize("hidden", ["\u202e", "\u2066", "\u200f", "\u061c", "\u200b", "\ufeff"])
async def test_a_title_with_invisible_characters_is_refused(glasgow_officer, hidden):
    data = solution_data("platform", "glasgow-city", title=f"Council{hidden} tax portal")
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.create_solution(glasgow_officer, data)
    assert refused.value.fields == {
        "title": "Title must not contain invisible formatting characters"
    }


# -- who is acting, before any field ----------------------------------------------------------


async def test_an_anonymous_creation_is_refused_before_any_field_is_read(glasgow, parsed_addresses):
    data = solution_data("platform", "glasgow-city", contact_email="x@example.gov.uk")
    with pytest.raises(PermissionDenied, match="Sign in"):
        await catalogue.create_solution(ANONYMOUS, data)
    assert parsed_addresses == []
    assert await Solution.count() == 0


async def test_a_creation_for_another_council_is_refused_before_its_fields_are_checked(
    fife, glasgow_officer, parsed_addresses
):
    data = solution_data("platform", "fife", title="x", contact_email="someone@example.gov.uk")
    with pytest.raises(PermissionDenied, match="not a member of Fife Council"):
        await catalogue.create_solution(glasgow_officer, data)
    assert parsed_addresses == []


async def test_someone_with_no_organisation_cannot_create_even_without_an_owner(db):
    loner = await make_actor(None)
    with pytest.raises(PermissionDenied):
        await catalogue.create_solution(loner, {"kind": "platform", "title": "x"})


async def test_an_edit_by_another_council_is_refused_before_its_fields_are_checked(
    fife, glasgow_officer
):
    platform = await make_solution("platform", fife)
    with pytest.raises(PermissionDenied):
        await catalogue.update_solution(glasgow_officer, platform.slug, {"title": ""}, "one")
    with pytest.raises(PermissionDenied):
        await catalogue.publish_solution(glasgow_officer, platform.slug, 1)


# -- curators' facts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reported_adopters", 400, "Reported number of councils using it"),
        ("reported_interested", "12", "Reported number of councils interested"),
        ("reported_note", "Every council uses it", "Note on reported figures"),
        ("source", "Our own survey", "Source"),
    ],
)
async def test_a_member_cannot_set_the_curators_facts(glasgow_officer, field, value, message):
    data = solution_data("platform", "glasgow-city", **{field: value})
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.create_solution(glasgow_officer, data)
    assert refused.value.fields == {field: f"{message} can be set only by the Digital Office"}
    assert await Solution.count() == 0

    mine = await catalogue.create_solution(
        glasgow_officer, solution_data("platform", "glasgow-city")
    )
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.update_solution(glasgow_officer, mine.slug, {field: value}, 1)
    assert list(refused.value.fields) == [field]
    assert (await catalogue.get_solution(mine.slug, glasgow_officer)).version == 1


async def test_curators_and_the_seed_loader_set_them_and_members_may_send_them_back(
    glasgow, glasgow_officer
):
    seeded = await make_solution(
        "platform", glasgow, reported_adopters=12, reported_note="From the 2024 survey"
    )
    assert seeded.reported_adopters == 12

    # A member's edit that sends back what it read, reported facts included, is accepted.
    unchanged = catalogue.editable_fields(seeded)
    unchanged["reported_adopters"] = "12"  # as a form would send it
    saved = await catalogue.update_solution(
        glasgow_officer, seeded.slug, {**unchanged, "title": "A better title"}, 1
    )
    assert (saved.title, saved.reported_adopters) == ("A better title", 12)

    curator = await make_actor(None, digital_office=True)
    saved = await catalogue.update_solution(
        curator, seeded.slug, {"reported_adopters": 14, "source": "Survey 2025"}, 2
    )
    assert (saved.reported_adopters, saved.source) == (14, "Survey 2025")


# -- slugs ------------------------------------------------------------------------------------


async def test_a_taken_slug_gets_one_answer_whether_or_not_its_solution_can_be_seen(
    fife, glasgow_officer
):
    await make_solution("platform", fife, slug="fife-secret-draft", status="draft")
    await make_solution("platform", fife, slug="fife-public", status="live")
    answers = []
    for slug in ("fife-secret-draft", "fife-public"):
        with pytest.raises(ValidationFailed) as refused:
            await catalogue.create_solution(
                glasgow_officer, solution_data("platform", "glasgow-city", slug=slug)
            )
        answers.append(refused.value.fields)
    assert answers == [{"slug": "That web address name is taken; choose another"}] * 2
    with pytest.raises(NotFound):
        await catalogue.get_solution("fife-secret-draft", glasgow_officer)


# -- pledges ----------------------------------------------------------------------------------


async def test_only_the_role_that_confirms_can_withdraw_a_confirmed_pledge(fife, glasgow):
    platform = await make_solution("platform", glasgow)
    member = await make_actor(fife, "member")
    admin = await make_actor(fife, "org_admin")
    await collaboration.pledge(member, platform.slug, "fife", amount_pence=50_000)
    await collaboration.confirm_pledge(admin, platform.slug, "fife")
    events = await AuditEvent.count()

    with pytest.raises(PermissionDenied, match="is confirmed: only an organisation administrator"):
        await collaboration.withdraw_pledge(member, platform.slug, "fife")
    assert await Sponsorship.count().where(Sponsorship.status == "confirmed") == 1
    assert await AuditEvent.count() == events

    await collaboration.withdraw_pledge(admin, platform.slug, "fife")
    assert await Sponsorship.count().where(Sponsorship.status == "withdrawn") == 1


async def test_a_member_still_withdraws_an_unconfirmed_pledge(fife, glasgow):
    platform = await make_solution("platform", glasgow)
    member = await make_actor(fife, "member")
    await collaboration.pledge(member, platform.slug, "fife", staff_days=3)
    await collaboration.withdraw_pledge(member, platform.slug, "fife")
    assert await Sponsorship.count().where(Sponsorship.status == "withdrawn") == 1


# -- through the pages ------------------------------------------------------------------------

OFFICER = GLASGOW_OFFICER


@pytest.fixture
async def client(glasgow, glasgow_officer, search_index):
    await make_solution(
        "platform",
        glasgow,
        title="Glasgow booking platform",
        slug="glasgow-booking",
        reported_adopters=5,
        source="Digital Office survey",
    )
    async with app_client(search_index) as client:
        yield client


def _asked_to_sign_in(response) -> bool:
    if response.status_code == 303:
        return response.headers["location"].startswith("/sign-in")
    return response.status_code == 403 and "Sign in" in text_of(response, "#error-message")


async def test_an_anonymous_registration_with_a_huge_email_is_asked_to_sign_in(
    client, parsed_addresses
):
    before = await Solution.count()
    response = await post_form(
        client,
        "/sign-in",
        "/solutions/new",
        {
            **solution_data("platform", "glasgow-city"),
            "title": "x",
            "service_areas": "digital_and_ict",
            "characteristics": "collaborative",
            "tags": "reuse",
            "contact_email": HUGE_EMAIL,
            "funding_target": "12.345",
        },
        follow_redirects=False,
    )
    assert _asked_to_sign_in(response), (response.status_code, response.text[:500])
    assert parsed_addresses == []
    assert await Solution.count() == before


async def test_a_mangled_amount_on_the_form_is_shown_beside_its_field(client):
    await sign_in(client, OFFICER)
    response = await post_form(
        client,
        "/solutions/new?kind=platform",
        "/solutions/new",
        {
            **solution_data("platform", "glasgow-city", title="Shared telecare hub"),
            "service_areas": "digital_and_ict",
            "characteristics": "collaborative",
            "tags": "reuse",
            "funding_target": "1,2,3",
        },
    )
    assert response.status_code == 422
    assert error_summary(response) == [
        ("#funding_target", "Funding target must be in pounds, like 2500 or 2,500.50")
    ]
    assert html(response).css_first("#funding_target").attributes["value"] == "1,2,3"
    assert not await Solution.exists().where(Solution.title == "Shared telecare hub")


async def test_a_mangled_pledge_amount_is_refused_on_the_page(client, fife):
    await sign_in(client, OFFICER)
    response = await post_form(
        client,
        "/solutions/glasgow-booking",
        "/solutions/glasgow-booking/pledge",
        {"organisation": "glasgow-city", "amount": "12,50,0.1", "staff_days": ""},
    )
    assert response.status_code == 422
    assert error_summary(response) == [
        ("#pledge-amount", "Amount must be in pounds, like 2500 or 2,500.50")
    ]
    assert await Sponsorship.count() == 0


async def test_a_member_edits_a_solution_with_curators_facts_through_the_form(client):
    await sign_in(client, OFFICER)
    page = await client.get("/solutions/glasgow-booking/edit")
    assert page.status_code == 200
    form = {
        n.attributes["name"]: n.attributes.get("value", "")
        for n in html(page).css("#solution-form input[name]")
        if n.attributes.get("type") not in ("checkbox", "radio")
    }
    form |= {
        "summary": "Book rooms and halls.",
        "status": "live",
        "service_areas": "digital_and_ict",
        "title": "Glasgow room booking",
    }
    saved = await client.post("/solutions/glasgow-booking/edit", data=form)
    assert heading(saved) == "Glasgow room booking", error_summary(saved)
    stored = await catalogue.get_solution("glasgow-booking")
    assert (stored.reported_adopters, stored.source) == (5, "Digital Office survey")
