"""The Digital Office's programme screens, used as a browser would through the test client:
forms that refuse bad input by showing it again with its reasons, a figure history drawn as a
chart with a table beside it, and nobody but a curator reaching any of it."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import programmes
from registry.tables import AuditEvent, Figure, Milestone, Programme, ProgrammeSolution
from tests.factories import CURATOR, GLASGOW_OFFICER, SYSTEM, make_solution
from tests.web import csrf_token, error_summary, html, post_form, sign_in, text_of, texts


async def counts() -> dict[str, int]:
    return {
        table.__name__: await table.count()
        for table in (Programme, ProgrammeSolution, Milestone, Figure, AuditEvent)
    }


@pytest.fixture
async def telecare(digital_office):
    platform = await make_solution("platform", digital_office, title="Digital telecare hub")
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
    await programmes.link_solutions(SYSTEM, "telecare", [platform.slug])
    await programmes.save_milestone(
        SYSTEM,
        "telecare",
        {
            "slug": "boxes",
            "title": "Boxes deployed",
            "metric": "recorded",
            "target_value": 1000,
            "target_unit": "boxes",
            "due_on": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    return platform


async def test_a_curator_creates_a_programme_after_correcting_the_form(client, curator, fife):
    await sign_in(client, CURATOR)
    form = await client.get("/programmes/new")
    assert form.status_code == 200
    owners = texts(form, "#owner option")
    assert "Fife Council" in owners

    refused = await post_form(
        client,
        "/programmes/new",
        "/programmes/new",
        {"title": "", "summary": "Sharing data.", "owner": "fife", "status": "closed"},
    )
    assert refused.status_code == 422
    assert error_summary(refused) == [
        ("#title", "Enter a title"),
        ("#closed_reason", "Enter the reason the programme was closed early"),
    ]
    assert html(refused).css_first("#summary").text() == "Sharing data."
    assert await Programme.count() == 0

    created = await post_form(
        client,
        "/programmes/new",
        "/programmes/new",
        {
            "title": "Data sharing",
            "summary": "Sharing data.",
            "owner": "fife",
            "status": "planned",
            "starts_on": "2026-01-01",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/programmes/data-sharing?notice=programme-created"
    page = await client.get(created.headers["location"])
    assert text_of(page, ".registry-notice") == "The programme has been created."
    assert "Fife Council" in text_of(page, ".registry-programme-facts")
    assert text_of(page, "#programme-rating") == "Not rated: no milestones set"


async def test_editing_links_and_unlinks_solutions_and_a_stale_form_is_refused(
    client, curator, telecare
):
    other = await make_solution("component", title="Telecare alarm data model")
    await sign_in(client, CURATOR)
    found = await client.get("/programmes/telecare/edit?find=alarm%25")
    assert texts(found, "#solution-candidates li span")[0].startswith("Telecare alarm data model")
    linked = await client.post(
        "/programmes/telecare/solutions",
        data={"_csrf_token": csrf_token(found), "solution": other.slug},
        follow_redirects=False,
    )
    assert linked.status_code == 303
    edit = await client.get("/programmes/telecare/edit")
    assert texts(edit, "#linked-solutions a") == [
        "Digital telecare hub",
        "Telecare alarm data model",
    ]

    unlinked = await client.post(
        f"/programmes/telecare/solutions/{other.slug}/unlink",
        data={"_csrf_token": csrf_token(edit)},
        follow_redirects=False,
    )
    assert unlinked.status_code == 303
    edit = await client.get("/programmes/telecare/edit")
    assert texts(edit, "#linked-solutions a") == ["Digital telecare hub"]

    token = csrf_token(edit)
    fields = {"_csrf_token": token, "title": "Digital telecare", "summary": "Go digital."}
    fields |= {"owner": "digital-office", "status": "active"}
    saved = await client.post(
        "/programmes/telecare/edit",
        data={**fields, "summary": "Analogue to digital.", "version": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    stale = await client.post(
        "/programmes/telecare/edit", data={**fields, "title": "Old idea", "version": "1"}
    )
    assert stale.status_code == 409
    assert "Someone else saved" in text_of(stale, "#conflict")
    assert html(stale).css_first("#title").attributes["value"] == "Old idea"
    assert (await programmes.get_programme("telecare")).title == "Digital telecare"


async def test_figures_recorded_through_the_page_are_charted_with_a_table(
    client, curator, telecare
):
    await sign_in(client, CURATOR)
    page = await client.get("/programmes/telecare")
    assert "Red" in text_of(page, "#milestone-boxes .registry-milestone__state")
    form_path = "/programmes/telecare/milestones/boxes/figures/new"

    refused = await post_form(
        client, form_path, form_path, {"value": "-3", "as_of": "", "source": "Return"}
    )
    assert refused.status_code == 422
    assert [field for field, _ in error_summary(refused)] == ["#value", "#as_of"]

    today = dt.date.today()
    for value, when in (("300", today - dt.timedelta(days=60)), ("1,000", today)):
        done = await post_form(
            client,
            form_path,
            form_path,
            {
                "value": value,
                "as_of": when.isoformat(),
                "source": "Monthly telecare return",
                "source_url": "https://example.org/returns",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
    page = await client.get("/programmes/telecare")
    tree = html(page)
    chart = tree.css_first("#milestone-boxes-history svg[role=img]")
    assert len(chart.css("circle")) == 2
    summary_id = chart.attributes["aria-labelledby"]
    assert tree.css_first(f"#{summary_id}").text().startswith("2 figures recorded for Boxes")
    rows = [
        [" ".join(td.text().split()) for td in tr.css("td")]
        for tr in tree.css("#milestone-boxes-history-table tbody tr")
    ]
    assert [row[1:3] for row in rows] == [["300 boxes", "30%"], ["1,000 boxes", "100%"]]
    assert rows[0][3] == "Monthly telecare return"
    assert "Green" in text_of(page, "#milestone-boxes .registry-milestone__state")


async def test_a_money_target_is_typed_in_pounds(client, curator, telecare):
    await sign_in(client, CURATOR)
    path = "/programmes/telecare/milestones/new"
    done = await post_form(
        client,
        path,
        path,
        {
            "title": "Pledges gathered",
            "metric": "sponsorship_pence",
            "solution": telecare.slug,
            "target_value": "£2,500.50",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    stored = await Milestone.select(Milestone.target_value).where(
        Milestone.slug == "pledges-gathered"
    )
    assert stored == [{"target_value": 250050}]
    edit = await client.get("/programmes/telecare/milestones/pledges-gathered/edit")
    assert html(edit).css_first("#target_value").attributes["value"] == "2500.50"


async def test_people_who_are_not_curators_cannot_reach_the_screens(
    client, glasgow_officer, telecare
):
    screens = [
        "/programmes/new",
        "/programmes/telecare/edit",
        "/programmes/telecare/milestones/new",
        "/programmes/telecare/milestones/boxes/edit",
        "/programmes/telecare/milestones/boxes/figures/new",
    ]
    for path in screens:
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303, path  # anonymous: sent to sign in
        assert response.headers["location"].startswith("/sign-in?next=")
    await sign_in(client, GLASGOW_OFFICER)
    token = csrf_token(await client.get("/account"))
    before = await counts()
    for path in screens:
        assert (await client.get(path)).status_code == 403, path
    posts = {
        "/programmes/new": {"title": "Mine", "summary": "S.", "owner": "glasgow-city"},
        "/programmes/telecare/edit": {"title": "Mine", "version": "1"},
        "/programmes/telecare/solutions": {"solution": telecare.slug},
        f"/programmes/telecare/solutions/{telecare.slug}/unlink": {},
        "/programmes/telecare/milestones/new": {"title": "Mine", "metric": "recorded"},
        "/programmes/telecare/milestones/boxes/edit": {"title": "Mine", "version": "1"},
        "/programmes/telecare/milestones/boxes/remove": {"version": "1"},
        "/programmes/telecare/milestones/boxes/figures/new": {"value": "5", "as_of": "2025-01-01"},
    }
    for path, data in posts.items():
        response = await client.post(path, data={"_csrf_token": token, **data})
        assert response.status_code == 403, path
        assert "Only Digital Office staff" in text_of(response, "main")
    assert await counts() == before
    page = await client.get("/programmes/telecare")
    assert html(page).css_first("#curator-actions") is None


async def test_no_programme_that_has_ended_reads_overdue(seeded_client):
    dashboard = await seeded_client.get("/dashboard")
    section = text_of(dashboard, "section[aria-labelledby=programmes]")
    assert "Overdue" not in section
    for slug in ("digital-telecare", "microsoft-365-federation"):
        shown = text_of(dashboard, f"article[aria-labelledby=programme-{slug}]")
        assert "Completed" in shown
        assert "overdue" not in shown.lower()
        assert "Not rated: the programme has ended" in shown
    for slug in ("digital-telecare", "microsoft-365-federation", "robotic-process-automation"):
        page = await seeded_client.get(f"/programmes/{slug}")
        words = text_of(page, "main")
        assert "Completed" in text_of(page, ".registry-programme-facts")
        assert "Overdue" not in words
        assert "Outcome not recorded" in words
        assert text_of(page, "#programme-rating") == "Not rated: the programme has ended"
