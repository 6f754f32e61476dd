"""Programmes: progress computed from the registry's own data or from recorded figures with
their history, the rating rule, the statuses (closed needs a reason; nothing is overdue once a
programme has ended), and only Digital Office curators change them, each change audited."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import catalogue, collaboration, programmes
from registry.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.programmes.progress import judge, percent_of
from registry.tables import AuditEvent, Figure, Milestone, Programme, ProgrammeSolution
from tests.factories import SYSTEM, make_actor, make_org, make_solution
from tests.web import text_of

TODAY = dt.date.today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


async def new_programme(slug: str, status: str = "active", owner: str = "digital-office", **more):
    return await programmes.save_programme(
        SYSTEM,
        {"slug": slug, "title": slug.replace("-", " ").title(), "summary": "S.", "status": status}
        | more,
        owner,
    )


async def recorded(programme: str, slug: str = "boxes", target: int = 1000, due: str | None = None):
    return await programmes.save_milestone(
        SYSTEM,
        programme,
        {
            "slug": slug,
            "title": "Boxes deployed",
            "metric": "recorded",
            "target_value": target,
            "target_unit": "boxes",
            "due_on": due,
        },
    )


async def milestone(programme: str, slug: str = "boxes", today: dt.date | None = None):
    view = await programmes.get_programme(programme, today=today)
    return next(m for m in view.milestones if m.slug == slug)


async def last_event() -> dict:
    return (
        await AuditEvent.select()
        .order_by(AuditEvent.id, ascending=False)
        .first()
        .output(load_json=True)
    )


async def everything() -> dict[str, int]:
    """How many rows of each programme table and audit events there are."""
    return {
        table.__name__: await table.count()
        for table in (Programme, ProgrammeSolution, Milestone, Figure, AuditEvent)
    }


@pytest.fixture
async def federation(digital_office):
    solution = await make_solution("platform", digital_office, title="Microsoft 365 federation")
    await new_programme("m365", title="Microsoft 365 federation")
    await programmes.link_solutions(SYSTEM, "m365", [solution.slug])
    await programmes.save_milestone(
        SYSTEM,
        "m365",
        {
            "slug": "half",
            "title": "Half of councils federated",
            "metric": "councils_live",
            "solution": solution.slug,
            "target_value": 16,
            "target_unit": "councils",
            "due_on": "2021-12-31",
        },
    )
    return solution


# -- progress ----------------------------------------------------------------------------------


async def test_computed_progress_counts_councils_live_on_the_linked_solution(federation):
    councils = [await make_org(kind="council") for _ in range(4)]
    partner = await make_org(kind="partner")
    for organisation in [*councils[:3], partner]:
        await collaboration.record_adoption(SYSTEM, federation.slug, organisation["slug"], "live")
    await collaboration.record_adoption(SYSTEM, federation.slug, councils[3]["slug"], "planned")

    progress = (await milestone("m365", "half")).progress
    assert (progress.current, progress.target, progress.percent) == (3, 16, 19)
    assert progress.met is False
    assert progress.overdue is True  # due at the end of 2021, not met, programme still active
    assert (progress.state, progress.rag) == ("overdue", "red")


async def test_every_computation_counts_councils_only_from_the_registry(federation):
    councils = [await make_org(kind="council") for _ in range(5)]
    partner = await make_org(kind="partner")
    slug = federation.slug
    await collaboration.record_adoption(SYSTEM, slug, councils[0]["slug"], "live")
    await collaboration.record_adoption(SYSTEM, slug, councils[1]["slug"], "retired")
    await collaboration.record_adoption(SYSTEM, slug, councils[2]["slug"], "planned")
    await collaboration.register_interest(SYSTEM, slug, councils[2]["slug"], "following")
    await collaboration.register_interest(SYSTEM, slug, councils[3]["slug"], "exploring")
    await collaboration.register_interest(SYSTEM, slug, councils[4]["slug"], "intends_to_adopt")
    await collaboration.register_interest(SYSTEM, slug, partner["slug"], "intends_to_adopt")
    await collaboration.pledge(SYSTEM, slug, councils[0]["slug"], amount_pence=5000, staff_days=3)
    await collaboration.pledge(SYSTEM, slug, partner["slug"], amount_pence=700, staff_days=0)
    expected = {
        "councils_live": 1,
        "councils_adopted": 2,
        "councils_planned": 1,
        "councils_interested": 3,
        "councils_exploring": 2,
        "councils_intending": 1,
        "councils_pledged": 1,
        "sponsorship_pence": 5700,
        "sponsorship_confirmed_pence": 0,
        "sponsorship_staff_days": 3,
    }
    for metric in expected:
        await programmes.save_milestone(
            SYSTEM,
            "m365",
            {
                "slug": metric.replace("_", "-"),
                "title": metric,
                "metric": metric,
                "solution": slug,
                "target_value": 1,
            },
        )
    view = await programmes.get_programme("m365")
    found = {m.metric: m.progress.current for m in view.milestones if m.metric in expected}
    assert found == expected


async def test_recorded_figures_keep_their_history_and_the_latest_dated_counts(digital_office):
    await new_programme("telecare")
    await recorded("telecare")
    shown = await milestone("telecare")
    assert shown.progress.current is None
    assert shown.progress.note == "No figure has been recorded yet"
    assert shown.figures == ()

    curator = await make_actor(None, digital_office=True)
    await programmes.record_figure(
        curator,
        "telecare",
        "boxes",
        {"value": "1200", "as_of": "2021-06-30", "source": "Telecare return, June 2021"},
    )
    await programmes.record_figure(
        SYSTEM,
        "telecare",
        "boxes",
        {
            "value": 400,
            "as_of": "2020-06-30",
            "source": "Telecare return, June 2020",
            "source_url": "https://example.org/telecare-2020",
        },
    )
    shown = await milestone("telecare")
    assert [(f.value, f.as_of) for f in shown.figures] == [
        (400, dt.date(2020, 6, 30)),
        (1200, dt.date(2021, 6, 30)),
    ]
    assert shown.figures[0].source_url == "https://example.org/telecare-2020"
    assert shown.figures[1].recorded_by == curator.display_name
    assert [f.percent for f in shown.figures] == [40, 100]
    assert shown.progress.current == 1200
    assert shown.progress.as_of == dt.date(2021, 6, 30)
    assert shown.progress.met is True

    chart = programmes.history_chart(shown)
    assert chart is not None
    assert [p.value for p in chart.points] == [400, 1200]
    assert chart.points[0].x < chart.points[1].x
    assert chart.points[0].y > chart.points[1].y
    assert chart.summary.startswith("2 figures recorded for Boxes deployed: 400 on 30 June 2020")


async def test_a_figure_is_refused_with_its_reasons_and_nothing_is_recorded(digital_office):
    await new_programme("telecare")
    await recorded("telecare")
    before = await everything()
    with pytest.raises(ValidationFailed) as refused:
        await programmes.record_figure(
            SYSTEM,
            "telecare",
            "boxes",
            {"value": "lots", "as_of": days(3), "source": "", "source_url": "javascript:x"},
        )
    assert set(refused.value.fields) == {"value", "as_of", "source", "source_url"}
    assert refused.value.fields["as_of"] == "Date the figure applies to must not be in the future"
    assert await everything() == before


async def test_a_computed_milestone_takes_no_figures_and_counts_from_a_linked_solution(federation):
    with pytest.raises(ValidationFailed) as refused:
        await programmes.record_figure(
            SYSTEM, "m365", "half", {"value": 3, "as_of": "2021-01-01", "source": "A return"}
        )
    assert "computed from the registry" in refused.value.fields["value"]
    elsewhere = await make_solution("platform", title="Not in the programme")
    with pytest.raises(ValidationFailed) as refused:
        await programmes.add_milestone(
            SYSTEM,
            "m365",
            {
                "title": "Live elsewhere",
                "metric": "councils_live",
                "solution": elsewhere.slug,
                "target_value": 2,
            },
        )
    assert refused.value.fields["solution"].startswith("Link the solution to the programme")
    with pytest.raises(ValidationFailed) as refused:
        await programmes.add_milestone(
            SYSTEM, "m365", {"title": "Counted", "metric": "councils_live", "target_value": 2}
        )
    assert "solution" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        await programmes.add_milestone(
            SYSTEM, "m365", {"title": "Counted by hand", "metric": "recorded", "target_value": 2}
        )
    assert refused.value.fields == {
        "target_unit": "Enter the unit the figure counts, like boxes or councils"
    }


async def test_status_reached_is_met_once_the_solution_gets_there(db):
    owner = await make_org("scotland-excel", kind="national_body")
    framework = await make_solution("procurement", owner, status="tendering")
    await new_programme("rpa", owner="scotland-excel")
    await programmes.link_solutions(SYSTEM, "rpa", [framework.slug])
    await programmes.save_milestone(
        SYSTEM,
        "rpa",
        {
            "slug": "framework",
            "title": "Framework awarded",
            "metric": "status_reached",
            "solution": framework.slug,
            "target_status": "awarded",
        },
    )
    assert (await milestone("rpa", "framework")).progress.met is False
    await catalogue.update_solution(SYSTEM, framework.slug, {"status": "expired"}, 1)
    assert (await milestone("rpa", "framework")).progress.met is True  # expired comes after


async def test_a_status_target_must_belong_to_the_solutions_kind(federation):
    with pytest.raises(ValidationFailed) as refused:
        await programmes.save_milestone(
            SYSTEM,
            "m365",
            {
                "slug": "x",
                "title": "Awarded",
                "metric": "status_reached",
                "solution": federation.slug,
                "target_status": "awarded",
            },
        )
    assert refused.value.fields["target_status"].startswith("Target status must be one of")


async def test_a_milestone_does_not_name_a_linked_solution_once_it_is_a_draft(digital_office):
    solution = await make_solution("platform", digital_office, title="Soon hidden")
    await new_programme("prog")
    await programmes.link_solutions(SYSTEM, "prog", [solution.slug])
    await programmes.save_milestone(
        SYSTEM,
        "prog",
        {
            "slug": "live",
            "title": "Live somewhere",
            "metric": "councils_live",
            "solution": solution.slug,
            "target_value": 2,
        },
    )
    from registry.tables import Solution

    await Solution.update({Solution.status: "draft"}).where(Solution.slug == solution.slug)
    shown = await milestone("prog", "live")
    assert shown.solution is None
    assert shown.progress.current == 0


@pytest.mark.parametrize(
    ("current", "target", "shown"),
    [(199, 200, 99), (200, 200, 100), (250, 200, 100), (3, 16, 19), (1, 1000, 0), (0, 5, 0)],
)
def test_a_percentage_says_100_only_when_the_target_is_met(current, target, shown):
    assert percent_of(current, target) == shown


# -- the rating rule ---------------------------------------------------------------------------


@pytest.mark.no_database
@pytest.mark.parametrize(
    ("met", "percent", "due_in", "status", "expected"),
    [
        (True, 100, -400, "active", ("met", "green")),
        (False, 0, 91, "active", ("on_track", "green")),
        (False, 75, 90, "active", ("at_risk", "amber")),
        (False, 74, 90, "active", ("behind", "red")),
        (False, None, 10, "planned", ("behind", "red")),
        (False, 99, -1, "active", ("overdue", "red")),
        (False, 99, 0, "active", ("at_risk", "amber")),
        (False, 10, None, "active", ("at_risk", "amber")),
        (False, 10, -1, "completed", ("not_recorded", None)),
        (False, 10, -1, "closed", ("not_recorded", None)),
        (True, 100, -1, "completed", ("met", None)),
    ],
)
def test_the_rating_rule(met, percent, due_in, status, expected):
    due = None if due_in is None else TODAY + dt.timedelta(days=due_in)
    assert judge(met=met, percent=percent, due_on=due, programme_status=status) == expected


async def test_a_programme_is_rated_as_its_worst_milestone_and_figures_move_it(digital_office):
    await new_programme("telecare")
    await recorded("telecare", "boxes", 1000, due=days(30))
    await recorded("telecare", "later", 10, due=days(400))
    view = await programmes.get_programme("telecare")
    assert [m.progress.rag for m in view.milestones] == ["red", "green"]
    assert view.rag == "red"

    figure = {"as_of": TODAY.isoformat(), "source": "Monthly return"}
    await programmes.record_figure(SYSTEM, "telecare", "boxes", {**figure, "value": 800})
    view = await programmes.get_programme("telecare")
    assert (view.milestones[0].progress.state, view.rag) == ("at_risk", "amber")

    await programmes.record_figure(SYSTEM, "telecare", "boxes", {**figure, "value": 1000})
    view = await programmes.get_programme("telecare")
    assert (view.milestones[0].progress.state, view.rag) == ("met", "green")


# -- statuses ----------------------------------------------------------------------------------


async def test_no_milestone_is_overdue_once_its_programme_is_completed_or_closed(digital_office):
    curator = await make_actor(None, digital_office=True)
    await new_programme("telecare")
    await recorded("telecare", "boxes", 1000, due="2021-12-31")
    await recorded("telecare", "short", 1000, due="2021-12-31")
    await programmes.record_figure(
        SYSTEM, "telecare", "short", {"value": 600, "as_of": "2022-01-31", "source": "Return"}
    )
    view = await programmes.get_programme("telecare")
    assert [m.progress.state for m in view.milestones] == ["overdue", "overdue"]

    for status, reason in (("completed", ""), ("closed", "Replaced by a national scheme")):
        row = await Programme.select(Programme.version).where(Programme.slug == "telecare").first()
        await programmes.update_programme(
            curator, "telecare", {"status": status, "closed_reason": reason}, row["version"]
        )
        view = await programmes.get_programme("telecare")
        assert view.rag is None
        assert [
            (m.progress.state, m.progress.rag, m.progress.overdue) for m in view.milestones
        ] == [
            ("not_recorded", None, False),  # nothing says how it ended
            ("not_met", None, False),  # a figure dated after the due date fell short
        ]


async def test_closing_a_programme_needs_a_reason(digital_office):
    curator = await make_actor(None, digital_office=True)
    await new_programme("telecare")
    before = await everything()
    with pytest.raises(ValidationFailed) as refused:
        await programmes.update_programme(curator, "telecare", {"status": "closed"}, 1)
    assert refused.value.fields == {
        "closed_reason": "Enter the reason the programme was closed early"
    }
    assert await everything() == before
    assert (await programmes.get_programme("telecare")).status == "active"

    await programmes.update_programme(
        curator, "telecare", {"status": "closed", "closed_reason": "Funding ended"}, 1
    )
    view = await programmes.get_programme("telecare")
    assert (view.status, view.closed_reason, view.version) == ("closed", "Funding ended", 2)
    event = await last_event()
    assert (event["action"], event["subject_type"], event["subject_slug"]) == (
        "programme.close",
        "programme",
        "telecare",
    )
    assert event["after"] == {"status": "closed", "closed_reason": "Funding ended"}

    await programmes.update_programme(curator, "telecare", {"status": "active"}, 2)
    assert (await programmes.get_programme("telecare")).closed_reason == ""  # reopened


async def test_an_edit_carries_the_version_it_read(digital_office):
    curator = await make_actor(None, digital_office=True)
    await new_programme("telecare")
    await programmes.update_programme(curator, "telecare", {"title": "Digital telecare"}, 1)
    before = await everything()
    with pytest.raises(Conflict) as refused:
        await programmes.update_programme(curator, "telecare", {"title": "Stale title"}, 1)
    assert "Someone else saved" in refused.value.message
    assert await everything() == before
    assert (await programmes.get_programme("telecare")).title == "Digital telecare"
    with pytest.raises(ValidationFailed) as refused:
        await programmes.update_programme(curator, "telecare", {"title": "No version"}, None)
    assert "version" in refused.value.fields


async def test_a_curator_transfers_a_programme_to_another_organisation(digital_office, fife):
    curator = await make_actor(None, digital_office=True)
    await new_programme("telecare")
    await programmes.update_programme(curator, "telecare", {"owner": "fife"}, 1)
    view = await programmes.get_programme("telecare")
    assert view.owner.slug == "fife"
    event = await last_event()
    assert event["action"] == "programme.transfer"
    assert (event["before"], event["after"]) == ({"owner": "digital-office"}, {"owner": "fife"})
    assert event["organisation"] == fife["id"]
    with pytest.raises(ValidationFailed) as refused:
        await programmes.update_programme(curator, "telecare", {"owner": "atlantis"}, 2)
    assert refused.value.fields == {"owner": "Owner must be an organisation in the registry"}


# -- who may change programmes -----------------------------------------------------------------


async def test_only_curators_change_programmes_and_a_refusal_changes_nothing(
    federation, glasgow_officer, fife_admin
):
    await recorded("m365", "boxes", 10)
    before = await everything()
    attempts = [
        lambda a: programmes.create_programme(
            a, {"title": "Mine", "summary": "S.", "status": "active", "owner": "fife"}
        ),
        lambda a: programmes.update_programme(a, "m365", {"title": "Taken over"}, 1),
        lambda a: programmes.update_programme(a, "m365", {"owner": "fife"}, 1),
        lambda a: programmes.link_solutions(a, "m365", [federation.slug]),
        lambda a: programmes.unlink_solution(a, "m365", federation.slug),
        lambda a: programmes.add_milestone(
            a,
            "m365",
            {"title": "More", "metric": "recorded", "target_value": 1, "target_unit": "x"},
        ),
        lambda a: programmes.update_milestone(a, "m365", "boxes", {"title": "Fewer"}, 1),
        lambda a: programmes.remove_milestone(a, "m365", "boxes", 1),
        lambda a: programmes.record_figure(
            a, "m365", "boxes", {"value": 9, "as_of": "2024-01-01", "source": "Me"}
        ),
        lambda a: programmes.programme_for_editing(a, "m365"),
    ]
    from registry.accounts import ANONYMOUS

    for actor in (glasgow_officer, fife_admin, ANONYMOUS):
        for attempt in attempts:
            with pytest.raises(PermissionDenied):
                await attempt(actor)
    assert await everything() == before


async def test_every_change_writes_its_audit_event(federation):
    curator = await make_actor(None, digital_office=True)
    other = await make_solution("component", title="Telecare data model")
    created = await programmes.create_programme(
        curator,
        {"title": "Telecare", "summary": "S.", "status": "planned", "owner": "digital-office"},
    )
    slug = created["slug"]
    assert slug == "telecare"
    await programmes.link_solutions(curator, slug, [other.slug])
    made = await programmes.add_milestone(
        curator,
        slug,
        {"title": "Boxes", "metric": "recorded", "target_value": 5, "target_unit": "boxes"},
    )
    await programmes.update_milestone(curator, slug, made["slug"], {"target_value": "6"}, 1)
    await programmes.record_figure(
        curator, slug, made["slug"], {"value": 2, "as_of": "2025-01-01", "source": "Return"}
    )
    await programmes.remove_milestone(curator, slug, made["slug"], 2)
    await programmes.unlink_solution(curator, slug, other.slug)
    events = (
        await AuditEvent.select()
        .where(AuditEvent.subject_slug == slug)
        .order_by(AuditEvent.id)
        .output(load_json=True)
    )
    assert [e["action"] for e in events] == [
        "programme.create",
        "programme.link",
        "milestone.create",
        "milestone.update",
        "milestone.figure",
        "milestone.remove",
        "programme.unlink",
    ]
    assert {(e["subject_type"], e["subject_id"], e["actor"]) for e in events} == {
        ("programme", created["id"], curator.user_id)
    }
    update = events[3]
    assert (update["before"], update["after"]) == (
        {"target_value": 5},
        {"milestone": "boxes", "target_value": 6},
    )
    removed = events[5]["before"]
    assert removed["milestone"] == "boxes"
    assert removed["figures"][0]["value"] == 2  # what was removed is kept in the history
    assert await Figure.count() == 0


async def test_a_solution_a_milestone_is_measured_on_cannot_be_unlinked(federation):
    with pytest.raises(Conflict, match="Half of councils federated"):
        await programmes.unlink_solution(SYSTEM, "m365", federation.slug)
    assert await ProgrammeSolution.count() == 1
    with pytest.raises(NotFound):
        await programmes.unlink_solution(SYSTEM, "m365", "not-linked")


async def test_a_milestone_with_figures_keeps_a_recorded_target(federation):
    await recorded("m365", "boxes", 10)
    await programmes.record_figure(
        SYSTEM, "m365", "boxes", {"value": 4, "as_of": "2024-01-01", "source": "Return"}
    )
    with pytest.raises(ValidationFailed) as refused:
        await programmes.update_milestone(
            SYSTEM, "m365", "boxes", {"metric": "councils_live", "solution": federation.slug}, 1
        )
    assert "recorded figures" in refused.value.fields["metric"]
    with pytest.raises(Conflict):
        await programmes.update_milestone(SYSTEM, "m365", "boxes", {"title": "Stale"}, 7)


# -- pages -------------------------------------------------------------------------------------


async def test_a_figure_one_short_of_its_target_is_not_shown_as_100_percent(digital_office, client):
    await new_programme("boxes", title="Telecare boxes")
    await recorded("boxes", "deployed", 200, due="2030-12-31")
    await programmes.record_figure(
        SYSTEM, "boxes", "deployed", {"value": 199, "as_of": "2026-11-01", "source": "Return"}
    )
    page = await client.get("/programmes/boxes")
    assert page.status_code == 200
    words = text_of(page, "main")
    assert "199 of 200 boxes (99%)" in words
    assert "100%" not in words
