"""Solutions: creation per kind, validation, permissions, versions, publish and retire, and the
audit and outbox rows that must exist exactly when their change does."""

from __future__ import annotations

import pytest

from registry import audit, catalogue, outbox
from registry.accounts import ANONYMOUS
from registry.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.tables import AuditEvent, SearchOutbox, Solution
from tests.factories import SYSTEM, make_actor, make_org, make_solution, solution_data


@pytest.fixture
async def officer(glasgow):
    return await make_actor(glasgow, "member")


@pytest.mark.parametrize("kind", ["platform", "procurement", "challenge", "component"])
async def test_a_member_creates_a_solution_of_each_kind_with_its_facts(glasgow, kind):
    actor = await make_actor(glasgow, "procurement")
    created = await catalogue.create_solution(actor, solution_data(kind, glasgow["slug"]))

    assert created.kind == kind
    assert created.owner.slug == "glasgow-city"
    assert created.version == 1
    stored = await catalogue.get_solution(created.slug)
    assert stored.details == created.details
    if kind == "procurement":
        assert stored.details["procurement_body"].slug == "glasgow-city"
        assert str(stored.details["ends_on"]) == "2027-12-31"
    if kind == "component":
        assert stored.details["licence"] == "MIT"
    events = await audit.events_for("solution", created.id)
    assert [e["action"] for e in events] == ["solution.create"]
    assert events[0]["actor_label"] == actor.label
    assert await SearchOutbox.count().where(SearchOutbox.solution_id == created.id) == 1


INVALID = [
    ("platform", {"title": "ab"}, "title", "Title must be between 3 and 200 characters"),
    ("platform", {"title": "x" * 201}, "title", "Title must be between 3 and 200 characters"),
    ("platform", {"title": ""}, "title", "Enter a title"),
    ("platform", {"summary": "s" * 281}, "summary", "Summary must be 280 characters or fewer"),
    ("platform", {"summary": ""}, "summary", "Enter a summary"),
    ("platform", {"slug": "Not A Slug"}, "slug", "Slug must be 3 to 80 lowercase letters"),
    ("platform", {"slug": "a--b"}, "slug", "Slug must be 3 to 80 lowercase letters"),
    ("platform", {"status": "flying"}, "status", "Status must be one of: draft, in_development"),
    ("platform", {"status": "retired"}, "status", "A new solution cannot start retired"),
    ("platform", {"service_areas": ["moon"]}, "service_areas", "Service areas has unknown values"),
    (
        "platform",
        {"characteristics": ["fast"]},
        "characteristics",
        "Characteristics has unknown values",
    ),
    ("platform", {"owner": "atlantis"}, "owner", "Owner must be an organisation in the registry"),
    ("platform", {"hosting": "moon"}, "hosting", "Hosting must be one of"),
    ("platform", {"funding_target": -5}, "funding_target", "Funding target must not be negative"),
    (
        "platform",
        {"funding_target": 1.5},
        "funding_target",
        "Funding target must be a whole number of pence",
    ),
    (
        "platform",
        {"funding_target": "ten pounds"},
        "funding_target",
        "Funding target must be a whole number of pence",
    ),
    (
        "platform",
        {"funding_target": 10**11},
        "funding_target",
        "Funding target must be £100,000,000 or less",
    ),
    (
        "platform",
        {"contact_email": "not-an-email"},
        "contact_email",
        "Contact email must be an email address",
    ),
    (
        "platform",
        {"links": [{"title": "Home", "url": "javascript:alert(1)"}]},
        "links",
        "Each link needs a web address starting https://",
    ),
    ("procurement", {"procurement_body": ""}, "procurement_body", "Enter a procurement body"),
    ("procurement", {"call_off_method": "haggle"}, "call_off_method", "Call-off method must be"),
    (
        "procurement",
        {"call_off_method": "lottery"},
        "call_off_method",
        "Call-off method must be one of: direct_award, mini_competition",
    ),
    (
        "procurement",
        {"starts_on": "2026-05-01", "ends_on": "2026-04-30"},
        "ends_on",
        "End date must be the same as or after the start date",
    ),
    (
        "procurement",
        {"starts_on": "2025-02-31"},
        "starts_on",
        "Start date must be a real date, like 2025-03-31",
    ),
    (
        "procurement",
        {"max_suppliers": 0},
        "max_suppliers",
        "Maximum number of suppliers must be between 1 and 1,000",
    ),
    (
        "procurement",
        {"max_suppliers": 3, "awarded_suppliers": ["A", "B", "C", "D"]},
        "awarded_suppliers",
        "Awarded suppliers lists 4 but the framework allows at most 3",
    ),
    (
        "procurement",
        {"estimated_value": -1},
        "estimated_value",
        "Estimated value must not be negative",
    ),
    ("challenge", {"problem_statement": ""}, "problem_statement", "Enter a problem statement"),
    ("challenge", {"stage": "dreaming"}, "stage", "Stage must be one of: problem_definition"),
    (
        "challenge",
        {"sponsors": ["nobody-at-all"]},
        "sponsors",
        "Sponsors must be organisations in the registry: nobody-at-all",
    ),
    (
        "component",
        {"licence": "Not-A-Licence"},
        "licence",
        "Licence must be an SPDX licence identifier or expression",
    ),
    (
        "component",
        {"licence": "MIT AND"},
        "licence",
        "Licence must be an SPDX licence identifier or expression",
    ),
    (
        "component",
        {"development_status": "alpha"},
        "development_status",
        "Development status must be one of: concept, development, beta, stable, obsolete",
    ),
    ("component", {"software_type": ""}, "software_type", "Select a software type"),
    (
        "component",
        {"repository_url": "ftp://example.org/code"},
        "repository_url",
        "Repository address must be a web address starting with https://",
    ),
]


