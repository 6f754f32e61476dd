"""Memberships: only an organisation's administrators manage them, and anyone else is refused
before the role or the person they named is looked at."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib

import pytest

from registry import accounts, audit
from registry.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.tables import AuditEvent, Invitation, Membership, User
from tests.factories import PASSWORD, SYSTEM, make_actor


async def test_someone_without_the_role_is_refused_whatever_they_send(fife):
    member = await make_actor(fife, "member")
    stranger = await make_actor()
    for role, email in [
        ("emperor", stranger.label),
        ("member", "nobody@example.gov.uk"),
        ("org_admin", stranger.label),
    ]:
        with pytest.raises(PermissionDenied, match="not a member of Fife Council"):
            await accounts.add_member(member, email, "fife", role)
    assert await Membership.count() == 1


async def test_an_administrator_adds_a_member_changes_their_role_and_is_told_of_mistakes(fife):
    admin = await make_actor(fife, "org_admin")
    newcomer = await make_actor()

    added = await accounts.add_member(admin, newcomer.label, "fife", "member")
    await accounts.add_member(admin, newcomer.label, "fife", "procurement")
    again = await accounts.add_member(admin, newcomer.label, "fife", "procurement")

    assert added == {"email": newcomer.label, "organisation": "fife", "role": "member"}
    assert again["role"] == "procurement"
    row = await Membership.select().where(Membership.user == newcomer.user_id).first()
    events = await audit.events_for("membership", row["id"])
    assert [(e["before"], e["after"]["role"]) for e in reversed(events)] == [
        (None, "member"),
        ({"role": "member"}, "procurement"),
    ]
    with pytest.raises(ValidationFailed):
        await accounts.add_member(admin, newcomer.label, "fife", "emperor")
    with pytest.raises(NotFound):
        await accounts.add_member(admin, "nobody@example.gov.uk", "fife", "member")


# -- the members page's services ------------------------------------------------------------------


async def _roles(organisation: dict) -> dict[str, str]:
    rows = await Membership.select(Membership.user.email.as_alias("email"), Membership.role).where(
        Membership.organisation == organisation["id"]
    )
    return {row["email"]: row["role"] for row in rows}


async def _actions(organisation: dict) -> list[str]:
    rows = (
        await AuditEvent.select(AuditEvent.action)
        .where(AuditEvent.organisation == organisation["id"])
        .order_by(AuditEvent.id)
    )
    return [row["action"] for row in rows]


async def test_an_administrator_adds_someone_with_an_account_as_a_member_at_once(fife, fife_admin):
    newcomer = await make_actor()

    added = await accounts.add_person(fife_admin, "fife", newcomer.label.upper(), "procurement")

    assert (added.outcome, added.invitation) == ("member", None)
    assert (await _roles(fife))[newcomer.label] == "procurement"
    assert await Invitation.count() == 0
    with pytest.raises(ValidationFailed) as refused:
        await accounts.add_person(fife_admin, "fife", newcomer.label, "member")
    assert "already a member of Fife Council" in refused.value.fields["email"]
    assert (await _roles(fife))[newcomer.label] == "procurement"


async def test_a_new_address_gets_an_invitation_used_once_that_makes_the_account(fife, fife_admin):
    added = await accounts.add_person(fife_admin, "fife", "new.officer@fife.gov.uk", "member")

    assert added.outcome == "invited"
    token = added.invitation.token
    stored = await Invitation.select().first()
    assert token not in stored.values()  # only its hash is kept
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    lifetime = stored["expires_at"] - stored["created_at"]
    assert lifetime == dt.timedelta(days=7)
    seen = await accounts.invitation_for_token(token)
    assert (seen.organisation_name, seen.email, seen.role) == (
        "Fife Council",
        "new.officer@fife.gov.uk",
        "member",
    )
    listed = await accounts.organisation_members(fife_admin, "fife")
    assert [i.email for i in listed.invitations] == ["new.officer@fife.gov.uk"]

    with pytest.raises(ValidationFailed) as refused:
        await accounts.accept_invitation(token, "", "short")
    assert set(refused.value.fields) == {"display_name", "password"}
    assert await User.count().where(User.email == "new.officer@fife.gov.uk") == 0

    email = await accounts.accept_invitation(token, "Nina Officer", PASSWORD)

    assert email == "new.officer@fife.gov.uk"
    assert (await _roles(fife))[email] == "member"
    assert await accounts.authenticate(email, PASSWORD, allow_demo=False) is not None
    with pytest.raises(Conflict, match="already been used"):
        await accounts.accept_invitation(token, "Someone Else", PASSWORD + "x")
    with pytest.raises(Conflict):
        await accounts.invitation_for_token(token)
    assert await User.count().where(User.email == email) == 1
    assert (await accounts.organisation_members(fife_admin, "fife")).invitations == ()
    assert await _actions(fife) == ["membership.add", "invitation.create", "invitation.accept"]
    accepted = await AuditEvent.select().where(AuditEvent.action == "invitation.accept").first()
    assert accepted["actor_label"] == email


async def test_an_invitation_expires_after_seven_days_and_a_newer_one_replaces_it(fife, fife_admin):
    first = await accounts.add_person(fife_admin, "fife", "late@fife.gov.uk", "member")
    second = await accounts.add_person(fife_admin, "fife", "late@fife.gov.uk", "org_admin")
    with pytest.raises(Conflict, match="withdrawn or replaced"):
        await accounts.accept_invitation(first.invitation.token, "Late Comer", PASSWORD)

    eight_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    await Invitation.update({Invitation.expires_at: eight_days_ago + dt.timedelta(days=7)}).where(
        Invitation.cancelled_at.is_null()
    )
    with pytest.raises(Conflict, match="expired"):
        await accounts.accept_invitation(second.invitation.token, "Late Comer", PASSWORD)
    for token in ("", "x" * 500, "not-a-token"):
        with pytest.raises(NotFound, match="not valid"):
            await accounts.accept_invitation(token, "Late Comer", PASSWORD)
    assert await User.count().where(User.email == "late@fife.gov.uk") == 0


async def test_an_administrator_withdraws_an_invitation_and_its_link_stops_working(
    fife, fife_admin
):
    added = await accounts.add_person(fife_admin, "fife", "maybe@fife.gov.uk", "member")
    invitation = (await accounts.organisation_members(fife_admin, "fife")).invitations[0]

    await accounts.cancel_invitation(fife_admin, "fife", invitation.id)

    with pytest.raises(Conflict):
        await accounts.accept_invitation(added.invitation.token, "Maybe", PASSWORD)
    with pytest.raises(NotFound):
        await accounts.cancel_invitation(fife_admin, "fife", invitation.id)


async def test_roles_change_and_members_leave_but_the_last_administrator_stays(fife, fife_admin):
    officer = await make_actor(fife, "member")

    await accounts.change_role(fife_admin, "fife", officer.label, "org_admin")
    await accounts.change_role(fife_admin, "fife", fife_admin.label, "member")  # no longer last
    assert await _roles(fife) == {officer.label: "org_admin", fife_admin.label: "member"}
    officer = await accounts.load_actor(officer.user_id)  # now acting as an administrator

    with pytest.raises(Conflict, match="only administrator of Fife Council"):
        await accounts.change_role(officer, "fife", officer.label, "procurement")
    with pytest.raises(Conflict, match="only administrator of Fife Council"):
        await accounts.remove_member(officer, "fife", officer.label)
    await accounts.remove_member(officer, "fife", fife_admin.label)
    assert await _roles(fife) == {officer.label: "org_admin"}
    with pytest.raises(NotFound):
        await accounts.remove_member(officer, "fife", fife_admin.label)
    with pytest.raises(ValidationFailed):
        await accounts.change_role(officer, "fife", officer.label, "emperor")
    with pytest.raises(Conflict):  # the command is held to the same rule
        await accounts.add_member(SYSTEM, officer.label, "fife", "member")
    assert await _actions(fife) == [
        "membership.add",
        "membership.add",
        "membership.role",
        "membership.role",
        "membership.remove",
    ]
    removed = (
        await AuditEvent.select()
        .where(AuditEvent.action == "membership.remove")
        .first()
        .output(load_json=True)
    )
    assert removed["before"] == {"user": fife_admin.label, "role": "member"}


async def test_two_administrators_demoting_each_other_at_once_leave_one_administrator(
    fife, fife_admin
):
    other = await make_actor(fife, "org_admin")
    for _ in range(3):
        outcomes = await asyncio.gather(
            accounts.change_role(fife_admin, "fife", other.label, "member"),
            accounts.remove_member(other, "fife", fife_admin.label),
            return_exceptions=True,
        )
        refused = [o for o in outcomes if isinstance(o, Exception)]
        assert [type(o) for o in refused] == [Conflict], outcomes
        roles = await _roles(fife)
        assert list(roles.values()).count("org_admin") == 1
        # put both back as administrators for the next round
        for email in (fife_admin.label, other.label):
            await accounts.add_member(SYSTEM, email, "fife", "org_admin")


async def test_curators_manage_any_organisations_members(fife, fife_admin, curator):
    newcomer = await make_actor()

    await accounts.add_person(curator, "fife", newcomer.label, "member")
    await accounts.change_role(curator, "fife", newcomer.label, "org_admin")
    await accounts.remove_member(curator, "fife", fife_admin.label)

    assert await _roles(fife) == {newcomer.label: "org_admin"}
    events = await AuditEvent.select().where(AuditEvent.organisation == fife["id"])
    assert {e["actor_label"] for e in events[-3:]} == {curator.label}


async def test_members_and_strangers_reach_none_of_it_and_nothing_changes(
    fife, fife_admin, glasgow_officer
):
    member = await make_actor(fife, "member")
    added = await accounts.add_person(fife_admin, "fife", "pending@fife.gov.uk", "member")
    invitation = (await accounts.organisation_members(fife_admin, "fife")).invitations[0]
    before = (await _roles(fife), await Invitation.count(), await AuditEvent.count())

    for actor in (member, glasgow_officer, accounts.ANONYMOUS):
        for attempt in (
            lambda a: accounts.organisation_members(a, "fife"),
            lambda a: accounts.add_person(a, "fife", "x@example.gov.uk", "org_admin"),
            lambda a: accounts.add_person(a, "fife", "not an address", "emperor"),
            lambda a: accounts.change_role(a, "fife", member.label, "org_admin"),
            lambda a: accounts.change_role(a, "fife", fife_admin.label, "member"),
            lambda a: accounts.remove_member(a, "fife", fife_admin.label),
            lambda a: accounts.cancel_invitation(a, "fife", invitation.id),
        ):
            with pytest.raises(PermissionDenied):
                await attempt(actor)

    assert (await _roles(fife), await Invitation.count(), await AuditEvent.count()) == before
    assert (await accounts.invitation_for_token(added.invitation.token)).email
