"""publiccode.yml: every real-world and reference-parser sample read as the standard says, and
every valid one written back and read to the same facts."""

import json
from datetime import date

import pytest

from registry.interchange import yaml12
from registry.interchange.publiccode import (
    Contractor,
    NotWritable,
    read_publiccode,
    write_publiccode,
)
from tests.interchange.samples import PARSER_TESTDATA, PUBLICCODE

pytestmark = pytest.mark.no_database

EXPECTED = json.loads((PARSER_TESTDATA / "expected-results.json").read_text("utf-8"))

REAL_VALID = sorted(p for p in PUBLICCODE.glob("*.yml") if p.name != "open-zaak__open-zaak.yml")
PARSER_VALID = sorted(
    [
        *(PARSER_TESTDATA / "valid").glob("*.yml"),
        *(PARSER_TESTDATA / "valid_with_warnings").glob("*.yml"),
    ]
)
PARSER_INVALID = sorted((PARSER_TESTDATA / "invalid").glob("*.yml"))
ALL_VALID = REAL_VALID + PARSER_VALID

# Where the reference parser reports knock-on errors of one fault: a type error in
# `localisation` makes it report the whole section as missing. Only the first is a problem here.
KNOCK_ON = {"localisation_localisationReady_yaml11_yes.yml": {"localisation.availableLanguages"}}


def _oracle_key(key: str) -> str:
    # The parser writes a map key with a hyphen as description[en-US]; paths here use dots.
    return key.replace("[en-US]", ".en-US")


def _read(path):
    return read_publiccode(path.read_bytes())


def test_the_samples_are_there():
    assert len(REAL_VALID) == 6
    assert len(PARSER_VALID) == 22
    assert len(PARSER_INVALID) == 39


@pytest.mark.parametrize("path", ALL_VALID, ids=lambda p: p.name)
def test_valid_files_are_valid(path):
    reading = _read(path)
    assert reading.errors == ()
    assert reading.facts is not None
    assert reading.facts.name
    assert reading.facts.descriptions


@pytest.mark.parametrize("path", PARSER_VALID, ids=lambda p: p.name)
def test_warnings_match_the_reference_parser(path):
    expected = {
        r["key"] for r in EXPECTED.get(path.name, {}).get("results", []) if r["kind"] == "warning"
    }
    warned = {w.key for w in _read(path).warnings}
    assert expected <= warned


@pytest.mark.parametrize("path", PARSER_INVALID, ids=lambda p: p.name)
def test_invalid_files_are_refused_naming_the_keys_the_reference_parser_names(path):
    reading = _read(path)
    assert reading.facts is None
    assert reading.errors
    expected = {
        _oracle_key(r["key"]) for r in EXPECTED[path.name]["results"] if r["kind"] == "error"
    } - KNOCK_ON.get(path.name, set())
    assert {e.key for e in reading.errors} == expected


def test_an_error_reads_as_its_key_path_and_reason():
    reading = _read(PARSER_TESTDATA / "invalid" / "description_en_shortDescription_missing.yml")
    assert [str(e) for e in reading.errors] == ["description.en.shortDescription: required"]
    assert reading.errors[0].line == 20


def test_a_latin1_file_is_refused_as_not_utf8():
    for path in (PUBLICCODE / "broken" / "Comune-Milano__gefo.yml",
                 PARSER_TESTDATA / "invalid" / "file_encoding.yml"):  # fmt: skip
        reading = _read(path)
        assert len(reading.errors) == 1
        assert "not UTF-8" in reading.errors[0].message


def test_the_broken_real_file_is_refused_with_every_reason():
    reading = _read(PUBLICCODE / "broken" / "CatalaLang__catala.yml")
    problems = {str(e) for e in reading.errors}
    assert 'creationDate: unknown field "creationDate"' in problems
    assert 'fundedBy[0].url: unknown field "url"' in problems
    assert "fundedBy[0].uri: required" in problems
    assert "description.en.features: required" in problems
    assert "platforms: required: at least one platform" in problems
    assert "developmentStatus: required" in problems
    assert "localisation: required" in problems


def test_a_contractor_without_an_end_date_is_refused():
    # open-zaak's file names a contractor with no `until`, which every version requires.
    reading = _read(PUBLICCODE / "open-zaak__open-zaak.yml")
    assert [str(e) for e in reading.errors] == ["maintenance.contractors[0].until: required"]
    assert {"inputTypes", "outputTypes", "legal.repoOwner"} <= {w.key for w in reading.warnings}


def test_version_one_is_not_a_released_standard():
    reading = _read(PARSER_TESTDATA / "v1-valid" / "valid.yml")
    assert [e.key for e in reading.errors] == ["publiccodeYmlVersion"]
    assert "unsupported version '1'" in reading.errors[0].message


def test_an_unquoted_version_number_is_the_wrong_type():
    text = (PARSER_TESTDATA / "valid_with_warnings" / "valid.minimal.v0.4.yml").read_bytes()
    reading = read_publiccode(text.replace(b'"0.4"', b"0.4"))
    assert [e.key for e in reading.errors] == ["publiccodeYmlVersion"]
    assert "string" in reading.errors[0].message


