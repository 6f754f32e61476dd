"""Programmes: progress computed from the registry's own data or from recorded figures, and
only the Digital Office changes them."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import collaboration, programmes
from registry.errors import PermissionDenied, ValidationFailed
from tests.factories import SYSTEM, make_actor, make_org, make_solution
from tests.web import text_of


@pytest.fixture
async def federation(digital_office):
    digital_office = digital_office
    solution = await make_solution("platform", digital_office, title="Microsoft 365 federation")
    await programmes.save_programme(
        SYSTEM,
        {
            "slug": "m365",
            "title": "Microsoft 365 federation",
            "summary": "Federate councils.",
            "status": "active",
        },
        "digital-office",
    )
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


async def test_computed_progress_counts_councils_live_on_the_linked_solution(federation):
    councils = [await make_org(kind="council") for _ in range(4)]
    partner = await make_org(kind="partner")
    for organisation in [*councils[:3], partner]:
        await collaboration.record_adoption(SYSTEM, federation.slug, organisation["slug"], "live")
    await collaboration.record_adoption(SYSTEM, federation.slug, councils[3]["slug"], "planned")

    [milestone] = (await programmes.get_programme("m365")).milestones
    progress = milestone.progress
    assert (progress.current, progress.target, progress.percent) == (3, 16, 19)
    assert progress.met is False
    assert progress.overdue is True  # due at the end of 2021 and not met


async def test_recorded_progress_uses_the_latest_figure(digital_office):
    await programmes.save_programme(
        SYSTEM,
        {
            "slug": "telecare",
            "title": "Digital telecare",
            "summary": "Go digital.",
            "status": "active",
        },
        "digital-office",
    )
    await programmes.save_milestone(
        SYSTEM,
        "telecare",
        {
            "slug": "boxes",
            "title": "1,000 boxes deployed",
            "metric": "recorded",
            "target_value": 1000,
            "target_unit": "boxes",
        },
    )
    [milestone] = (await programmes.get_programme("telecare")).milestones
    assert milestone.progress.current is None
    assert milestone.progress.note == "No figure has been recorded yet"

    await programmes.record_figure(
        SYSTEM, "telecare", "boxes", {"value": 1200, "as_of": "2021-06-30"}
    )
    await programmes.record_figure(
        SYSTEM, "telecare", "boxes", {"value": 400, "as_of": "2020-06-30"}
    )
    [milestone] = (await programmes.get_programme("telecare")).milestones
    assert milestone.progress.current == 1200
    assert milestone.progress.as_of == dt.date(2021, 6, 30)
    assert milestone.progress.percent == 100
    assert milestone.progress.met is True

    with pytest.raises(ValidationFailed) as refused:
        await programmes.record_figure(
            SYSTEM, "telecare", "boxes", {"value": 5, "as_of": "2999-01-01"}
        )
    assert "as_of" in refused.value.fields


async def test_status_reached_is_met_once_the_solution_gets_there(db):
    owner = await make_org("scotland-excel", kind="national_body")
    framework = await make_solution("procurement", owner, status="tendering")
    await programmes.save_programme(
        SYSTEM,
        {"slug": "rpa", "title": "Automation", "summary": "RPA.", "status": "active"},
        "scotland-excel",
    )
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
    [milestone] = (await programmes.get_programme("rpa")).milestones
    assert milestone.progress.met is False
    from registry import catalogue

    await catalogue.update_solution(SYSTEM, framework.slug, {"status": "expired"}, 1)
    [milestone] = (await programmes.get_programme("rpa")).milestones
    assert milestone.progress.met is True  # expired comes after awarded


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


async def test_only_the_digital_office_changes_programmes(federation):
    council = await make_org(kind="council")
    admin = await make_actor(council, "org_admin")
    with pytest.raises(PermissionDenied, match="Only Digital Office staff"):
        await programmes.save_milestone(
            admin,
            "m365",
            {"slug": "more", "title": "More", "metric": "recorded", "target_value": 1},
        )
    curator = await make_actor(None, digital_office=True)
    saved = await programmes.save_milestone(
        curator,
        "m365",
        {"slug": "more", "title": "More", "metric": "recorded", "target_value": 1},
    )
    assert saved["slug"] == "more"


async def test_a_milestone_does_not_name_a_linked_solution_still_in_draft(digital_office):
    owner = digital_office
    draft = await make_solution("platform", owner, title="Not yet public", status="draft")
    await programmes.save_programme(
        SYSTEM,
        {"slug": "prog", "title": "Programme", "summary": "S.", "status": "active"},
        "digital-office",
    )
    await programmes.save_milestone(
        SYSTEM,
        "prog",
        {
            "slug": "live",
            "title": "Live somewhere",
            "metric": "councils_live",
            "solution": draft.slug,
            "target_value": 2,
        },
    )
    [milestone] = (await programmes.get_programme("prog")).milestones
    assert milestone.solution is None
    assert milestone.progress.current == 0


@pytest.mark.parametrize(
    ("current", "target", "shown"),
    [(199, 200, 99), (200, 200, 100), (250, 200, 100), (3, 16, 19), (1, 1000, 0), (0, 5, 0)],
)
def test_a_percentage_says_100_only_when_the_target_is_met(current, target, shown):
    from registry.programmes.progress import percent_of

    assert percent_of(current, target) == shown


async def test_a_figure_one_short_of_its_target_is_not_shown_as_100_percent(digital_office, client):
    await programmes.save_programme(
        SYSTEM,
        {"slug": "boxes", "title": "Telecare boxes", "summary": "Boxes.", "status": "active"},
        "digital-office",
    )
    await programmes.save_milestone(
        SYSTEM,
        "boxes",
        {
            "slug": "deployed",
            "title": "Boxes deployed",
            "metric": "recorded",
            "target_value": 200,
            "target_unit": "boxes",
            "due_on": "2030-12-31",
        },
    )
    await programmes.record_figure(
        SYSTEM, "boxes", "deployed", {"value": 199, "as_of": "2026-11-01"}
    )
    page = await client.get("/programmes/boxes")
    assert page.status_code == 200
    words = text_of(page, "main")
    assert "199 of 200 boxes (99%)" in words
    assert "100%" not in words
