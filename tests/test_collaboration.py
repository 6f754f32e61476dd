"""Interest, pledges and adoption: one active row per council, only for one's own council,
idempotent under concurrency, with history kept when something is withdrawn."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from registry import audit, catalogue, collaboration
from registry.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.tables import Adoption, AuditEvent, Interest, SearchOutbox, Sponsorship
from tests.factories import make_actor, make_solution


@pytest.fixture
async def platform(fife):
    return await make_solution("platform", fife, title="Digital telecare hub")


def active_interest(solution, organisation):
    return (
        (Interest.solution == solution.id)
        & (Interest.organisation == organisation["id"])
        & Interest.withdrawn_at.is_null()
    )


async def test_registering_again_changes_the_level_of_the_one_active_interest(
    glasgow, glasgow_officer, platform
):
    await collaboration.register_interest(
        glasgow_officer, platform.slug, "glasgow-city", "following"
    )
    await collaboration.register_interest(
        glasgow_officer, platform.slug, "glasgow-city", "exploring"
    )
    again = await collaboration.register_interest(
        glasgow_officer, platform.slug, "glasgow-city", "exploring"
    )

    assert again["level"] == "exploring"
    assert await Interest.count().where(active_interest(platform, glasgow)) == 1
    events = [
        e
        for e in await audit.events_for("solution", platform.id)
        if e["action"] == "interest.register"
    ]
    assert [(e["before"], e["after"]["level"]) for e in events] == [
        ({"level": "following"}, "exploring"),
        (None, "following"),
    ]


@pytest.mark.parametrize("concurrent", [12])
async def test_simultaneous_registrations_leave_exactly_one_active_interest(
    glasgow, glasgow_officer, platform, concurrent
):
    levels = itertools.islice(
        itertools.cycle(["following", "exploring", "intends_to_adopt"]), concurrent
    )
    results = await asyncio.gather(
        *(
            collaboration.register_interest(glasgow_officer, platform.slug, "glasgow-city", level)
            for level in levels
        ),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert await Interest.count().where(active_interest(platform, glasgow)) == 1
    assert await Interest.count() == 1


async def test_simultaneous_pledges_leave_exactly_one_active_pledge(
    glasgow, glasgow_officer, platform
):
    results = await asyncio.gather(
        *(
            collaboration.pledge(
                glasgow_officer, platform.slug, "glasgow-city", amount_pence=1000 * n, staff_days=n
            )
            for n in range(1, 11)
        ),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert await Sponsorship.count().where(Sponsorship.status != "withdrawn") == 1


async def test_withdrawing_keeps_the_row_and_registering_afterwards_starts_a_new_one(
    glasgow, glasgow_officer, platform
):
    await collaboration.register_interest(
        glasgow_officer, platform.slug, "glasgow-city", "exploring"
    )
    await collaboration.withdraw_interest(glasgow_officer, platform.slug, "glasgow-city")
    assert await Interest.count().where(active_interest(platform, glasgow)) == 0
    assert await Interest.count() == 1

    with pytest.raises(NotFound, match="has no interest"):
        await collaboration.withdraw_interest(glasgow_officer, platform.slug, "glasgow-city")

    await collaboration.register_interest(
        glasgow_officer, platform.slug, "glasgow-city", "following"
    )
    assert await Interest.count() == 2
    assert await Interest.count().where(active_interest(platform, glasgow)) == 1


ACTIONS_FOR_ANOTHER_COUNCIL = {
    "register interest": lambda a, s: collaboration.register_interest(a, s, "fife", "exploring"),
    "withdraw interest": lambda a, s: collaboration.withdraw_interest(a, s, "fife"),
    "pledge": lambda a, s: collaboration.pledge(a, s, "fife", amount_pence=500),
    "withdraw pledge": lambda a, s: collaboration.withdraw_pledge(a, s, "fife"),
    "confirm pledge": lambda a, s: collaboration.confirm_pledge(a, s, "fife"),
    "record adoption": lambda a, s: collaboration.record_adoption(a, s, "fife", "live"),
}


@pytest.mark.parametrize("action", ACTIONS_FOR_ANOTHER_COUNCIL)
async def test_no_one_acts_for_a_council_they_do_not_belong_to(
    fife, glasgow_officer, platform, action
):
    fife_officer = await make_actor(fife, "org_admin")
    await collaboration.register_interest(fife_officer, platform.slug, "fife", "following")
    await collaboration.pledge(fife_officer, platform.slug, "fife", amount_pence=100)
    before = [await t.count() for t in (Interest, Sponsorship, Adoption, AuditEvent, SearchOutbox)]

    with pytest.raises(PermissionDenied, match="not a member of Fife Council"):
        await ACTIONS_FOR_ANOTHER_COUNCIL[action](glasgow_officer, platform.slug)

    after = [await t.count() for t in (Interest, Sponsorship, Adoption, AuditEvent, SearchOutbox)]
    assert after == before
    interest = await Interest.select().where(Interest.organisation == fife["id"]).first()
    assert (interest["level"], interest["withdrawn_at"]) == ("following", None)


async def test_the_digital_office_cannot_act_for_a_council_either(platform):
    curator = await make_actor(None, digital_office=True)
    with pytest.raises(PermissionDenied):
        await collaboration.register_interest(curator, platform.slug, "fife", "exploring")


PLEDGE_PROBLEMS = [
    ({"amount_pence": -1}, "amount_pence", "Amount must not be negative"),
    ({"amount_pence": 12.5}, "amount_pence", "Amount must be a whole number of pence"),
    ({"amount_pence": "1e3"}, "amount_pence", "Amount must be a whole number of pence"),
    ({"amount_pence": True}, "amount_pence", "Amount must be a whole number of pence"),
    ({"amount_pence": 10**10 + 1}, "amount_pence", "Amount must be £100,000,000 or less"),
    ({"staff_days": -2}, "staff_days", "Staff days must be between 0 and 10,000"),
    ({"staff_days": 1.5}, "staff_days", "Staff days must be a whole number"),
    (
        {"amount_pence": 0, "staff_days": 0},
        "amount_pence",
        "Enter an amount of money, a number of staff days, or both",
    ),
]


@pytest.mark.parametrize(("pledge", "field", "message"), PLEDGE_PROBLEMS)
async def test_a_pledge_must_be_whole_non_negative_pence_or_staff_days(
    glasgow_officer, platform, pledge, field, message
):
    with pytest.raises(ValidationFailed) as refused:
        await collaboration.pledge(glasgow_officer, platform.slug, "glasgow-city", **pledge)
    assert refused.value.fields[field] == message
    assert await Sponsorship.count() == 0


async def test_pledge_totals_follow_pledges_confirmations_and_withdrawals(
    glasgow, fife, glasgow_officer, platform
):
    fife_admin = await make_actor(fife, "org_admin")
    await collaboration.pledge(glasgow_officer, platform.slug, "glasgow-city", amount_pence=250_000)
    await collaboration.pledge(
        fife_admin, platform.slug, "fife", amount_pence=100_000, staff_days=5
    )
    await collaboration.confirm_pledge(fife_admin, platform.slug, "fife")
    with pytest.raises(PermissionDenied):  # confirming money needs an organisation admin
        await collaboration.confirm_pledge(glasgow_officer, platform.slug, "glasgow-city")

    activity = await catalogue.solution_activity(platform.id)
    assert (activity.pledged_pence, activity.confirmed_pence, activity.staff_days) == (
        350_000,
        100_000,
        5,
    )

    await collaboration.pledge(
        fife_admin, platform.slug, "fife", amount_pence=120_000, staff_days=5
    )
    activity = await catalogue.solution_activity(platform.id)
    assert activity.confirmed_pence == 0  # a changed amount needs confirming again

    await collaboration.withdraw_pledge(glasgow_officer, platform.slug, "glasgow-city")
    activity = await catalogue.solution_activity(platform.id)
    assert activity.pledged_pence == 120_000
    assert await Sponsorship.count() == 2  # withdrawn pledges are kept


async def test_adoption_is_one_row_per_council_updated_over_time(
    glasgow, glasgow_officer, platform
):
    await collaboration.record_adoption(
        glasgow_officer, platform.slug, "glasgow-city", "planned", "2026-04-01"
    )
    await collaboration.record_adoption(
        glasgow_officer, platform.slug, "glasgow-city", "live", "2026-09-01"
    )
    rows = await Adoption.select()
    assert [(r["status"], str(r["status_on"])) for r in rows] == [("live", "2026-09-01")]
    activity = await catalogue.solution_activity(platform.id)
    assert activity.councils_live == 1
    with pytest.raises(ValidationFailed) as refused:
        await collaboration.record_adoption(glasgow_officer, platform.slug, "glasgow-city", "using")
    assert refused.value.fields["status"].startswith("Adoption status must be one of")


async def test_retired_and_draft_solutions_take_no_new_interest_or_pledges(fife, glasgow_officer):
    admin = await make_actor(fife, "org_admin")
    retired = await make_solution("platform", fife)
    await catalogue.retire_solution(admin, retired.slug, 1, "No longer offered")
    with pytest.raises(Conflict, match="retired"):
        await collaboration.register_interest(
            glasgow_officer, retired.slug, "glasgow-city", "exploring"
        )
    with pytest.raises(Conflict, match="retired"):
        await collaboration.pledge(glasgow_officer, retired.slug, "glasgow-city", amount_pence=1)
    # recording that its use has ended is still allowed
    await collaboration.record_adoption(glasgow_officer, retired.slug, "glasgow-city", "retired")

    draft = await make_solution("platform", fife, status="draft")
    with pytest.raises(NotFound):  # a draft does not exist for other councils
        await collaboration.register_interest(
            glasgow_officer, draft.slug, "glasgow-city", "following"
        )


async def test_an_unknown_level_is_refused(glasgow_officer, platform):
    with pytest.raises(ValidationFailed) as refused:
        await collaboration.register_interest(
            glasgow_officer, platform.slug, "glasgow-city", "keen"
        )
    assert refused.value.fields == {
        "level": "Level of interest must be one of: following, exploring, intends_to_adopt"
    }


async def test_organisation_activity_lists_what_a_council_uses_wants_funds_and_owns(
    glasgow, glasgow_officer, platform
):
    owned = await make_solution("component", glasgow, title="Glasgow forms library")
    await collaboration.register_interest(
        glasgow_officer, platform.slug, "glasgow-city", "exploring"
    )
    await collaboration.pledge(glasgow_officer, platform.slug, "glasgow-city", staff_days=3)
    await collaboration.record_adoption(glasgow_officer, owned.slug, "glasgow-city", "live")
    activity = await catalogue.organisation_activity(glasgow["id"])
    assert [r.slug for r in activity.owns] == [owned.slug]
    assert [r.solution.slug for r in activity.uses] == [owned.slug]
    assert [(r.solution.slug, r.level) for r in activity.interests] == [
        (platform.slug, "exploring")
    ]
    assert [(r.solution.slug, r.staff_days) for r in activity.pledges] == [(platform.slug, 3)]


# -- signals that stay true -----------------------------------------------------------------


async def test_recording_use_as_live_ends_the_same_organisations_interest_and_says_so(
    glasgow, fife, glasgow_officer, fife_admin, platform
):
    await collaboration.register_interest(
        glasgow_officer, platform.slug, "glasgow-city", "intends_to_adopt"
    )
    await collaboration.register_interest(fife_admin, platform.slug, "fife", "exploring")
    planned = await collaboration.record_adoption(
        glasgow_officer, platform.slug, "glasgow-city", "planned"
    )
    assert planned["sentence"] == "Glasgow City Council plans to use Digital telecare hub."
    assert await Interest.count().where(active_interest(platform, glasgow)) == 1

    live = await collaboration.record_adoption(
        glasgow_officer, platform.slug, "glasgow-city", "live", "2026-04-01"
    )
    assert live["sentence"] == (
        "Glasgow City Council now uses Digital telecare hub. Its interest (intends to adopt it) "
        "has ended, because an organisation using a solution is no longer demand for it."
    )
    assert await Interest.count().where(active_interest(platform, glasgow)) == 0
    assert await Interest.count().where(active_interest(platform, fife)) == 1  # not another's
    activity = await catalogue.solution_activity(platform.id)
    assert [i.organisation.slug for i in activity.interests] == ["fife"]
    event = (await audit.events_for("solution", platform.id))[0]
    assert event["action"] == "adoption.record"
    assert event["after"]["interest_ended"] == "intends_to_adopt"

    with pytest.raises(Conflict, match="already uses"):
        await collaboration.register_interest(
            glasgow_officer, platform.slug, "glasgow-city", "exploring"
        )
    assert await Interest.count().where(active_interest(platform, glasgow)) == 0


async def test_changing_a_pledge_names_the_old_and_the_new_amounts(
    glasgow, glasgow_officer, platform
):
    first = await collaboration.pledge(
        glasgow_officer, platform.slug, "glasgow-city", amount_pence=1_250_000, staff_days=5
    )
    assert first["sentence"] == (
        "Glasgow City Council has pledged £12,500 and 5 days to Digital telecare hub."
    )
    changed = await collaboration.pledge(
        glasgow_officer, platform.slug, "glasgow-city", amount_pence=100_000, staff_days=5
    )
    assert changed["sentence"] == (
        "Glasgow City Council's pledge to Digital telecare hub changed from £12,500 and 5 days "
        "to £1,000 and 5 days."
    )
    same = await collaboration.pledge(
        glasgow_officer, platform.slug, "glasgow-city", amount_pence=100_000, staff_days=5
    )
    assert same["sentence"] == (
        "Glasgow City Council's pledge to Digital telecare hub is unchanged at £1,000 and 5 days."
    )


# -- the grammar of every sentence the registry writes ---------------------------------------


def every_sentence() -> list[str]:
    from registry.catalogue import sentences as say
    from registry.vocabulary import ADOPTION_STATUSES, INTEREST_LEVELS

    org, title = "Glasgow City Council", "myjobscotland"
    said = [say.interest_now(org, level) for level in INTEREST_LEVELS]
    said += [say.interest_registered(org, title, level) for level in INTEREST_LEVELS]
    said += [say.adoption_now(org, status) for status in ADOPTION_STATUSES]
    said += [
        say.adoption_recorded(org, title, status, ended)
        for status in ADOPTION_STATUSES
        for ended in ("", *INTEREST_LEVELS)
    ]
    for pence, days in ((1_250_000, 5), (1_250_050, 0), (0, 1), (100, 2)):
        said += [
            say.pledge_now(org, pence, days, "pledged"),
            say.pledge_now(org, pence, days, "confirmed"),
            say.pledge_recorded(org, title, pence, days),
            say.pledge_recorded(org, title, pence, days, (500_000, 3), unconfirmed=True),
            say.change_pledge_label(pence, days) + ".",
        ]
    said += [
        say.interest_withdrawn(org, title),
        say.pledge_withdrawn(org, title),
        say.pledge_confirmed(org, title),
        say.solution_created(title, org),
        say.solution_saved(title),
        say.solution_published(title),
        say.solution_retired(title),
        say.supply_linked(title, "Recruitment framework", "Lot 2"),
        say.supply_unlinked(title, "Recruitment framework"),
    ]
    return said


def test_every_generated_sentence_is_grammatical():
    from registry.catalogue import sentences as say

    said = every_sentence()
    # Each level and status reads as a verb phrase after the organisation's name.
    assert say.interest_now("Fife Council", "intends_to_adopt") == (
        "Fife Council intends to adopt it."
    )
    assert say.interest_registered("Fife Council", "SEEMiS", "exploring") == (
        "Fife Council is now exploring SEEMiS."
    )
    assert (
        say.change_pledge_label(1_250_000, 5) == "Change your pledge (currently £12,500 and 5 days)"
    )
    assert say.amounts(0, 1) == "1 day"
    for sentence in said:
        # A sentence starts with a capital, unless with a name written in lower case.
        assert sentence[0].isupper() or sentence.startswith("myjobscotland"), sentence
        assert sentence.endswith("."), sentence
        assert ".." not in sentence, sentence
        assert "  " not in sentence, sentence
        # No two verbs where one belongs ("is currently intends to adopt", "is now intends").
        for wrong in (
            "is intends",
            "is currently intends",
            "is now intends",
            "is now is",
            "now now",
            " 1 days",
            " 1 staff days",
            "has pledged nothing",
            "_",
        ):
            assert wrong not in sentence, sentence
