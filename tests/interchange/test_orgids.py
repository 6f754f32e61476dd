"""Organisation identifiers: recognised and normalised so imports join on them, checked
against the real registers in the samples."""

import csv
import json

import pytest

from registry.interchange.orgids import (
    KNOWN_SCHEMES,
    SCOTTISH_COUNCILS,
    SCOTTISH_GSS,
    NotAnOrgId,
    OrgId,
    org_id,
    parse_org_id,
    same_organisation,
)
from tests.interchange.samples import ORGIDS, SAMPLES

pytestmark = pytest.mark.no_database


def test_the_32_scottish_council_codes_match_the_register():
    with (ORGIDS / "openregister__local-authority-sct.tsv").open(encoding="utf-8") as f:
        codes = {row["local-authority-sct"] for row in csv.DictReader(f, delimiter="\t")}
    assert codes == SCOTTISH_COUNCILS
    assert len(codes) == 32


def test_every_scottish_gss_code_maps_as_the_lookup_says():
    with (ORGIDS / "mysociety__lookup_gss_to_registry.csv").open(encoding="utf-8") as f:
        scottish = {
            row["gss-code"]: row["local-authority-code"]
            for row in csv.DictReader(f)
            if row["gss-code"].startswith("S12")
        }
    assert scottish == SCOTTISH_GSS


def test_the_registry_councils_all_parse_to_themselves():
    with (SAMPLES.parent / "reference" / "scottish-councils.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 32
    for row in rows:
        assert str(parse_org_id(row["org_id"])) == row["org_id"]
        # The same council written by GSS code, as OCDS examples do, is the same organisation.
        assert same_organisation(f"GB-LAC-{row['gss_code']}", row["org_id"])


@pytest.mark.parametrize("path", sorted(ORGIDS.glob("org-id__*.json")), ids=lambda p: p.name)
def test_every_scheme_in_the_org_id_register_samples_is_known(path):
    scheme = json.loads(path.read_text("utf-8"))["code"]
    assert scheme in KNOWN_SCHEMES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GB-LAS-GLG", OrgId("GB-LAS", "GLG")),
        ("  gb-las-glg ", OrgId("GB-LAS", "GLG")),
        ("GB-LAC-S12000049", OrgId("GB-LAS", "GLG")),
        ("GB-LAC-S12000046", OrgId("GB-LAS", "GLG")),  # Glasgow's former GSS code
        ("GB-GOR-DA1020", OrgId("GB-GOR", "DA1020")),
        ("GB-COH-4336774", OrgId("GB-COH", "04336774")),
        ("GB-COH-sc123456", OrgId("GB-COH", "SC123456")),
        ("GB-LANI-BEL", OrgId("GB-LANI", "BEL")),
        ("GB-NHS-YA7", OrgId("GB-NHS", "YA7")),
        ("CL-RUT-608080007", OrgId("CL-RUT", "608080007")),
        ("GB-LAE-E09000003", OrgId("GB-LAE", "E09000003")),
    ],
)
def test_identifiers_are_recognised_and_normalised(text, expected):
    assert parse_org_id(text) == expected


@pytest.mark.parametrize(
    "text", ["Glasgow City Council", "GB-LAS-XXX", "GB-COH-123456789", "GLG", "", "GB-LAS-", "1"]
)
def test_names_and_malformed_identifiers_are_not_identifiers(text):
    assert parse_org_id(text) is None


def test_parts_from_ocds_make_an_identifier():
    assert str(org_id("GB-COH", "04336774")) == "GB-COH-04336774"
    with pytest.raises(NotAnOrgId, match="32 Scottish council codes"):
        org_id("GB-LAS", "ABC")
    with pytest.raises(NotAnOrgId, match="not an org-id scheme"):
        org_id("Companies House", "1")
