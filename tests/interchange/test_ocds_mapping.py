"""The mapping between a framework agreement's facts and a joint procurement's, fact by fact:
what reads back the same, and what is said not to be kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.interchange import procurements
from registry.interchange.ocds import Framework, Lot, Money, Party, Period, Terms

pytestmark = pytest.mark.no_database

RESOLVED = procurements.Resolved(owner="scotland-excel", procurement_body="scotland-excel")
EXCEL = procurements.OrganisationFacts(
    "scotland-excel",
    "Scotland Excel",
    None,
    "https://registry.example/organisations/scotland-excel",
)


def _values(framework: Framework, current=None) -> dict:
    return procurements.procurement_values(framework, RESOLVED, current).values


@pytest.mark.parametrize(
    ("text", "summary", "description"),
    [
        (None, "Title here", ""),
        ("One short paragraph.", "One short paragraph.", ""),
        ("First.\n\nSecond.\n\nThird.", "First.", "Second.\n\nThird."),
    ],
    ids=["none", "short", "paragraphs"],
)
def test_summary_and_description_read_back_the_same(text, summary, description):
    found = procurements.summary_and_description(text, "Title here")
    assert found == (summary, description)
    written = procurements.description_of(*found, "Title here")
    assert procurements.summary_and_description(written, "Title here") == found


def test_a_long_first_paragraph_is_cut_for_the_summary_and_kept_whole():
    text = "word " * 100
    summary, description = procurements.summary_and_description(text, "Title here")
    assert summary.endswith("…")
    assert len(summary) <= 280
    assert description == text.strip()
    written = procurements.description_of(summary, description, "Title here")
    assert written == description


def test_a_value_in_another_currency_and_a_bare_duration_are_said_not_to_be_kept():
    framework = Framework(
        ocid="ocds-r6ebe6-1",
        title="Vaccine storage",
        value=Money(Decimal(500), "EUR"),
        contract_period=Period(duration_in_days=720),
    )
    mapped = procurements.procurement_values(framework, RESOLVED)
    assert mapped.values["estimated_value"] is None
    assert (mapped.values["starts_on"], mapped.values["ends_on"]) == (None, None)
    assert any("EUR" in note for note in mapped.notes)
    assert any("720 days" in note for note in mapped.notes)


def test_an_end_is_worked_out_from_a_start_and_a_duration():
    start = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    framework = Framework(
        ocid="ocds-r6ebe6-1", title="Vaccine storage", contract_period=Period(start, None, 30)
    )
    values = _values(framework)
    assert (values["starts_on"], values["ends_on"]) == (dt.date(2026, 4, 1), dt.date(2026, 5, 1))


def test_lots_that_share_a_method_give_the_frameworks_and_suppliers_are_every_lots():
    a, b = Party("a", "Acme Ltd", None), Party("b", "Beta plc", None)
    framework = Framework(
        ocid="ocds-r6ebe6-1",
        title="Case management",
        lots=(
            Lot("1", "Adults", terms=Terms(method="withoutReopeningCompetition"), suppliers=(a,)),
            Lot("2", None, terms=Terms(method="withoutReopeningCompetition"), suppliers=(a, b)),
        ),
    )
    values = _values(framework)
    assert values["call_off_method"] == "direct_award"
    assert values["lots"] == [
        {"name": "Adults", "suppliers": ["Acme Ltd"]},
        {"name": "Lot 2", "suppliers": ["Acme Ltd", "Beta plc"]},
    ]
    assert values["awarded_suppliers"] == ["Acme Ltd", "Beta plc"]
    assert values["status"] == "awarded"
    # The same suppliers already stored in another order stay in that order.
    again = _values(framework, {"awarded_suppliers": ["Beta plc", "Acme Ltd"]})
    assert again["awarded_suppliers"] == ["Beta plc", "Acme Ltd"]


def test_an_import_never_moves_a_procurement_back_a_stage():
    framework = Framework(ocid="ocds-r6ebe6-1", title="Case management", status="active")
    assert _values(framework)["status"] == "tendering"
    assert _values(framework, {"status": "expired"})["status"] == "expired"
    cancelled = Framework(ocid="ocds-r6ebe6-1", title="Case management", status="cancelled")
    assert _values(cancelled)["status"] == "expired"


def test_a_procurements_facts_written_and_read_give_the_same_values():
    values = {
        "title": "Case management",
        "summary": "A framework for case management software.",
        "description": "More about it.",
        "owner": "scotland-excel",
        "status": "awarded",
        "procurement_body": "scotland-excel",
        "reference": "SXL-0042",
        "call_off_method": "direct_award_or_mini_competition",
        "call_off_by": "Scottish councils",
        "lots": [{"name": "Adults", "suppliers": ["Acme Ltd"]}],
        "max_suppliers": 4,
        "awarded_suppliers": ["Acme Ltd", "Gamma LLP"],
        "starts_on": dt.date(2026, 4, 1),
        "ends_on": dt.date(2030, 3, 31),
        "notice_reference": "2026/S 001-000001; 2026/S 090-000090",
        "estimated_value": 250_000_00,
    }
    framework = procurements.framework_facts(
        values, ocid="ocds-ssregs-7", owner=EXCEL, procurement_body=EXCEL
    )
    assert framework.status == "complete"
    assert [s.name for s in framework.suppliers] == ["Gamma LLP"]
    assert procurements.kept_facts(_values(framework, values)) == procurements.kept_facts(values)


def test_the_registrys_own_ocids_are_recognised():
    assert procurements.own_solution_id(procurements.own_ocid(42)) == 42
    assert procurements.own_solution_id("ocds-r6ebe6-42") is None
    assert procurements.own_solution_id("ocds-ssregs-42x") is None
