"""OCDS: every framework sample read into its facts, the real-world defects mended and named,
and a framework written as a release that validates and reads back to the same facts."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import jsonschema
import pytest

from registry.interchange.ocds import (
    MAX_DEPTH,
    CallOff,
    Framework,
    Lot,
    Money,
    Notice,
    OcdsRefused,
    Party,
    Period,
    Terms,
    dumps,
    read_ocds,
    write_package,
    write_release,
)
from tests.interchange.ocds_schema import release_schema
from tests.interchange.samples import OCDS

pytestmark = pytest.mark.no_database

FIRST_STAGE = OCDS / "standard__frameworks_closed_single_first_stage.json"
SUPPLIER = OCDS / "standard__frameworks_closed_single_supplier.json"
CALL_OFF = OCDS / "standard__frameworks_closed_single_award.json"
MULTI = OCDS / "standard__frameworks_open_multiple_first_stage.json"
MINI_COMPETITION = OCDS / "standard__frameworks_open_multiple_second_stage.json"
IDENTIFIERS = OCDS / "standard__organizations_identifiers.json"
NHS_OCID = "ocds-r6ebe6-9af22e2f-5307-4e98-bff6-1ebffbff343d"


def test_every_sample_is_read():
    assert len(list(OCDS.glob("standard__*.json"))) == 6


def test_a_framework_set_up_by_a_scottish_buyer():
    reading = read_ocds(FIRST_STAGE.read_bytes())
    (framework,) = reading.frameworks
    assert framework.ocid == NHS_OCID
    assert framework.title == "Storage and Distribution of Seasonal Influenza Vaccine"
    assert framework.description.startswith("This framework agreement")
    assert [b.org_id for b in framework.buyers] == ["GB-NHS-YA7"]
    assert framework.value == Money(Decimal(1120000), "GBP")
    assert framework.contract_period == Period(duration_in_days=720)
    assert framework.procurement_method == "open"
    assert framework.release_ids == ("2019/S 197-478648",)


def test_an_award_alone_is_refused_as_no_framework_but_with_its_tender_it_adds_suppliers():
    alone = read_ocds(SUPPLIER.read_bytes())
    assert alone.frameworks == ()
    ((ocid, reason),) = alone.refused
    assert ocid == NHS_OCID
    assert "no framework agreement" in reason
    # Files in any order: the award stage read first still merges into the framework.
    (framework,) = read_ocds(SUPPLIER.read_bytes(), FIRST_STAGE.read_bytes()).frameworks
    assert [s.name for s in framework.suppliers] == ["Movianto UK"]
    assert framework.suppliers[0].org_id is None  # party id "1": no identifier to join on
    assert framework.title == "Storage and Distribution of Seasonal Influenza Vaccine"
    assert set(framework.release_ids) == {"2019/S 197-478648", "2020/S 110-268595"}


def test_a_direct_call_off_names_its_framework_and_buyer():
    (call_off,) = read_ocds(CALL_OFF.read_bytes()).call_offs
    assert call_off.framework_ocid == NHS_OCID
    assert call_off.buyer.org_id == "GB-NHS-YA7"
    assert call_off.competitive is False
    assert call_off.value == Money(Decimal(10000), "GBP")
    assert [s.name for s in call_off.suppliers] == ["Movianto UK"]


def test_a_multi_buyer_framework_with_lots():
    (framework,) = read_ocds(MULTI.read_bytes()).frameworks
    assert [b.org_id for b in framework.buyers] == ["CL-RUT-602030008", "CL-RUT-619993209"]
    assert framework.procuring_entity.org_id == "CL-RUT-608080007"
    assert [(lot.id, lot.title) for lot in framework.lots] == [
        ("1", "Lápiz pasta"),
        ("2", "Papel de impresora"),
    ]
    assert framework.contract_period.end == datetime(2020, 8, 27, 15, 0, tzinfo=UTC)


def test_a_mini_competition_is_a_call_off_on_its_lots():
    (call_off,) = read_ocds(MINI_COMPETITION.read_bytes()).call_offs
    assert call_off.framework_ocid == "ocds-70d2nz-2239-4-LP14"
    assert call_off.related_lots == ("1",)
    assert call_off.competitive is True
    assert call_off.buyer.org_id == "CL-RUT-619993209"


def test_a_process_without_a_framework_is_refused_saying_so():
    reading = read_ocds(IDENTIFIERS.read_bytes())
    assert reading.frameworks == ()
    assert reading.call_offs == ()
    assert "no framework agreement" in reading.refused[0][1]


def _defective() -> bytes:
    package = json.loads(MULTI.read_text("utf-8"))
    release = package["releases"][0]
    release["parties"][1]["identifer"] = release["parties"][1].pop("identifier")
    release["tender"]["value"] = {"amount": "1000000", "currency": "CLP"}
    release["tender"]["numberOfTenderers"] = "0"
    release["relatedProcesses"] = [
        {"id": "1", "relationship": "planning", "identifier": "ocds-70d2nz-x", "scheme": "ocid"}
    ]
    return json.dumps(release).encode()  # a bare release, not a package


def test_real_world_defects_are_mended_and_reported():
    reading = read_ocds(_defective())
    (framework,) = reading.frameworks
    assert framework.value == Money(Decimal(1000000), "CLP")
    assert framework.buyers[0].org_id == "CL-RUT-602030008"
    assert any("'identifer'" in d for d in reading.defects)
    assert any("tender.value.amount is a number written as a string" in d for d in reading.defects)
    assert any("relationship is a string" in d for d in reading.defects)
    assert framework.defects == reading.defects


def test_records_and_arrays_of_releases_are_read():
    release = json.loads(FIRST_STAGE.read_text("utf-8"))["releases"][0]
    record_package = {"records": [{"ocid": release["ocid"], "compiledRelease": release}]}
    (from_record,) = read_ocds(json.dumps(record_package).encode()).frameworks
    (from_array,) = read_ocds(json.dumps([release]).encode()).frameworks
    (from_package,) = read_ocds(FIRST_STAGE.read_bytes()).frameworks
    assert from_record == from_array == from_package


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"hello": "world"}', "not OCDS"),
        (b'{"a":' * (MAX_DEPTH + 5) + b"1" + b"}" * (MAX_DEPTH + 5), "nested deeper"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested deeper"),
        (b"\xe9t\xe9", "not UTF-8"),
        (b"{nope", "not valid JSON"),
        (b'{"releases": [1, 2]}', "no release with an ocid"),
    ],
)
def test_files_that_are_not_ocds_are_refused_with_a_reason(data, reason):
    with pytest.raises(OcdsRefused, match=reason):
        read_ocds(data)


GLASGOW = Party("GB-LAS-GLG", "Glasgow City Council", "GB-LAS-GLG", ("buyer",))
EXCEL = Party("GB-GOR-PB1234", "Scotland Excel", "GB-GOR-PB1234", ("procuringEntity",))
SUPPLIER_A = Party(
    "GB-COH-04336774", "IBM", "GB-COH-04336774", ("supplier",), ("GB-VAT-GB107328000",)
)
SUPPLIER_B = Party("GB-COH-SC123456", "A Scottish firm", "GB-COH-SC123456", ("supplier",))
FRAMEWORK = Framework(
    ocid="ocds-r6ebe6-0000-test",
    title="Case management systems",
    description="A framework for case management software.",
    buyers=(GLASGOW,),
    procuring_entity=EXCEL,
    parties=(GLASGOW, EXCEL, SUPPLIER_A, SUPPLIER_B),
    lots=(
        Lot(
            "1",
            "Social care",
            None,
            Money(Decimal(500000), "GBP"),
            Period(datetime(2026, 4, 1, tzinfo=UTC), datetime(2030, 3, 31, tzinfo=UTC)),
            Terms(method="withReopeningCompetition"),
            (SUPPLIER_A,),
        ),
        Lot("2", "Housing", suppliers=(SUPPLIER_A, SUPPLIER_B)),
    ),
    terms=Terms(
        method="withAndWithoutReopeningCompetition",
        maximum_participants=6,
        buyer_categories="All Scottish local authorities",
        period=Period(datetime(2026, 4, 1, tzinfo=UTC), datetime(2030, 3, 31, tzinfo=UTC)),
    ),
    procurement_method="open",
    contract_period=Period(datetime(2026, 4, 1, tzinfo=UTC), datetime(2030, 3, 31, tzinfo=UTC)),
    value=Money(Decimal("1250000.50"), "GBP"),
    notices=(Notice("FTS-001", "tenderNotice", "https://example.org/notice/1", "Contract notice"),),
)


def _written() -> dict:
    return write_release(
        FRAMEWORK, release_id="ocds-r6ebe6-0000-test-1", date=datetime(2026, 5, 1, tzinfo=UTC)
    )


def test_a_written_release_is_valid_ocds_1_1_with_the_techniques_extension():
    release = json.loads(dumps(_written()))
    jsonschema.Draft4Validator(
        release_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    ).validate(release)
    assert release["tender"]["techniques"]["hasFrameworkAgreement"] is True
    assert release["tender"]["techniques"]["frameworkAgreement"]["maximumParticipants"] == 6


def test_the_schema_check_can_fail():
    release = json.loads(dumps(_written()))
    release["tender"]["techniques"]["frameworkAgreement"]["method"] = "byLottery"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(release_schema()).validate(release)


def test_written_then_read_gives_the_same_facts():
    package = write_package(
        [_written()], uri="https://registry.example/ocds.json",
        published=datetime(2026, 5, 1, tzinfo=UTC), publisher="Shared Solutions Registry",
    )  # fmt: skip
    (framework,) = read_ocds(dumps(package).encode()).frameworks
    assert framework == FRAMEWORK


@pytest.mark.parametrize("path", [FIRST_STAGE, MULTI], ids=lambda p: p.name)
def test_samples_read_write_read_give_the_same_facts(path):
    (framework,) = read_ocds(path.read_bytes()).frameworks
    written = write_release(framework, release_id="1", date=datetime(2026, 1, 1, tzinfo=UTC))
    jsonschema.Draft4Validator(release_schema()).validate(json.loads(dumps(written)))
    (again,) = read_ocds(dumps(written).encode()).frameworks
    assert again == framework


def test_a_call_off_read_before_its_framework_is_still_a_call_off():
    reading = read_ocds(CALL_OFF.read_bytes(), SUPPLIER.read_bytes(), FIRST_STAGE.read_bytes())
    assert [type(x) for x in (*reading.frameworks, *reading.call_offs)] == [Framework, CallOff]
    assert reading.call_offs[0].framework_ocid == reading.frameworks[0].ocid
