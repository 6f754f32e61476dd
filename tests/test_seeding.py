"""The seed catalogue: the facts the reference documents give, loaded idempotently."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from registry import catalogue, programmes
from registry.accounts import ANONYMOUS
from registry.seeding import SEEDS_DIR, SeedError, count_rows, load_seeds
from registry.tables import Organisation, Solution


async def test_all_32_councils_carry_their_authoritative_identifiers(seeded):
    councils = await Organisation.select().where(Organisation.kind == "council")
    assert len(councils) == 32
    assert all(c["org_id"].startswith("GB-LAS-") for c in councils)
    assert all(c["gss_code"].startswith("S12") for c in councils)
    by_slug = {c["slug"]: c for c in councils}
    assert by_slug["glasgow-city"]["org_id"] == "GB-LAS-GLG"
    assert by_slug["glasgow-city"]["gss_code"] == "S12000049"
    islands = sorted(slug for slug, c in by_slug.items() if c["is_island"])
    assert islands == ["comhairle-nan-eilean-siar", "orkney-islands", "shetland-islands"]


async def test_the_national_bodies_the_documents_name_are_present(seeded):
    slugs = {row["slug"] for row in await Organisation.select(Organisation.slug)}
    assert {
        "digital-office",
        "scotland-excel",
        "scottish-government",
        "improvement-service",
        "civtech",
        "socitm-scotland",
        "scottish-digital-academy",
        "digital-health-and-care-institute",
        "the-data-lab",
        "censis",
        "local-government-association",
    } <= slugs


async def test_at_least_twenty_solutions_of_all_four_kinds_each_naming_its_source(seeded):
    rows = await Solution.select(Solution.kind, Solution.source)
    assert len(rows) >= 20
    assert {r["kind"] for r in rows} == {"platform", "procurement", "challenge", "component"}
    assert all(r["source"].endswith(".txt") for r in rows)


async def test_the_adoption_and_interest_facts_of_the_documents(seeded):
    seemis = await catalogue.solution_with_activity("seemis", ANONYMOUS)
    assert seemis.activity.councils_live == 32
    remote = await catalogue.get_solution("myjobscotland-remote-recruitment")
    assert remote.reported_adopters == 11
    case_management = await catalogue.get_solution("social-work-case-management")
    assert case_management.reported_interested == 6
    assert case_management.details["procurement_body"].slug == "scotland-excel"
    rpa = await catalogue.get_solution("rpa-framework")
    assert rpa.details["max_suppliers"] == 3


async def test_the_programmes_and_their_targets(seeded):
    listed = {p.slug: p for p in await programmes.list_programmes()}
    assert len(listed) >= 3
    telecare = listed["digital-telecare"].milestones
    assert any(m.target_value == 1000 and m.metric == "recorded" for m in telecare)
    federation = listed["microsoft-365-federation"].milestones
    assert any(m.target_value == 16 and m.metric == "councils_live" for m in federation)
    rpa = [
        m
        for p in listed.values()
        for m in p.milestones
        if m.solution and m.solution.slug == "rpa-framework"
    ]
    assert rpa
    assert str(rpa[0].due_on) == "2020-12-31"


async def test_seeding_twice_leaves_every_count_unchanged(pooled_db):
    first = await load_seeds()
    counts = await count_rows()
    second = await load_seeds()
    assert await count_rows() == counts
    assert {outcome for (_, outcome) in second.counts} == {"unchanged"}
    assert {outcome for (_, outcome) in first.counts} == {"created"}


async def test_editing_a_seed_file_updates_that_record_only(pooled_db, tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    await load_seeds(seeds)
    versions = {
        r["slug"]: r["version"] for r in await Solution.select(Solution.slug, Solution.version)
    }
    path = seeds / "solutions" / "seemis.yaml"
    path.write_text(path.read_text().replace("title: SEEMiS", "title: SEEMiS education MIS"))

    report = await load_seeds(seeds)

    assert report.counts[("solutions", "updated")] == 1
    after = {
        r["slug"]: r["version"] for r in await Solution.select(Solution.slug, Solution.version)
    }
    assert after.pop("seemis") == versions.pop("seemis") + 1
    assert after == versions
    assert (await catalogue.get_solution("seemis")).title == "SEEMiS education MIS"


async def test_a_broken_seed_file_is_reported_by_name_and_field(pooled_db, tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    path = seeds / "solutions" / "seemis.yaml"
    path.write_text(path.read_text().replace("status: live", "status: flying", 1))
    with pytest.raises(SeedError, match=r"seemis.yaml \(seemis\): status: Status must be one of"):
        await load_seeds(seeds)
