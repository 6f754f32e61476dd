"""The keepers' pages through the app: members for an organisation's administrators, accepting
an invitation, moving a solution to another owner, and the account page."""

from __future__ import annotations

import pytest

from registry import accounts, catalogue, collaboration
from registry.catalogue.writing import transfer_solution
from registry.errors import Conflict, PermissionDenied, ValidationFailed
from registry.tables import AuditEvent, Invitation, Membership, SearchOutbox, Solution
from tests.factories import PASSWORD, SYSTEM, make_actor, make_solution, solution_data
from tests.web import csrf_token, error_summary, heading, html, post_form, sign_in, text_of, texts


async def _snapshot():
    return (
        await Membership.count(),
        await Invitation.count(),
        await AuditEvent.count(),
        await Solution.select(Solution.slug, Solution.owner, Solution.version),
    )


async def test_an_admin_invites_a_new_officer_who_accepts_and_signs_in(client, fife, fife_admin):
    await sign_in(client, fife_admin.label)
    members = await client.get("/organisations/fife/members")
    assert members.status_code == 200
    assert heading(members) == "Members of Fife Council"
    assert texts(members, "#members-table tbody td:first-child") == [fife_admin.display_name]

    answer = await client.post(
        "/organisations/fife/members",
        data={
            "_csrf_token": csrf_token(members),
            "email": "New.Officer@fife.gov.uk",
            "role": "member",
        },
    )
    assert answer.status_code == 200
    link = html(answer).css_first("#invitation-address").attributes["value"]
    assert link.startswith("http://testserver.local/invitations/")
    assert "new.officer@fife.gov.uk" in text_of(answer, "#invitations-table")
    await client.post("/sign-out", data={"_csrf_token": csrf_token(answer)})

    path = link.removeprefix("http://testserver.local")
    invitation = await client.get(path)
    assert heading(invitation) == "Join Fife Council"
    refused = await post_form(client, path, path, {"display_name": "", "password": "short"})
    assert refused.status_code == 422
    assert [href for href, _ in error_summary(refused)] == ["#display_name", "#password"]
    accepted = await post_form(
        client,
        path,
        path,
        {"display_name": "Nina Officer", "password": PASSWORD},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith("/sign-in?next=%2Faccount")
    again = await client.get(path)
    assert again.status_code == 409

    await sign_in(client, "new.officer@fife.gov.uk")
    account = await client.get("/account")
    assert "For Fife Council" in texts(account, "h2")


async def test_role_changes_removal_and_the_last_admin_on_the_page(client, fife, fife_admin):
    officer = await make_actor(fife, "member")
    await sign_in(client, fife_admin.label)

    changed = await post_form(
        client,
        "/organisations/fife/members",
        "/organisations/fife/members/role",
        {"email": officer.label, "role": "procurement"},
    )
    assert changed.status_code == 200
    assert text_of(changed, ".registry-notice") == "The member's role has been changed."
    refused = await post_form(
        client,
        "/organisations/fife/members",
        "/organisations/fife/members/remove",
        {"email": fife_admin.label},
    )
    assert refused.status_code == 409
    assert "only administrator of Fife Council" in error_summary(refused)[0][1]
    assert error_summary(refused)[0][0] == "#members"
    assert (await Membership.count()) == 2
    removed = await post_form(
        client,
        "/organisations/fife/members",
        "/organisations/fife/members/remove",
        {"email": officer.label},
    )
    assert text_of(removed, ".registry-notice") == "The member has been removed."
    assert (await Membership.count()) == 1

    bad = await post_form(
        client,
        "/organisations/fife/members",
        "/organisations/fife/members",
        {"email": "not an address", "role": "emperor"},
    )
    assert bad.status_code == 422
    assert [href for href, _ in error_summary(bad)] == ["#add-email", "#add-role"]


async def test_a_member_reaches_none_of_the_keepers_screens(client, fife, fife_admin):
    member = await make_actor(fife, "member")
    solution = await make_solution("platform", owner=fife)
    await accounts.add_person(fife_admin, "fife", "pending@fife.gov.uk", "member")
    invitation = await Invitation.select(Invitation.id).first()
    before = await _snapshot()
    await sign_in(client, member.label)
    page = await client.get("/account")

    assert (await client.get("/organisations/fife/members")).status_code == 403
    assert (await client.get(f"/solutions/{solution.slug}/transfer")).status_code == 403
    token = csrf_token(page)
    for path, data in [
        ("/organisations/fife/members", {"email": "x@fife.gov.uk", "role": "org_admin"}),
        ("/organisations/fife/members/role", {"email": member.label, "role": "org_admin"}),
        ("/organisations/fife/members/remove", {"email": fife_admin.label}),
        (f"/organisations/fife/invitations/{invitation['id']}/withdraw", {}),
        (f"/solutions/{solution.slug}/transfer", {"owner": "fife", "version": "1"}),
    ]:
        answer = await client.post(path, data={"_csrf_token": token, **data})
        assert answer.status_code == 403, path
    assert await _snapshot() == before
    profile = await client.get("/organisations/fife")
    assert "Manage the members" not in text_of(profile, "#organisation-links")


async def test_a_curator_moves_a_solution_to_another_owner(client, fife, glasgow, curator):
    solution = await make_solution("platform", owner=fife, title="Shared bins")
    await sign_in(client, curator.label)
    form = await client.get(f"/solutions/{solution.slug}/transfer")
    assert heading(form) == "Move Shared bins to another owner"
    options = [o.attributes["value"] for o in html(form).css("#owner option")]
    assert "glasgow-city" in options
    assert "fife" not in options

    refused = await post_form(
        client,
        form.request.url.path,
        f"/solutions/{solution.slug}/transfer",
        {"owner": "", "version": "1"},
    )
    assert refused.status_code == 422
    assert error_summary(refused)[0][0] == "#owner"
    await SearchOutbox.delete(force=True)
    moved = await post_form(
        client,
        f"/solutions/{solution.slug}/transfer",
        f"/solutions/{solution.slug}/transfer",
        {"owner": "glasgow-city", "version": "1"},
    )
    assert moved.status_code == 200
    assert text_of(moved, ".registry-notice") == "The solution now belongs to its new owner."
    view = await catalogue.get_solution(solution.slug)
    assert (view.owner.slug, view.version) == ("glasgow-city", 2)
    event = await AuditEvent.select().where(AuditEvent.action == "solution.transfer").first()
    assert event["organisation"] == glasgow["id"]
    history = await client.get(f"/solutions/{solution.slug}/history")
    assert "Fife Council → changed to Glasgow City Council" in text_of(history, "#history-events")
    stale = await post_form(
        client,
        f"/solutions/{solution.slug}/transfer",
        f"/solutions/{solution.slug}/transfer",
        {"owner": "fife", "version": "1"},
    )
    assert stale.status_code == 409
    assert (await catalogue.get_solution(solution.slug)).owner.slug == "glasgow-city"


async def test_the_solution_page_links_its_history_and_offers_curators_the_move(
    client, fife, fife_admin, curator
):
    solution = await make_solution("platform", owner=fife, title="Shared bins")
    path = f"/solutions/{solution.slug}"
    for person in (None, fife_admin, curator):
        if person:
            await sign_in(client, person.label)
        page = await client.get(path)
        history = html(page).css_first("#history-link").attributes["href"]
        assert history == f"{path}/history"
        assert (await client.get(history)).status_code == 200
        move = html(page).css_first("#transfer-link")
        if person is curator:
            assert move.attributes["href"] == f"{path}/transfer"
        else:
            assert move is None


async def test_transfer_is_for_curators_only_and_checks_what_it_is_given(fife, fife_admin, curator):
    solution = await make_solution("platform", owner=fife)
    with pytest.raises(PermissionDenied):
        await transfer_solution(fife_admin, solution.slug, "fife", 1)
    with pytest.raises(PermissionDenied):
        await transfer_solution(accounts.ANONYMOUS, "no-such-solution", "x", 1)
    for owner in ("fife", "no-such-council", "Not A Slug", "x" * 500):
        with pytest.raises(ValidationFailed) as refused:
            await transfer_solution(curator, solution.slug, owner, 1)
        assert "owner" in refused.value.fields
    await catalogue.retire_solution(SYSTEM, solution.slug, 1, "Replaced by a national service")
    with pytest.raises(Conflict):
        await transfer_solution(curator, solution.slug, "fife", 2)


async def test_the_account_page_lists_each_organisations_work_with_links(
    client, fife, fife_admin, glasgow
):
    draft = await catalogue.create_solution(
        SYSTEM, solution_data("component", "fife", status="draft", title="Fife draft tool")
    )
    other = await make_solution("platform", owner=glasgow, title="Glasgow platform")
    await collaboration.register_interest(fife_admin, other.slug, "fife", "exploring")
    await collaboration.record_adoption(fife_admin, other.slug, "fife", "live", None)
    member = await make_actor(fife, "member")

    await sign_in(client, fife_admin.label)
    page = await client.get("/account")
    section = html(page).css_first("#work-fife")
    links = {a.text(): a.attributes["href"] for a in section.css("a")}
    assert links["Edit Fife draft tool"] == f"/solutions/{draft.slug}/edit"
    assert links["Glasgow platform"] == f"/solutions/{other.slug}"
    assert links["Manage the members of Fife Council"] == "/organisations/fife/members"
    assert member.display_name in section.text()

    await client.post("/sign-out", data={"_csrf_token": csrf_token(page)})
    await sign_in(client, member.label)
    page = await client.get("/account")
    assert "Manage the members" not in html(page).css_first("#work-fife").text()
