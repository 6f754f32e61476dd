"""publiccode.yml imported as components and exported again, on the real database: every valid
sample imports, every invalid one is refused and creates nothing, a file imported twice updates
its component, and every component's own file reads back to the same facts."""

from __future__ import annotations

import pytest

from registry.catalogue import editable_fields, get_solution
from registry.config import get_settings
from registry.errors import PermissionDenied
from registry.interchange import components
from registry.interchange.exporting import component_publiccode
from registry.interchange.importing import ImportRefused, import_publiccode
from registry.interchange.publiccode import read_publiccode
from registry.tables import AuditEvent, Solution
from tests.clients import run_registry
from tests.factories import SYSTEM, make_solution
from tests.interchange.samples import PUBLICCODE
from tests.interchange.test_publiccode import ALL_VALID, PARSER_INVALID

BROKEN = [*sorted((PUBLICCODE / "broken").glob("*.yml")), PUBLICCODE / "open-zaak__open-zaak.yml"]


async def _count() -> int:
    return await Solution.count()


@pytest.mark.parametrize("path", ALL_VALID, ids=lambda p: p.name)
async def test_every_valid_sample_imports_as_a_component(path, glasgow):
    report = await import_publiccode(
        SYSTEM, path.read_bytes(), owner="glasgow-city", source=path.name
    )
    assert report.created
    view = await get_solution(report.slug, SYSTEM)
    facts = read_publiccode(path.read_bytes()).facts
    assert view.kind == "component"
    assert view.title == facts.name.strip()[:200]
    assert view.details["development_status"] == facts.development_status
    assert view.details["software_type"] == facts.software_type
    # Imported again, the same url finds the same component: nothing new, nothing changed.
    again = await import_publiccode(SYSTEM, path.read_bytes(), owner="glasgow-city")
    assert (again.slug, again.created, again.changed) == (report.slug, False, False)
    assert await _count() == 1


@pytest.mark.parametrize("path", BROKEN + PARSER_INVALID, ids=lambda p: p.name)
async def test_every_invalid_sample_is_refused_with_its_reasons_and_creates_nothing(path, glasgow):
    with pytest.raises(ImportRefused) as refused:
        await import_publiccode(SYSTEM, path.read_bytes(), owner="glasgow-city")
    expected = [str(p) for p in read_publiccode(path.read_bytes()).errors]
    assert list(refused.value.problems) == expected
    assert expected
    assert await _count() == 0
    assert await AuditEvent.count() == 0


async def test_a_latin_1_file_is_refused_saying_so(glasgow):
    data = (PUBLICCODE / "CISOfy__lynis.yml").read_text("utf-8").replace("name:", "name: Café #")
    with pytest.raises(ImportRefused) as refused:
        await import_publiccode(SYSTEM, data.encode("latin-1"), owner="glasgow-city")
    assert "not UTF-8" in refused.value.problems[0]
    assert await _count() == 0


async def test_the_owner_is_the_files_organisation_when_it_matches_one(glasgow, fife):
    text = (PUBLICCODE / "CISOfy__lynis.yml").read_text("utf-8")
    text = text.replace(
        "publiccodeYmlVersion:",
        "organisation:\n  uri: urn:x-org-id:GB-LAS-FIF\npubliccodeYmlVersion:",
        1,
    )
    report = await import_publiccode(SYSTEM, text.encode(), owner="glasgow-city")
    assert (await get_solution(report.slug, SYSTEM)).owner.slug == "fife"


async def test_a_file_naming_no_known_owner_and_no_owner_given_is_refused(glasgow):
    with pytest.raises(ImportRefused) as refused:
        await import_publiccode(SYSTEM, (PUBLICCODE / "CISOfy__lynis.yml").read_bytes())
    assert "name the owner" in refused.value.problems[0]
    assert await _count() == 0


