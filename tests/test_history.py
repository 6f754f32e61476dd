"""History pages: the audit trail read back in words, newest first, a page at a time, each
reader seeing what they may."""

from __future__ import annotations

import pytest

from registry import accounts, catalogue, collaboration, history
from registry.errors import NotFound, ValidationFailed
from registry.tables import AuditEvent
from tests.factories import SYSTEM, make_actor, make_solution, solution_data
from tests.web import html, sign_in, text_of, texts


async def test_a_solutions_history_says_what_changed_in_words_newest_first(
    fife, fife_admin, glasgow_officer
):
    solution = await make_solution("platform", owner=fife)
    await catalogue.update_solution(
        fife_admin, solution.slug, {"status": "in_development", "title": "Shared bins"}, 1
    )
    await collaboration.register_interest(
        glasgow_officer, solution.slug, "glasgow-city", "exploring"
    )
    await collaboration.register_interest(
        glasgow_officer, solution.slug, "glasgow-city", "intends_to_adopt"
    )

    seen = await history.solution_history(accounts.ANONYMOUS, solution.slug)

    assert [e.what for e in seen.events] == [
        "Glasgow City Council registered interest",
        "Glasgow City Council registered interest",
        "Status changed",
        "Registered",
    ]
    level = seen.events[0].changes
    assert [(c.label, c.before, c.after) for c in level] == [
        ("Level of interest", "Exploring", "Intends to adopt")
    ]
    edit = {c.label: (c.before, c.after) for c in seen.events[2].changes}
    assert edit["Status"] == ("Live", "In development")
    assert edit["Title"][1] == "Shared bins"
    assert seen.events[0].who == "Someone at Glasgow City Council"
    assert seen.events[-1].who == "The registry's administrators"  # the test's own loader
    named = await history.solution_history(glasgow_officer, solution.slug)
    assert named.events[0].who == f"{glasgow_officer.display_name} (Glasgow City Council)"


async def test_history_is_paged_with_a_bounded_size_and_depth(fife):
    solution = await make_solution("platform", owner=fife)
    await AuditEvent.insert(
        *(
            AuditEvent(
                actor_label="test",
                action="solution.update",
                subject_type="solution",
                subject_id=solution.id,
                subject_slug=solution.slug,
                before={"summary": f"summary {n}"},
                after={"summary": f"summary {n + 1}"},
            )
            for n in range(60)
        )
    )
    first = await history.solution_history(accounts.ANONYMOUS, solution.slug)
    third = await history.solution_history(accounts.ANONYMOUS, solution.slug, "3")

    assert (first.total, first.last_page, len(first.events)) == (61, 3, history.PAGE_SIZE)
    assert first.events[0].changes[0].after == "summary 60"
    assert [e.what for e in third.events][-1] == "Registered"
    assert len(third.events) == 61 - 2 * history.PAGE_SIZE
    for page in ("0", "41", "-1", "two", "9" * 50, "²"):
        with pytest.raises(ValidationFailed) as refused:
            await history.solution_history(accounts.ANONYMOUS, solution.slug, page)
        assert "page" in refused.value.fields


async def test_drafts_and_memberships_are_seen_only_by_those_who_may(
    fife, fife_admin, glasgow_officer, curator
):
    draft = await catalogue.create_solution(
        SYSTEM, solution_data("component", "fife", status="draft", title="Secret draft tool")
    )
    published = await make_solution("component", owner=fife, title="Open bins tool")
    member = await make_actor(fife, "member")
    await accounts.add_person(fife_admin, "fife", "new@fife.gov.uk", "member")

    with pytest.raises(NotFound):
        await history.solution_history(glasgow_officer, draft.slug)
    assert (await history.solution_history(member, draft.slug)).events

    def subjects(view):
        return {e.subject.title for e in view.events if e.subject}

    def whats(view):
        return {e.what for e in view.events}

    for reader in (accounts.ANONYMOUS, glasgow_officer):
        seen = await history.organisation_history(reader, "fife")
        assert subjects(seen) == {"Open bins tool"}
        assert whats(seen) == {"Registered"}
    as_member = await history.organisation_history(member, "fife")
    assert subjects(as_member) == {"Open bins tool", "Secret draft tool"}
    assert "Invitation made" not in whats(as_member)
    for manager in (fife_admin, curator):
        seen = await history.organisation_history(manager, "fife")
        assert {"Member added", "Invitation made", "Registered"} <= whats(seen)
        invited = next(e for e in seen.events if e.what == "Invitation made")
        labels = {c.label: c.after for c in invited.changes}
        assert labels["Email address"] == "new@fife.gov.uk"
        assert labels["Role"] == "Member"
    assert published.slug


async def test_history_pages_for_everyone_and_their_refusals(client, fife, fife_admin):
    solution = await make_solution("platform", owner=fife, title="Bin collection platform")
    await catalogue.update_solution(fife_admin, solution.slug, {"summary": "Bins, shared."}, 1)

    page = await client.get(f"/solutions/{solution.slug}/history")
    assert page.status_code == 200
    assert text_of(page, "h1") == "History of Bin collection platform"
    assert texts(page, ".registry-history__what") == ["Edited", "Registered"]
    assert "Bins, shared." in text_of(page, "#history-events")

    assert (await client.get(f"/solutions/{solution.slug}/history?page=99")).status_code == 422
    assert (await client.get("/solutions/no-such-thing/history")).status_code == 404
    assert (await client.get("/programmes/no-such-thing/history")).status_code == 404
    org = await client.get("/organisations/fife/history")
    assert org.status_code == 200
    assert html(org).css_first("#history-events a").text() == "Bin collection platform"
    await sign_in(client, fife_admin.label)
    assert (await client.get("/organisations/fife/history")).status_code == 200
