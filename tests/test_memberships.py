"""Memberships: only an organisation's administrators manage them, and anyone else is refused
before the role or the person they named is looked at."""

from __future__ import annotations

import pytest

from registry import accounts, audit
from registry.errors import NotFound, PermissionDenied, ValidationFailed
from registry.tables import Membership
from tests.factories import make_actor


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
