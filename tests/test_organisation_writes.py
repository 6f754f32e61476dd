"""Writing organisations: only the seed loader and the Digital Office's curators, each change
checked and audited in its own transaction, and a renamed organisation's solutions reindexed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from registry import audit, organisations
from registry.errors import PermissionDenied, ValidationFailed
from registry.seeding import SEEDS_DIR, load_seeds
from registry.tables import AuditEvent, Organisation, SearchOutbox
from tests.factories import SYSTEM, make_actor, make_solution

FIFE = {
    "slug": "fife",
    "name": "Fife Council",
    "kind": "council",
    "org_id": "GB-LAS-FIF",
    "gss_code": "S12000047",
    "description": "A council in the *east* of Scotland.",
}


async def _events(organisation_id: int) -> list[tuple[str, dict | None, dict | None]]:
    events = await audit.events_for("organisation", organisation_id)
    return [(e["action"], e["before"], e["after"]) for e in reversed(events)]


async def test_creating_then_saving_the_same_values_writes_one_audit_event(db):
    created = await organisations.save_organisation(SYSTEM, FIFE)
    again = await organisations.save_organisation(SYSTEM, FIFE)

    assert again == created
    assert (created["name"], created["org_id"], created["is_island"]) == (
        "Fife Council",
        "GB-LAS-FIF",
        False,
    )
    assert created["description_html"] == "<p>A council in the <em>east</em> of Scotland.</p>\n"
    events = await _events(created["id"])
    assert [action for action, _, _ in events] == ["organisation.create"]


async def test_a_curator_renames_an_organisation_and_its_solutions_are_reindexed(db):
    fife = await organisations.save_organisation(SYSTEM, FIFE)
    curator = await make_actor(digital_office=True)
    await make_solution("platform", fife)
    await SearchOutbox.delete(force=True)

    renamed = await organisations.save_organisation(curator, {**FIFE, "name": "Fife Council (K)"})

    assert renamed["name"] == "Fife Council (K)"
    assert renamed["updated_at"] > fife["updated_at"]
    assert (await _events(fife["id"]))[-1] == (
        "organisation.update",
        {"name": "Fife Council"},
        {"name": "Fife Council (K)"},
    )
    assert await SearchOutbox.count() == 1


async def test_a_council_administrator_is_refused_before_their_input_is_read(fife):
    admin = await make_actor(fife, "org_admin")
    with pytest.raises(PermissionDenied, match="Only Digital Office staff"):
        await organisations.save_organisation(admin, {"slug": "fife", "name": ""})
    assert await AuditEvent.count().where(AuditEvent.subject_type == "organisation") == 0


async def test_every_problem_is_reported_and_an_identifier_belongs_to_one_organisation(db):
    await organisations.save_organisation(SYSTEM, FIFE)
    with pytest.raises(ValidationFailed) as refused:
        await organisations.save_organisation(SYSTEM, {"slug": "Not a slug", "kind": "club"})
    assert {"slug", "name", "kind"} <= set(refused.value.fields)

    with pytest.raises(ValidationFailed) as taken:
        await organisations.save_organisation(
            SYSTEM, {**FIFE, "slug": "kingdom-of-fife", "name": "Kingdom of Fife"}
        )
    assert taken.value.fields == {"org_id": organisations.ORG_ID_TAKEN}
    assert await Organisation.count() == 1


async def test_seeding_an_edited_organisation_goes_through_the_service(pooled_db, tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    await load_seeds(seeds)
    path = seeds / "organisations" / "councils.yaml"
    path.write_text(path.read_text().replace("name: Angus Council", "name: Angus Council (Forfar)"))

    report = await load_seeds(seeds)

    assert report.counts[("organisations", "updated")] == 1
    angus = await Organisation.select().where(Organisation.slug == "angus").first()
    assert angus["name"] == "Angus Council (Forfar)"
    assert (await _events(angus["id"]))[-1] == (
        "organisation.update",
        {"name": "Angus Council"},
        {"name": "Angus Council (Forfar)"},
    )