@pytest.mark.parametrize(("kind", "changes", "field", "message"), INVALID)
async def test_invalid_input_is_refused_naming_the_field_and_nothing_is_written(
    glasgow, kind, changes, field, message
):
    actor = await make_actor(glasgow, "org_admin")
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.create_solution(actor, {**solution_data(kind, glasgow["slug"]), **changes})
    assert field in refused.value.fields
    assert refused.value.fields[field].startswith(message)
    assert await Solution.count() == 0
    assert await AuditEvent.count().where(AuditEvent.subject_type == "solution") == 0
    assert await SearchOutbox.count() == 0


async def test_every_problem_is_reported_at_once(glasgow, officer):
    data = solution_data("component", glasgow["slug"], title="x", summary="", licence="Nope")
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.create_solution(officer, data)
    assert set(refused.value.fields) == {"title", "summary", "licence"}


async def test_an_unknown_kind_is_refused(glasgow, officer):
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.create_solution(officer, {"kind": "widget", "title": "Widget"})
    assert refused.value.fields == {
        "kind": "Kind must be one of: platform, procurement, challenge, component"
    }


async def test_a_council_cannot_create_a_solution_owned_by_another(fife, glasgow, officer):
    other = fife
    with pytest.raises(PermissionDenied, match="not a member of Fife Council"):
        await catalogue.create_solution(officer, solution_data("platform", other["slug"]))
    assert await Solution.count() == 0


async def test_anonymous_users_are_asked_to_sign_in(glasgow):
    with pytest.raises(PermissionDenied, match="Sign in"):
        await catalogue.create_solution(ANONYMOUS, solution_data("platform", glasgow["slug"]))


async def test_only_procurement_roles_register_joint_procurements(glasgow, officer):
    with pytest.raises(PermissionDenied):
        await catalogue.create_solution(officer, solution_data("procurement", glasgow["slug"]))
    buyer = await make_actor(glasgow, "procurement")
    created = await catalogue.create_solution(buyer, solution_data("procurement", glasgow["slug"]))
    assert created.kind == "procurement"


async def test_slugs_come_from_titles_and_never_collide(glasgow, officer):
    first = await catalogue.create_solution(
        officer, solution_data("platform", glasgow["slug"], title="Digital Telecare Hub")
    )
    second = await catalogue.create_solution(
        officer, solution_data("platform", glasgow["slug"], title="Digital telecare hub!")
    )
    assert first.slug == "digital-telecare-hub"
    assert second.slug == "digital-telecare-hub-2"
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.create_solution(
            officer, solution_data("platform", glasgow["slug"], slug="digital-telecare-hub")
        )
    assert refused.value.fields["slug"] == "That web address name is taken; choose another"


async def test_a_stale_edit_is_refused_and_the_first_save_is_kept(glasgow, officer):
    created = await make_solution("platform", glasgow)
    colleague = await make_actor(glasgow, "member")

    await catalogue.update_solution(officer, created.slug, {"title": "First title"}, 1)
    with pytest.raises(Conflict) as refused:
        await catalogue.update_solution(colleague, created.slug, {"title": "Second title"}, 1)

    assert "Someone else saved" in refused.value.message
    assert "version 1, it is now version 2" in refused.value.message
    stored = await catalogue.get_solution(created.slug)
    assert (stored.title, stored.version) == ("First title", 2)
    updates = await AuditEvent.count().where(AuditEvent.action == "solution.update")
    assert updates == 1


