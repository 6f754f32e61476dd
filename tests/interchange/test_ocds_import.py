"""OCDS imported on the real database: every framework sample becomes a joint procurement with
its lots, suppliers and buyer; call-offs become the use of their framework in whatever order
the files come; importing again changes nothing; a file with no framework agreement is refused
and creates nothing; real-world defects are mended and reported; organisations are joined on
identifiers, never on names."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from registry.catalogue import get_solution
from registry.errors import PermissionDenied
from registry.interchange.ocds_import import import_ocds
from registry.tables import Adoption, AuditEvent, OcdsProcess, Organisation, Solution
from tests.clients import run_registry
from tests.factories import SYSTEM, make_actor
from tests.interchange.samples import OCDS

FIRST_STAGE = OCDS / "standard__frameworks_closed_single_first_stage.json"
SUPPLIER = OCDS / "standard__frameworks_closed_single_supplier.json"
CALL_OFF = OCDS / "standard__frameworks_closed_single_award.json"
MULTI = OCDS / "standard__frameworks_open_multiple_first_stage.json"
MINI_COMPETITION = OCDS / "standard__frameworks_open_multiple_second_stage.json"
IDENTIFIERS = OCDS / "standard__organizations_identifiers.json"
EVERY_SAMPLE = sorted(OCDS.glob("standard__*.json"))
NHS_OCID = "ocds-r6ebe6-9af22e2f-5307-4e98-bff6-1ebffbff343d"
CHILE_OCID = "ocds-70d2nz-2239-4-LP14"


def _files(*paths) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in paths]


async def _procurement(ocid: str):
    row = await OcdsProcess.select(OcdsProcess.solution.slug).where(OcdsProcess.ocid == ocid)
    assert len(row) == 1, ocid
    return await get_solution(row[0]["solution.slug"], SYSTEM)


async def _org(org_id: str) -> dict:
    return await Organisation.select().where(Organisation.org_id == org_id).first()


async def _users(view) -> dict[str, tuple[str, dt.date | None]]:
    rows = await Adoption.select(
        Adoption.organisation.org_id, Adoption.status, Adoption.status_on
    ).where(Adoption.solution == view.id)
    return {r["organisation.org_id"]: (r["status"], r["status_on"]) for r in rows}


async def _state() -> tuple:
    """Everything an import could write, to compare before and after."""
    return (
        await Solution.select(Solution.slug, Solution.version).order_by(Solution.id),
        await Organisation.count(),
        await AuditEvent.count(),
        await Adoption.select(Adoption.status, Adoption.status_on).order_by(Adoption.id),
        await OcdsProcess.count(),
    )


async def test_every_sample_imports_into_procurements_with_lots_suppliers_and_buyers(db):
    reports = await import_ocds(SYSTEM, _files(*EVERY_SAMPLE))
    by_file = {r.source: r for r in reports}
    assert [r.source for r in reports] == [p.name for p in EVERY_SAMPLE]
    assert [name for name, r in by_file.items() if r.refused] == [IDENTIFIERS.name]

    nhs = await _procurement(NHS_OCID)
    assert nhs.kind == "procurement"
    assert nhs.title == "Storage and Distribution of Seasonal Influenza Vaccine"
    assert nhs.summary.startswith("This framework agreement is for the receipt")
    assert nhs.status == "awarded"
    assert nhs.details["awarded_suppliers"] == ["Movianto UK"]
    assert nhs.details["estimated_value"] == 112_000_000  # £1,120,000 in pence
    assert nhs.details["reference"] == "NP45719"
    health_board = await _org("GB-NHS-YA7")
    assert health_board["kind"] == "partner"  # unknown to the registry: created, and flagged
    assert nhs.owner.slug == health_board["slug"]
    assert nhs.details["procurement_body"].slug == health_board["slug"]
    flagged = by_file[FIRST_STAGE.name].warnings + by_file[SUPPLIER.name].warnings
    assert any("GB-NHS-YA7" in w and "created as a partner" in w for w in flagged)
    assert any("720 days with no start date" in w for w in flagged)

    chile = await _procurement(CHILE_OCID)
    assert chile.title == "CM de Artículos de Escritorio y Papelería"
    assert [lot.name for lot in chile.details["lots"]] == ["Lápiz pasta", "Papel de impresora"]
    assert chile.owner.org_id == "CL-RUT-602030008"  # the first buyer
    assert chile.details["procurement_body"].org_id == "CL-RUT-608080007"
    assert chile.details["starts_on"] == dt.date(2005, 1, 19)
    assert chile.details["ends_on"] == dt.date(2020, 8, 27)
    assert (await _org("CL-RUT-608080007"))["name"] == "Dirección de Compras y Contratación Pública"

    # Call-offs are the use of their framework: the second Chilean buyer is one too.
    assert await _users(nhs) == {"GB-NHS-YA7": ("live", dt.date(2020, 10, 1))}
    assert await _users(chile) == {"CL-RUT-619993209": ("live", dt.date(2020, 8, 20))}
    assert any(
        "call-off ocds-r6ebe6-95f19d21" in line and "recorded as using" in line
        for line in by_file[CALL_OFF.name].done
    )
    assert await Solution.count() == 2


async def test_a_call_off_read_before_its_framework_waits_for_it(db):
    reports = await import_ocds(SYSTEM, _files(CALL_OFF, SUPPLIER, FIRST_STAGE))
    assert not any(r.refused for r in reports)
    nhs = await _procurement(NHS_OCID)
    assert await _users(nhs) == {"GB-NHS-YA7": ("live", dt.date(2020, 10, 1))}


async def test_a_call_off_joins_a_framework_already_in_the_registry(db):
    await import_ocds(SYSTEM, _files(MULTI))
    (report,) = await import_ocds(SYSTEM, _files(MINI_COMPETITION))
    assert not report.refused
    chile = await _procurement(CHILE_OCID)
    assert (await _users(chile))["CL-RUT-619993209"] == ("live", dt.date(2020, 8, 20))


async def test_a_call_off_from_an_unknown_framework_is_refused_and_creates_nothing(db):
    (report,) = await import_ocds(SYSTEM, _files(MINI_COMPETITION))
    assert report.refused
    assert "neither in the registry nor in the files given" in report.refused[0]
    assert await _state() == ([], 0, 0, [], 0)


async def test_importing_the_same_files_again_changes_nothing(db):
    await import_ocds(SYSTEM, _files(*EVERY_SAMPLE))
    before = await _state()
    reports = await import_ocds(SYSTEM, _files(*reversed(EVERY_SAMPLE)))
    assert await _state() == before
    lines = [line for r in reports for line in r.done]
    assert any(f"framework {NHS_OCID}: unchanged" in line for line in lines)
    assert any(f"framework {CHILE_OCID}: unchanged" in line for line in lines)
    assert not any("created" in line or "updated" in line for line in lines)


async def test_a_changed_release_updates_its_procurement_as_an_audited_edit(db):
    await import_ocds(SYSTEM, _files(FIRST_STAGE))
    before = await _procurement(NHS_OCID)
    package = json.loads(FIRST_STAGE.read_text("utf-8"))
    package["releases"][0]["tender"]["title"] = "Storage of seasonal influenza vaccine"
    package["releases"][0]["tender"]["techniques"]["frameworkAgreement"] = {
        "method": "withReopeningCompetition",
        "maximumParticipants": 4,
    }
    (report,) = await import_ocds(SYSTEM, [("changed.json", json.dumps(package).encode())])
    assert f"framework {NHS_OCID}: updated" in report.done[0]
    after = await _procurement(NHS_OCID)
    assert after.slug == before.slug
    assert after.version == before.version + 1
    assert after.title == "Storage of seasonal influenza vaccine"
    assert after.details["call_off_method"] == "mini_competition"
    assert after.details["max_suppliers"] == 4
    event = (
        await AuditEvent.select()
        .where(AuditEvent.subject_id == after.id)
        .order_by(AuditEvent.id, ascending=False)
        .output(load_json=True)
        .first()
    )
    assert event["action"] == "solution.update"
    assert event["after"]["title"] == "Storage of seasonal influenza vaccine"
    assert await Solution.count() == 1


async def test_a_file_with_no_framework_agreement_is_refused_saying_so(db):
    (report,) = await import_ocds(SYSTEM, _files(IDENTIFIERS))
    assert report.refused
    assert "no framework agreement" in report.refused[0]
    assert report.lines()[0] == f"{IDENTIFIERS.name}: refused"
    assert await _state() == ([], 0, 0, [], 0)


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"{not json", "not valid JSON"), (b'{"hello": "world"}', "not OCDS"), (b"\xff", "UTF-8")],
)
async def test_a_file_that_is_not_ocds_is_refused_and_the_others_still_import(db, data, reason):
    bad, good = await import_ocds(SYSTEM, [("bad.json", data), *_files(MULTI)])
    assert reason in bad.refused[0]
    assert not good.refused
    assert await Solution.count() == 1


def _defective() -> bytes:
    """The Chilean framework as a bare release with the defects met in published data."""
    release = copy.deepcopy(json.loads(MULTI.read_text("utf-8"))["releases"][0])
    release["parties"][1]["identifer"] = release["parties"][1].pop("identifier")
    release["tender"]["value"] = {"amount": "1000000", "currency": "CLP"}
    release["tender"]["numberOfTenderers"] = "0"
    release["relatedProcesses"] = [
        {"id": "1", "relationship": "planning", "identifier": "ocds-70d2nz-x", "scheme": "ocid"}
    ]
    return json.dumps(release).encode()


async def test_real_world_defects_are_tolerated_and_reported(db):
    (report,) = await import_ocds(SYSTEM, [("defective.json", _defective())])
    assert not report.refused
    warnings = "\n".join(report.warnings)
    assert "spells identifier as 'identifer'" in warnings
    assert "tender.value.amount is a number written as a string" in warnings
    assert "relationship is a string" in warnings
    assert "only values in pounds are kept" in warnings  # CLP: no place for it
    chile = await _procurement(CHILE_OCID)
    assert chile.owner.org_id == "CL-RUT-602030008"  # read through the misspelt key


def _scottish_framework(buyer: dict, **tender) -> bytes:
    release = {
        "ocid": "ocds-r6ebe6-0000-glasgow",
        "id": "1",
        "date": "2026-01-05T00:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [{"id": "buyer", "roles": ["buyer", "procuringEntity"], **buyer}],
        "buyer": {"id": "buyer"},
        "tender": {
            "id": "GCC-1",
            "title": "Housing repairs software",
            "techniques": {"hasFrameworkAgreement": True},
            **tender,
        },
    }
    return json.dumps({"version": "1.1", "releases": [release]}).encode()


@pytest.mark.parametrize(
    "buyer",
    [
        {"name": "Glasgow", "identifier": {"scheme": "GB-LAS", "id": "glg"}},
        {"name": "GCC", "identifier": {"scheme": "GB-LAC", "id": "S12000049"}},
        {
            "name": "GCC",
            "identifier": {"scheme": "GB-COH", "id": "SC000001"},
            "additionalIdentifiers": [{"scheme": "GB-LAS", "id": "GLG"}],
        },
    ],
    ids=["org-id", "gss-code", "additional-identifier"],
)
async def test_organisations_are_matched_by_identifier(db, glasgow, buyer):
    (report,) = await import_ocds(SYSTEM, [("glasgow.json", _scottish_framework(buyer))])
    assert not report.refused, report.refused
    view = await get_solution("housing-repairs-software", SYSTEM)
    assert view.owner.slug == "glasgow-city"
    assert await Organisation.count() == 1  # nobody created


async def test_organisations_are_never_matched_by_name(db, glasgow):
    named_only = {"name": "Glasgow City Council"}
    (report,) = await import_ocds(SYSTEM, [("glasgow.json", _scottish_framework(named_only))])
    assert "no buyer or procuring entity with an organisation identifier" in report.refused[0]
    assert await _state() == ([], 1, 0, [], 0)


async def test_a_process_the_catalogue_refuses_creates_nothing_not_even_organisations(db):
    data = _scottish_framework(
        {"name": "Somewhere", "identifier": {"scheme": "GB-LAE", "id": "XYZ"}},
        techniques={
            "hasFrameworkAgreement": True,
            "frameworkAgreement": {"maximumParticipants": 1},
        },
    )
    release = json.loads(data)
    release["releases"][0]["parties"] += [
        {"id": "a", "name": "Supplier A", "roles": ["supplier"]},
        {"id": "b", "name": "Supplier B", "roles": ["supplier"]},
    ]
    release["releases"][0]["awards"] = [
        {"id": "1", "status": "active", "suppliers": [{"id": "a"}, {"id": "b"}]}
    ]
    (report,) = await import_ocds(SYSTEM, [("two.json", json.dumps(release).encode())])
    assert "awarded_suppliers" in report.refused[0]
    assert await _state() == ([], 0, 0, [], 0)


async def test_an_overlong_ocid_is_refused(db, glasgow):
    data = json.loads(_scottish_framework({"identifier": {"scheme": "GB-LAS", "id": "GLG"}}))
    data["releases"][0]["ocid"] = "ocds-r6ebe6-" + "x" * 200
    (report,) = await import_ocds(SYSTEM, [("long.json", json.dumps(data).encode())])
    assert "an ocid is at most 120 characters" in report.refused[0]
    assert await _state() == ([], 1, 0, [], 0)


async def test_only_the_digital_office_imports(db, glasgow):
    officer = await make_actor(glasgow, "procurement")
    with pytest.raises(PermissionDenied):
        await import_ocds(officer, _files(MULTI))
    assert await Solution.count() == 0


async def test_the_import_command_prints_each_file_and_fails_when_one_is_refused(db):
    result = run_registry("import", "ocds", *(str(p) for p in EVERY_SAMPLE))
    assert result.returncode == 1, result.stderr
    assert f"{FIRST_STAGE}: imported" in result.stdout
    assert f"framework {NHS_OCID}: created" in result.stdout
    assert f"{IDENTIFIERS}: refused" in result.stderr
    assert "no framework agreement" in result.stderr
    assert await Solution.count() == 2

    again = run_registry("import", "ocds", str(MULTI), str(MINI_COMPETITION))
    assert again.returncode == 0, again.stderr
    assert f"framework {CHILE_OCID}: unchanged" in again.stdout
    assert await Solution.count() == 2
