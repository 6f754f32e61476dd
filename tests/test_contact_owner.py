"""Contacting a solution's owner: a signed-in person writes to a solution's named contact through
the registry; the contact gets one mail (through a real SMTP server) whose Reply-To is the
sender, so the contact's address stays private until they answer; the owner's members get a copy
and read it on their organisation's Messages page, which nobody else can; the per-person limit,
drafts, signing in and the CSRF token are enforced, and the address is never shown to the
public (page, API, publiccode.yml, history)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from registry import catalogue
from registry.config import get_settings
from registry.notifications import delivery
from registry.tables import AuditEvent, ContactMail, ContactMessage
from tests.clients import app_client
from tests.factories import FIFE_ADMIN, GLASGOW_OFFICER, SYSTEM, make_solution
from tests.notifications_support import SMTPServer
from tests.web import error_summary, html, post_form, sign_in, text_of, texts

CONTACT = "alex.morgan@glasgow.gov.uk"


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


async def _contacted(glasgow, **overrides):
    values = {
        "title": "Shared booking platform",
        "contact_name": "Alex Morgan",
        "contact_role": "Service owner",
        "contact_email": CONTACT,
    }
    return await make_solution("platform", owner=glasgow, **(values | overrides))


async def _settle(smtp) -> None:
    """Send what setting up queued, so a test sees only what its own action causes."""
    await delivery.run(smtp.settings())
    smtp.mailbox.messages.clear()


async def _send(client, slug, subject="Reusing your booking platform", body=None, **kwargs):
    body = body if body is not None else "Hello,\n\nFife would like to reuse it.\n\nThanks"
    return await post_form(
        client,
        f"/solutions/{slug}",
        f"/solutions/{slug}/contact",
        {"subject": subject, "body": body},
        **kwargs,
    )


async def test_the_contact_gets_one_mail_replying_to_the_sender_and_members_a_copy(
    client, glasgow, fife, glasgow_officer, fife_admin, smtp
):
    solution = await _contacted(glasgow)
    await _settle(smtp)
    await sign_in(client, FIFE_ADMIN)

    sent = await _send(client, solution.slug)

    assert sent.status_code == 200
    assert sent.url.path == f"/solutions/{solution.slug}"
    notice = " ".join(sent.text.split())
    assert "Your message has been sent to Alex Morgan, the contact for Shared booking" in notice
    assert CONTACT not in sent.text
    result = await delivery.run(smtp.settings())
    assert result.sent == 2

    to_contact = smtp.mailbox.to(CONTACT)
    assert len(to_contact) == 1
    mail = to_contact[0]
    assert FIFE_ADMIN in str(mail["Reply-To"])
    assert FIFE_ADMIN not in str(mail["To"])
    assert "Reusing your booking platform" in str(mail["Subject"])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Fife would like to reuse it." in text
    assert "Fife Council" in text  # who is writing, in words
    assert smtp.mailbox.to(FIFE_ADMIN) == []

    copy = smtp.mailbox.to(GLASGOW_OFFICER)
    assert len(copy) == 1
    assert FIFE_ADMIN in str(copy[0]["Reply-To"])
    assert "Fife would like to reuse it." in copy[0].get_body(("plain",)).get_content()
    assert str(copy[0]["List-Unsubscribe"]).startswith("<http")

    again = await delivery.run(smtp.settings())
    assert again.sent == 0
    assert len(smtp.mailbox.messages) == 2
    audit = await AuditEvent.select().where(AuditEvent.action == "contact.send")
    assert len(audit) == 1
    assert audit[0]["actor"] == fife_admin.user_id


async def test_the_page_names_the_contact_but_shows_the_address_only_to_the_owners_members(
    client, glasgow, fife, glasgow_officer, fife_admin
):
    solution = await _contacted(glasgow)
    path = f"/solutions/{solution.slug}"

    public = await client.get(path)
    contact_fact = text_of(public, "#fact-contact_name")
    assert "Alex Morgan" in contact_fact
    assert "Service owner" in contact_fact
    assert CONTACT not in public.text
    assert html(public).css_first("#contact-form") is None
    assert "Sign in" in text_of(public, "#contact-sign-in")
    api = (await client.get(f"/api/v1/solutions/{solution.slug}")).json()
    assert api["contact_name"] == "Alex Morgan"
    assert api["contact_email"] == ""

    await sign_in(client, FIFE_ADMIN)
    other_council = await client.get(path)
    assert CONTACT not in other_council.text
    assert html(other_council).css_first("#contact-form") is not None

    await client.post("/sign-out", data={"_csrf_token": _token(other_council)})
    await sign_in(client, GLASGOW_OFFICER)
    owner = await client.get(path)
    assert CONTACT in text_of(owner, "#fact-contact_name")
    edit = await client.get(f"{path}/edit")
    assert CONTACT in edit.text


def _token(response) -> str:
    return html(response).css_first('input[name="_csrf_token"]').attributes["value"]


async def test_the_publiccode_export_and_history_leave_the_address_out_for_the_public(
    client, glasgow, glasgow_officer
):
    component = await make_solution(
        "component",
        owner=glasgow,
        title="Forms toolkit",
        description="A toolkit of accessible form patterns councils share. " * 4,
        contact_name="Sam Lee",
        contact_email="sam.lee@glasgow.gov.uk",
    )
    await catalogue.update_solution(
        SYSTEM,
        component.slug,
        {**catalogue.editable_fields(component), "contact_email": "sam.b.lee@glasgow.gov.uk"},
        component.version,
    )
    exported = await client.get(f"/solutions/{component.slug}/publiccode.yml")
    assert exported.status_code == 200, text_of(exported, "main")
    contacts = yaml.safe_load(exported.text)["maintenance"]["contacts"]
    assert contacts[0]["name"] == "Sam Lee"
    assert "email" not in contacts[0]
    history = await client.get(f"/solutions/{component.slug}/history")
    assert "lee@glasgow.gov.uk" not in history.text

    await sign_in(client, GLASGOW_OFFICER)
    history = await client.get(f"/solutions/{component.slug}/history")
    assert "sam.b.lee@glasgow.gov.uk" in history.text


async def test_only_the_owners_members_read_the_messages_newest_first(
    client, glasgow, fife, edinburgh, glasgow_officer, fife_admin, edinburgh_officer, curator
):
    solution = await _contacted(glasgow)
    await sign_in(client, FIFE_ADMIN)
    await _send(client, solution.slug, subject="First question", body="Is it <b>free</b>?")
    await _send(client, solution.slug, subject="Second question", body="Who runs it?")
    messages = "/organisations/glasgow-city/messages"
    assert (await client.get(messages)).status_code == 403

    client.cookies.clear()
    anonymous = await client.get(messages, follow_redirects=False)
    assert anonymous.status_code == 303
    assert "/sign-in" in anonymous.headers["location"]

    for outsider in (edinburgh_officer.label, curator.label):
        client.cookies.clear()
        await sign_in(client, outsider)
        refused = await client.get(messages)
        assert refused.status_code == 403
        assert "Second question" not in refused.text

    client.cookies.clear()
    await sign_in(client, GLASGOW_OFFICER)
    profile = await client.get("/organisations/glasgow-city")
    assert html(profile).css_first("#messages-link").attributes["href"] == messages
    inbox = await client.get(messages)
    assert inbox.status_code == 200
    assert texts(inbox, ".registry-message h2") == ["Second question", "First question"]
    assert "Is it <b>free</b>?" in texts(inbox, ".registry-message__body")
    assert FIFE_ADMIN in inbox.text  # the members may answer the sender
    fife_profile = await client.get("/organisations/fife")
    assert html(fife_profile).css_first("#messages-link") is None


async def test_a_person_may_send_only_the_configured_number_a_day(
    db, search_index, glasgow, fife, fife_admin
):
    solution = await _contacted(glasgow)
    settings = replace(get_settings(), contact_per_day=2)
    async with app_client(search_index, settings) as client:
        await sign_in(client, FIFE_ADMIN)
        for n in range(2):
            ok = await _send(client, solution.slug, subject=f"Question {n}")
            assert ok.status_code == 200
        refused = await _send(client, solution.slug, subject="One too many")
    assert refused.status_code == 429
    assert "2 messages" in text_of(refused, "#contact-refused")
    form = html(refused).css_first("#contact-subject")
    assert form.attributes["value"] == "One too many"  # the input is kept
    assert await ContactMessage.count() == 2
    subjects = {r["subject"] for r in await ContactMessage.select(ContactMessage.subject)}
    assert "One too many" not in subjects


async def test_a_draft_cannot_be_reached_by_someone_who_cannot_see_it(
    client, glasgow, fife, fife_admin
):
    draft = await _contacted(glasgow, status="draft", title="Secret draft")
    await sign_in(client, FIFE_ADMIN)
    page = await client.get(f"/solutions/{draft.slug}/contact")
    assert page.status_code == 404
    token = _token(await client.get("/account/follows"))
    sent = await client.post(
        f"/solutions/{draft.slug}/contact",
        data={"_csrf_token": token, "subject": "Hello", "body": "Can I see it?"},
    )
    assert sent.status_code == 404
    assert "Secret draft" not in sent.text
    assert await ContactMessage.count() == 0
    assert await ContactMail.count() == 0


async def test_a_draft_its_owners_can_see_is_not_contacted_until_published(
    client, glasgow, glasgow_officer
):
    draft = await _contacted(glasgow, status="draft", title="Our own draft")
    await sign_in(client, GLASGOW_OFFICER)
    page = await client.get(f"/solutions/{draft.slug}/contact")
    assert page.status_code == 409
    assert "once it is published" in page.text
    token = _token(await client.get("/account/follows"))
    sent = await client.post(
        f"/solutions/{draft.slug}/contact",
        data={"_csrf_token": token, "subject": "Hello", "body": "A note to ourselves"},
    )
    assert sent.status_code == 409
    assert await ContactMessage.count() == 0
    assert await ContactMail.count() == 0


async def test_someone_not_signed_in_is_sent_to_sign_in_and_nothing_is_sent(client, glasgow):
    solution = await _contacted(glasgow)
    form = await client.get(f"/solutions/{solution.slug}/contact", follow_redirects=False)
    assert form.status_code == 303
    assert form.headers["location"].startswith("/sign-in?next=")
    posted = await post_form(
        client,
        "/sign-in",
        f"/solutions/{solution.slug}/contact",
        {"subject": "Hi", "body": "Anyone there?"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert "/sign-in" in posted.headers["location"]
    assert await ContactMessage.count() == 0


async def test_a_form_without_its_csrf_token_is_refused(client, glasgow, fife, fife_admin):
    solution = await _contacted(glasgow)
    await sign_in(client, FIFE_ADMIN)
    forged = await client.post(
        f"/solutions/{solution.slug}/contact", data={"subject": "Hi", "body": "Forged"}
    )
    assert forged.status_code == 403
    assert await ContactMessage.count() == 0


@pytest.mark.parametrize(
    ("subject", "body", "field", "message"),
    [
        ("", "Some text", "contact-subject", "Enter a subject"),
        ("x" * 151, "Some text", "contact-subject", "150 characters or fewer"),
        ("Two\nlines", "Some text", "contact-subject", "one line"),
        ("Fine", "   ", "contact-body", "Enter your message"),
        ("Fine", "y" * 5001, "contact-body", "5,000 characters or fewer"),
        ("Fine", "bell \x07 rings", "contact-body", "plain text"),
    ],
)
async def test_bad_input_is_shown_again_with_the_reason_and_sends_nothing(
    client, glasgow, fife, fife_admin, subject, body, field, message
):
    solution = await _contacted(glasgow)
    await sign_in(client, FIFE_ADMIN)
    refused = await _send(client, solution.slug, subject=subject, body=body)
    assert refused.status_code == 422
    summary = error_summary(refused)
    assert any(href == f"#{field}" and message in text for href, text in summary), summary
    assert await ContactMessage.count() == 0
    assert await ContactMail.count() == 0


async def test_a_solution_naming_no_contact_reaches_the_owners_members(
    client, glasgow, fife, glasgow_officer, fife_admin, smtp
):
    solution = await make_solution("platform", owner=glasgow, title="Unnamed platform")
    await _settle(smtp)
    await sign_in(client, FIFE_ADMIN)
    form = await client.get(f"/solutions/{solution.slug}/contact")
    assert "names no contact" in text_of(form, "main")
    sent = await _send(client, solution.slug)
    assert "sent to the members of Glasgow City Council" in " ".join(sent.text.split())
    result = await delivery.run(smtp.settings())
    assert result.sent == 1
    assert len(smtp.mailbox.to(GLASGOW_OFFICER)) == 1