async def test_an_edit_changes_only_what_it_names_and_an_empty_edit_changes_nothing(
    glasgow, officer
):
    created = await make_solution("component", glasgow, tags=["forms"])
    updated = await catalogue.update_solution(
        officer, created.slug, {"summary": "A better summary."}, created.version
    )
    assert updated.summary == "A better summary."
    assert updated.tags == ["forms"]
    assert updated.details["licence"] == "MIT"
    assert updated.version == 2

    again = await catalogue.update_solution(
        officer, created.slug, {"summary": "A better summary."}, 2
    )
    assert again.version == 2
    [event] = [
        e
        for e in await audit.events_for("solution", created.id)
        if e["action"] == "solution.update"
    ]
    assert event["before"] == {"summary": "A component councils can reuse."}
    assert event["after"] == {"summary": "A better summary."}


async def test_another_council_cannot_edit_and_the_digital_office_can_curate(glasgow):
    created = await make_solution("platform", glasgow)
    outsider = await make_actor(await make_org("fife"), "org_admin")
    with pytest.raises(PermissionDenied):
        await catalogue.update_solution(outsider, created.slug, {"title": "Mine now"}, 1)
    curator = await make_actor(None, digital_office=True)
    updated = await catalogue.update_solution(curator, created.slug, {"title": "Curated"}, 1)
    assert updated.title == "Curated"


async def test_only_the_digital_office_moves_a_solution_to_another_owner(fife, glasgow, officer):
    created = await make_solution("platform", glasgow)
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.update_solution(officer, created.slug, {"owner": "fife"}, 1)
    assert "owner" in refused.value.fields


async def test_drafts_are_private_until_published(glasgow, officer):
    draft = await make_solution("platform", glasgow, status="draft")
    with pytest.raises(NotFound):
        await catalogue.get_solution(draft.slug)
    assert (await catalogue.list_solutions())[1] == 0
    assert (await catalogue.get_solution(draft.slug, officer)).status == "draft"

    published = await catalogue.publish_solution(officer, draft.slug, draft.version)
    assert published.status == "live"
    assert (await catalogue.list_solutions())[1] == 1
    with pytest.raises(ValidationFailed):
        await catalogue.update_solution(officer, draft.slug, {"status": "draft"}, 2)
    actions = [e["action"] for e in await audit.events_for("solution", draft.id)]
    assert actions == ["solution.publish", "solution.create"]


async def test_retiring_needs_a_senior_role_and_a_retired_solution_is_final(glasgow, officer):
    created = await make_solution("platform", glasgow)
    with pytest.raises(PermissionDenied):
        await catalogue.retire_solution(officer, created.slug, 1, "Replaced")
    admin = await make_actor(glasgow, "org_admin")
    with pytest.raises(ValidationFailed) as refused:
        await catalogue.retire_solution(admin, created.slug, 1, "  ")
    assert refused.value.fields == {"reason": "Enter a reason for retiring"}
    retired = await catalogue.retire_solution(admin, created.slug, 1, "Replaced by a national one")
    assert retired.status == "retired"
    events = await audit.events_for("solution", created.id)
    assert events[0]["action"] == "solution.retire"
    assert events[0]["after"]["reason"] == "Replaced by a national one"
    assert await catalogue.get_solution(created.slug)  # still there, never deleted
    with pytest.raises(Conflict, match="retired"):
        await catalogue.update_solution(admin, created.slug, {"title": "Revived"}, 2)


async def test_a_failed_outbox_write_rolls_back_the_solution_and_its_audit_event(
    glasgow, officer, monkeypatch
):
    async def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(outbox, "enqueue", broken)
    with pytest.raises(RuntimeError):
        await catalogue.create_solution(officer, solution_data("platform", glasgow["slug"]))
    assert await Solution.count() == 0
    assert await AuditEvent.count().where(AuditEvent.subject_type == "solution") == 0


async def test_a_failed_audit_write_rolls_back_the_edit_and_its_outbox_row(
    glasgow, officer, monkeypatch
):
    created = await make_solution("platform", glasgow)
    await SearchOutbox.delete(force=True)

    async def broken(*args, **kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        await catalogue.update_solution(officer, created.slug, {"title": "Lost edit"}, 1)
    stored = await catalogue.get_solution(created.slug)
    assert (stored.title, stored.version) == (created.title, 1)
    assert await SearchOutbox.count() == 0


async def test_editable_fields_round_trip_through_an_update(glasgow):
    created = await make_solution(
        "challenge", glasgow, sponsors=[glasgow["slug"]], application_deadline="2026-12-01"
    )
    fields = catalogue.editable_fields(created)
    assert fields["sponsors"] == ["glasgow-city"]
    same = await catalogue.update_solution(SYSTEM, created.slug, fields, 1)
    assert same.version == 1
