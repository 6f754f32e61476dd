"""Joint procurements written as OCDS releases (`/solutions/{slug}/ocds.json`): valid OCDS 1.1
with the techniques extension, and imported back they give the same facts and change nothing,
for every seeded procurement and for procurements imported from the samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from registry.catalogue import editable_fields, get_solution
from registry.collaboration import record_adoption
from registry.config import get_settings
from registry.interchange import procurements
from registry.interchange.ocds import read_ocds
from registry.interchange.ocds_export import procurement_ocds
from registry.interchange.ocds_import import _Organisations, import_ocds
from registry.seeding import SEEDS_DIR, load_seeds
from registry.tables import Organisation, Solution
from tests.factories import SYSTEM, make_org, make_solution
from tests.interchange.ocds_schema import package_schema
from tests.interchange.test_ocds_import import EVERY_SAMPLE, _state

VALIDATOR = jsonschema.Draft4Validator(
    package_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
)


def _valid(text: str) -> dict:
    package = json.loads(text)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(package)]
    assert errors == []
    return package


async def _procurement_slugs() -> list[str]:
    rows = await Solution.select(Solution.slug).where(Solution.kind == "procurement")
    return sorted(row["slug"] for row in rows)


async def test_every_seeded_procurement_exports_a_valid_release_with_the_same_facts(seeded):
    slugs = await _procurement_slugs()
    assert slugs
    orgs = _Organisations(
        await Organisation.select(
            Organisation.id,
            Organisation.slug,
            Organisation.name,
            Organisation.org_id,
            Organisation.gss_code,
        ),
        get_settings().base_url.rstrip("/"),
    )
    for slug in slugs:
        view = await get_solution(slug, SYSTEM)
        package = _valid(await procurement_ocds(slug))
        (release,) = package["releases"]
        assert release["tender"]["techniques"]["hasFrameworkAgreement"] is True
        assert release["ocid"] == procurements.own_ocid(view.id)
        (framework,) = read_ocds(json.dumps(package).encode()).frameworks
        # The parties are the same organisations, found by identifier.
        owner = orgs.find(framework.buyers[0])
        body = orgs.find(framework.procuring_entity)
        assert owner["slug"] == view.owner.slug
        assert body["slug"] == view.details["procurement_body"].slug
        current = editable_fields(view)
        resolved = procurements.Resolved(owner["slug"], body["slug"])
        values = procurements.procurement_values(framework, resolved, current).values
        assert {k: v for k, v in values.items() if v != current.get(k)} == {}, slug


@pytest.fixture
async def procurement_seeds(pooled_db, tmp_path: Path) -> list[str]:
    """The seeded organisations and joint procurements, loaded into the scratch database."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR / "organisations", seeds / "organisations")
    (seeds / "solutions").mkdir()
    (seeds / "programmes").mkdir()
    for path in (SEEDS_DIR / "solutions").glob("*.yaml"):
        if "kind: procurement" in path.read_text("utf-8"):
            shutil.copy(path, seeds / "solutions" / path.name)
    await load_seeds(seeds)
    return await _procurement_slugs()


async def test_every_seeded_procurement_imported_back_changes_nothing(procurement_seeds):
    assert procurement_seeds
    exports = [(slug, (await procurement_ocds(slug)).encode()) for slug in procurement_seeds]
    before = await _state()
    reports = await import_ocds(SYSTEM, exports)
    assert [r.refused for r in reports] == [[] for _ in reports]
    assert all(" unchanged " in r.done[0] for r in reports), [r.done for r in reports]
    assert await _state() == before


async def test_a_procurements_users_are_its_further_buyers_and_come_back(db):
    excel = await make_org("scotland-excel", "national_body", name="Scotland Excel")
    await make_org("glasgow-city", name="Glasgow City Council", org_id="GB-LAS-GLG")
    view = await make_solution(
        "procurement",
        excel,
        lots=[{"name": "Social care", "suppliers": ["Acme Ltd", "Beta plc"]}],
        awarded_suppliers=["Acme Ltd", "Beta plc", "Gamma LLP"],
        notice_reference="2025/S 001-000001; 2025/S 050-000050",
        estimated_value=123_456,
        call_off_by="Scottish councils",
        description="Longer words about the framework.\n\nA second paragraph.",
    )
    await record_adoption(SYSTEM, view.slug, "glasgow-city", "live")
    package = _valid(await procurement_ocds(view.slug))
    (release,) = package["releases"]
    glasgow_party = next(p for p in release["parties"] if p["id"] == "GB-LAS-GLG")
    assert glasgow_party["roles"] == ["buyer"]
    assert glasgow_party["identifier"]["scheme"] == "GB-LAS"
    assert release["buyer"]["id"] == "registry-scotland-excel"
    assert release["tender"]["value"] == {"amount": 1234.56, "currency": "GBP"}
    assert release["tender"]["techniques"]["frameworkAgreement"]["method"] == (
        "withReopeningCompetition"
    )
    before = await _state()
    (report,) = await import_ocds(SYSTEM, [("export.json", json.dumps(package).encode())])
    assert " unchanged " in report.done[0], report.lines()
    assert await _state() == before


async def test_imported_procurements_export_and_import_back_unchanged(db):
    await import_ocds(SYSTEM, [(p.name, p.read_bytes()) for p in EVERY_SAMPLE])
    slugs = await _procurement_slugs()
    assert len(slugs) == 2
    exports = []
    for slug in slugs:
        package = _valid(await procurement_ocds(slug))
        assert package["releases"][0]["ocid"] in {
            "ocds-r6ebe6-9af22e2f-5307-4e98-bff6-1ebffbff343d",
            "ocds-70d2nz-2239-4-LP14",
        }
        exports.append((slug, json.dumps(package).encode()))
    facts = {slug: editable_fields(await get_solution(slug, SYSTEM)) for slug in slugs}
    before = await _state()
    reports = await import_ocds(SYSTEM, exports)
    assert all(" unchanged " in r.done[0] for r in reports), [r.lines() for r in reports]
    assert await _state() == before
    assert {slug: editable_fields(await get_solution(slug, SYSTEM)) for slug in slugs} == facts


async def test_the_release_is_served_for_a_procurement_and_linked_from_its_page(seeded_client):
    (slug, *_) = await _procurement_slugs()
    response = await seeded_client.get(f"/solutions/{slug}/ocds.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    _valid(response.text)
    page = (await seeded_client.get(f"/solutions/{slug}")).text
    assert f'href="/solutions/{slug}/ocds.json"' in page
    assert "OCDS release (JSON)" in page


async def test_other_kinds_have_no_release_and_no_link(seeded_client):
    row = await Solution.select(Solution.slug).where(Solution.kind == "component").first()
    response = await seeded_client.get(f"/solutions/{row['slug']}/ocds.json")
    assert response.status_code == 404
    page = (await seeded_client.get(f"/solutions/{row['slug']}")).text
    assert "ocds.json" not in page
    assert (await seeded_client.get("/solutions/no-such-thing/ocds.json")).status_code == 404


async def test_a_draft_procurement_has_no_release_for_those_who_cannot_see_it(client):
    excel = await make_org("scotland-excel", "national_body", name="Scotland Excel")
    view = await make_solution("procurement", excel, status="draft")
    assert (await client.get(f"/solutions/{view.slug}/ocds.json")).status_code == 404
    _valid(await procurement_ocds(view.slug, SYSTEM))