async def test_used_by_names_are_matched_by_identifier_or_alias_never_invented(glasgow, fife):
    text = (PUBLICCODE / "CISOfy__lynis.yml").read_text("utf-8")
    text = text.replace(
        "publiccodeYmlVersion:",
        "usedBy:\n  - Glasgow City Council\n  - GB-LAS-FIF\n  - Comune di Nowhere\n"
        "publiccodeYmlVersion:",
        1,
    )
    report = await import_publiccode(SYSTEM, text.encode(), owner="glasgow-city")
    assert [(w, s) for w, s, _ in report.matched] == [
        ("Glasgow City Council", "glasgow-city"),
        ("GB-LAS-FIF", "fife"),
    ]
    assert report.unmatched == ["Comune di Nowhere"]
    assert report.proposed == report.matched
    assert sum("proposed as an adoption" in line for line in report.lines()) == 2


async def test_an_officer_may_not_import_for_another_council(glasgow_officer, fife):
    with pytest.raises(PermissionDenied):
        await import_publiccode(
            glasgow_officer, (PUBLICCODE / "CISOfy__lynis.yml").read_bytes(), owner="fife"
        )
    assert await _count() == 0


async def test_a_non_english_description_is_marked_with_its_language(glasgow):
    report = await import_publiccode(
        SYSTEM, (PUBLICCODE / "italia__bootstrap-italia.yml").read_bytes(), owner="glasgow-city"
    )
    facts = read_publiccode((PUBLICCODE / "italia__bootstrap-italia.yml").read_bytes()).facts
    language, _ = facts.best_description()
    view = await get_solution(report.slug, SYSTEM)
    if language != "en":
        assert view.description.startswith(f"_Described in {language}._")


async def test_a_components_own_file_reads_back_to_the_same_facts(glasgow):
    view = await make_solution(
        "component",
        glasgow,
        summary="A form builder councils share. " * 8,
        licence="EUPL-1.2",
        repository_url="https://example.org/forms",
        maintenance_type="contract",
        maintenance_contractor="Forms Ltd",
        maintenance_until="2027-03-31",
        contact_name="Ann Officer",
        contact_email="ann@glasgow.gov.uk",
    )
    text = await component_publiccode(view.slug)
    reading = read_publiccode(text.encode())
    assert reading.valid, reading.errors
    report = await import_publiccode(SYSTEM, text.encode())
    assert (report.slug, report.created, report.changed) == (view.slug, False, False)
    assert (await get_solution(view.slug, SYSTEM)).version == view.version


async def test_importing_a_changed_file_updates_and_audits_the_component(glasgow):
    view = await make_solution("component", glasgow, repository_url="https://example.org/x")
    text = (await component_publiccode(view.slug)).replace(
        "developmentStatus: " + view.details["development_status"], "developmentStatus: obsolete"
    )
    report = await import_publiccode(SYSTEM, text.encode())
    assert report.changed
    assert not report.created
    after = await get_solution(view.slug, SYSTEM)
    assert after.details["development_status"] == "obsolete"
    assert after.version == view.version + 1


async def test_every_seeded_component_exports_a_valid_file_that_reads_back_the_same(seeded):
    slugs = [
        r["slug"] for r in await Solution.select(Solution.slug).where(Solution.kind == "component")
    ]
    assert slugs
    for slug in slugs:
        view = await get_solution(slug, SYSTEM)
        text = await component_publiccode(slug)
        reading = read_publiccode(text.encode())
        assert reading.valid, (slug, reading.errors)
        current = editable_fields(view)
        registry_url = get_settings().base_url.rstrip("/")
        values = components.component_values(reading.facts, current, registry_url)
        assert {k: v for k, v in values.items() if v != current.get(k)} == {}, slug


async def test_the_import_command_imports_the_valid_files_and_refuses_the_others(glasgow):
    good, bad = PUBLICCODE / "CISOfy__lynis.yml", PARSER_INVALID[0]
    result = run_registry("import", "publiccode", str(good), str(bad), "--owner", "glasgow-city")
    assert result.returncode == 1, result.stderr
    assert f"{good}: created" in result.stdout
    assert f"{bad}: refused" in result.stderr
    for problem in read_publiccode(bad.read_bytes()).errors:
        assert str(problem) in result.stderr
    assert await _count() == 1