def _minimal(**changes) -> bytes:
    text = (PARSER_TESTDATA / "valid" / "valid.minimal.yml").read_text("utf-8")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return text.encode("utf-8")


def test_rules_follow_the_declared_version():
    # 0.2 asks for a 500-character long description; 0.3 and later for 150.
    short = _minimal(**{'publiccodeYmlVersion: "0"': 'publiccodeYmlVersion: "0.2"'})
    reading = read_publiccode(short)
    assert "releaseDate" in {e.key for e in reading.errors}
    assert read_publiccode(_minimal()).valid


def test_unknown_platforms_and_deprecated_keys_are_warnings_only():
    reading = read_publiccode(_minimal(**{"  - web": "  - web\n  - amiga"}))
    assert reading.valid
    assert any(w.key == "platforms[1]" and "amiga" in w.message for w in reading.warnings)


def test_a_licence_must_be_an_spdx_expression():
    bad = read_publiccode(_minimal(**{"AGPL-3.0-or-later": "GPL-3 or whatever"}))
    assert [e.key for e in bad.errors] == ["legal.license"]
    assert read_publiccode(_minimal(**{"AGPL-3.0-or-later": "MIT OR Apache-2.0"})).valid


def test_urls_are_checked_without_the_network():
    reading = read_publiccode(_minimal(**{
        'url: "https://github.com/italia/developers.italia.it.git"': "url: not a url",
    }))  # fmt: skip
    assert [str(e) for e in reading.errors] == ["url: must be a URL with its scheme (https://…)"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"a: &a [1,2,3,4,5,6,7,8,9,10]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
            b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
            "aliases are expanded",
        ),
        (b"x: " + b"[" * 5000 + b"]" * 5000, "nested deeper"),
        (b"name: a\nname: b\n", "appears twice"),
        (b"name: a\n---\nname: b\n", "more than one YAML document"),
        (b"x" * (yaml12.MAX_BYTES + 1), "larger than"),
        (
            b'publiccodeYmlVersion: "0"\nname: !!python/object/apply:os.system [echo]\n',
            "name: wrong type",
        ),
        (b"", "empty"),
        (b"- a\n- b\n", "mapping"),
    ],
)
def test_hostile_or_odd_yaml_is_refused_with_a_reason(data, reason):
    reading = read_publiccode(data)
    assert reading.facts is None
    assert any(reason in str(e) for e in reading.errors), reading.errors


def test_yaml_1_1_booleans_and_dates_are_read_as_yaml_1_2():
    loaded = yaml12.load(b"a: yes\nb: on\nc: 2017-04-15\nd: true\ne: 0.5.0\nf: +391624231322\n")
    assert loaded.value["a"] == "yes"
    assert loaded.value["b"] == "on"
    assert loaded.value["c"] == "2017-04-15"
    assert loaded.value["d"] is True
    assert loaded.value["e"] == "0.5.0"
    assert yaml12.as_text(loaded.value["f"]) == "+391624231322"


def test_facts_of_a_real_file():
    facts = _read(PUBLICCODE / "AgID__wai-portal.yml").facts
    assert facts.url == "https://github.com/agid/wai-portal"
    assert facts.licence == "AGPL-3.0-or-later"
    assert facts.development_status == "beta"
    assert facts.software_type == "standalone/web"
    assert facts.maintenance_type == "contract"
    assert facts.contractors == (
        Contractor("Indra Italia", date(2021, 10, 18), website="https://www.indracompany.com/en"),
    )
    assert facts.contacts[0].name == "Davide Porrovecchio"
    assert facts.used_by == ("Agenzia per l'Italia Digitale",)
    assert facts.logo == "resources/images/wai-logo.svg"
    assert facts.countries == ("IT",)
    language, description = facts.best_description()
    assert language == "it"
    assert len(description.features) == 4


def test_english_is_the_best_description_when_there_is_one():
    facts = _read(PUBLICCODE / "Amsterdam__signals-frontend.yml").facts
    language, description = facts.best_description()
    assert language == "en"
    assert description.features[0] == "Notification classification"
    assert [d.name for d in facts.depends_on][:2] == ["nodeJS", "npm"]
    assert facts.depends_on[0].version == "16"


@pytest.mark.parametrize("path", ALL_VALID, ids=lambda p: p.name)
def test_round_trip_read_write_read_gives_the_same_facts(path):
    facts = _read(path).facts
    text = write_publiccode(facts)
    again = read_publiccode(text.encode("utf-8"))
    assert again.errors == ()
    assert again.version == "0.7"
    assert not [w for w in again.warnings if w.key == "publiccodeYmlVersion"]
    assert again.facts == facts


def test_facts_that_cannot_make_a_valid_file_are_not_written():
    facts = _read(PUBLICCODE / "CISOfy__lynis.yml").facts
    from dataclasses import replace

    broken = replace(facts, licence="not a licence", platforms=())
    with pytest.raises(NotWritable) as refused:
        write_publiccode(broken)
    keys = {p.key for p in refused.value.problems}
    assert keys == {"legal.license", "platforms"}
