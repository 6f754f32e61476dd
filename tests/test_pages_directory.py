"""The organisation, programme and dashboard pages, read as a person reads them: headings, table
cells, link targets and the words that stand in for each chart. Read-only checks use the seeded
catalogue; the demand, frameworks and escaping checks build what they need in the scratch
database."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from registry import collaboration, programmes
from registry.catalogue import supply
from tests.factories import SYSTEM, make_actor, make_org, make_solution

PAGES = [
    ("/organisations", "Organisations"),
    ("/organisations?kind=council", "Organisations"),
    ("/organisations/glasgow-city", "Glasgow City Council"),
    ("/programmes", "Programmes"),
    ("/programmes/digital-telecare", "Digital telecare"),
    ("/programmes/microsoft-365-federation", "Microsoft 365 federation"),
    ("/dashboard", "Digital Office dashboard"),
]
SCRIPT = "<script>alert(1)</script>"


# The pages never search, but the app starts its search engine and, finding the index empty
# beside a catalogue with solutions, rebuilds it in the background; shutting down in the middle
# of that rebuild can leave a PostgreSQL connection unclosed. So each client gets an index that
# needs no rebuilding: the seeded catalogue's (`seeded_client`), built once, or an empty one
# beside an empty database (`client`).


def words(node: Node | None) -> str:
    """The text of a node as it reads, with runs of white space made single spaces."""
    return " ".join(node.text(separator=" ").split()) if node is not None else ""


async def html(client, path: str, status: int = 200) -> HTMLParser:
    response = await client.get(path)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return HTMLParser(response.text)


def h1(tree: HTMLParser) -> str:
    headings = tree.css("h1")
    assert len(headings) == 1, [words(h) for h in headings]
    return words(headings[0])


def table_rows(tree: HTMLParser, selector: str) -> list[list[str]]:
    table = tree.css_first(selector)
    assert table is not None, f"no table {selector}"
    return [[words(cell) for cell in row.css("th, td")] for row in table.css("tbody tr")]


def column(tree: HTMLParser, selector: str, heading: str) -> list[str]:
    """The cells under one column heading of a table, row by row."""
    headings = [words(th) for th in tree.css(f"{selector} thead th")]
    index = headings.index(heading)
    return [row[index] for row in table_rows(tree, selector)]


def labelled_by(tree: HTMLParser, node: Node) -> str:
    ids = (node.attributes.get("aria-labelledby") or "").split()
    assert ids, "the chart has no aria-labelledby"
    found = [tree.css_first(f"[id='{i}']") for i in ids]
    assert all(found), f"aria-labelledby names missing ids: {ids}"
    return " ".join(words(n) for n in found)


# -- every page --------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "heading"), PAGES)
async def test_each_page_opens_to_anyone_with_its_heading(seeded_client, path, heading):
    tree = await html(seeded_client, path)
    assert h1(tree) == heading


@pytest.mark.parametrize(("path", "heading"), PAGES)
async def test_tables_headings_and_charts_are_described(seeded_client, path, heading):
    tree = await html(seeded_client, path)
    for table in tree.css("main table"):
        assert words(table.css_first("caption")), "a table without a caption"
        assert all(th.attributes.get("scope") in ("col", "row") for th in table.css("th"))
    levels = [int(h.tag[1]) for h in tree.css("main h1, main h2, main h3, main h4")]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    for chart in tree.css("main svg[role=img]"):
        assert labelled_by(tree, chart)
    assert not tree.css("[style]"), "inline styles are refused by the Content Security Policy"
    assert all(script.attributes.get("src") for script in tree.css("script"))


# -- organisations -----------------------------------------------------------------------------


async def test_the_directory_lists_the_32_councils_first_with_their_ids(seeded_client):
    tree = await html(seeded_client, "/organisations")
    assert words(tree.css_first("main h2")) == "Councils"
    rows = table_rows(tree, "#organisations-council")
    assert len(rows) == 32
    assert all(row[1].startswith("GB-LAS-") for row in rows)
    glasgow = next(row for row in rows if row[0] == "Glasgow City Council")
    assert glasgow[1:4] == ["GB-LAS-GLG", "S12000049", "No"]
    assert next(row for row in rows if row[0] == "Shetland Islands Council")[3] == "Yes"
    links = {words(a): a.attributes["href"] for a in tree.css("#organisations-council a")}
    assert links["Glasgow City Council"] == "/organisations/glasgow-city"
    assert tree.css_first("#organisations-national-body") is not None


async def test_the_directory_shows_one_kind_when_asked(seeded_client):
    tree = await html(seeded_client, "/organisations?kind=partner")
    assert [words(h) for h in tree.css("main h2")] == ["Partners"]
    assert tree.css_first("#organisations-council") is None
    current = tree.css_first(".registry-kind-filter [aria-current=page]")
    assert words(current).startswith("Partners")


async def test_an_unknown_kind_of_organisation_is_refused_in_words(seeded_client):
    tree = await html(seeded_client, "/organisations?kind=wizards", status=422)
    assert h1(tree)
    assert "wizards" in words(tree.css_first("main"))


async def test_glasgows_profile_lists_seemis_under_what_it_uses(seeded_client):
    tree = await html(seeded_client, "/organisations/glasgow-city")
    identifiers = dict(
        zip(
            [words(dt_) for dt_ in tree.css("#identifiers dt")],
            [words(dd) for dd in tree.css("#identifiers dd")],
            strict=True,
        )
    )
    assert identifiers["Organisation identifier"] == "GB-LAS-GLG"
    assert identifiers["GSS code"] == "S12000049"
    assert identifiers["ISO 3166-2 code"] == "GB-GLG"
    uses = table_rows(tree, "#uses-table")
    seemis = next(row for row in uses if row[0] == "SEEMiS")
    assert seemis[2] == "Live"
    link = next(a for a in tree.css("#uses-table a") if words(a) == "SEEMiS")
    assert link.attributes["href"] == "/solutions/seemis"
    # Nothing in the seeds says Glasgow is interested in or sponsors anything: said in words.
    sections = {words(s.css_first("h2")): words(s) for s in tree.css("main section")}
    assert "has not registered interest" in sections["What it is interested in"]
    assert "has not pledged" in sections["What it sponsors"]


@pytest.mark.parametrize("path", ["/organisations/atlantis", "/programmes/moon-landing"])
async def test_an_unknown_slug_is_a_404_page(seeded_client, path):
    tree = await html(seeded_client, path, status=404)
    assert h1(tree) == "Page not found"


# -- programmes --------------------------------------------------------------------------------


def milestone_facts(tree: HTMLParser, slug: str) -> dict[str, str]:
    section = tree.css_first(f"#milestone-{slug}")
    assert section is not None, f"no milestone {slug}"
    keys = [words(n) for n in section.css(".ds_summary-list__key")]
    values = [words(n) for n in section.css(".ds_summary-list__value")]
    return dict(zip(keys, values, strict=True))


async def test_the_telecare_target_and_its_missing_figure_are_said(seeded_client):
    tree = await html(seeded_client, "/programmes/digital-telecare")
    facts = milestone_facts(tree, "boxes-deployed")
    assert facts["Target"] == "1,000 boxes"
    assert facts["Where it stands"] == "No figure has been recorded yet"
    assert facts["Due"] == "31 December 2021"
    assert "As of" not in facts
    section = tree.css_first("#milestone-boxes-deployed")
    # the 2019-2021 plan has ended and no source says how the milestone ended
    assert words(section.css_first(".registry-milestone__state")) == "Outcome not recorded"
    assert "Overdue" not in words(tree.css_first("main"))
    chart = section.css_first("svg[role=img]")
    assert labelled_by(tree, chart) == "No figure has been recorded yet"
    solutions = {words(a): a.attributes["href"] for a in tree.css("#solutions-table a")}
    assert solutions["Digital telecare (analogue to digital)"] == "/solutions/digital-telecare"


async def test_the_m365_milestone_counts_0_of_16_councils(seeded_client):
    tree = await html(seeded_client, "/programmes/microsoft-365-federation")
    facts = milestone_facts(tree, "half-of-councils-federated")
    assert facts["Where it stands"].startswith("0 of 16 councils")
    assert facts["Target"] == "16 councils"
    assert "counted from the registry" in facts["As of"]
    overview = tree.css_first("#chart svg[role=img]")
    assert labelled_by(tree, overview).startswith(
        "At least half of councils (16 of 32) federated on Microsoft 365 0 of 16 councils (0%)"
    )


async def test_a_recorded_figure_shows_its_date_and_is_met(seeded_client):
    tree = await html(seeded_client, "/programmes/digital-leadership-and-skills")
    facts = milestone_facts(tree, "first-elected-members-workshop")
    assert facts["Where it stands"].startswith("1 of 1 workshop")
    assert facts["As of"] == "31 January 2020"
    assert "22 councillors" in facts["Note"]
    assert "Met" in words(tree.css_first("#milestone-first-elected-members-workshop"))


async def test_the_programme_list_summarises_each_milestone(seeded_client):
    tree = await html(seeded_client, "/programmes")
    titles = {words(a): a.attributes["href"] for a in tree.css("main h2 a")}
    assert titles["Digital telecare"] == "/programmes/digital-telecare"
    assert len(titles) == 6
    chart = tree.css_first("#chart-microsoft-365-federation")
    row = chart.css_first("svg[role=img]")
    assert "0 of 16 councils" in labelled_by(tree, row)
    link = chart.css_first("a").attributes["href"]
    assert link == "/programmes/microsoft-365-federation#milestone-half-of-councils-federated"


# -- the dashboard -----------------------------------------------------------------------------


async def test_the_adoption_matrix_has_every_council_and_seemis_everywhere(seeded_client):
    tree = await html(seeded_client, "/dashboard")
    rows = table_rows(tree, "#adoption-matrix")
    assert len(rows) == 32
    assert rows[0][0] == "Aberdeen City Council"
    assert column(tree, "#adoption-matrix", "SEEMiS") == ["Live"] * 32
    headings = [words(th) for th in tree.css("#adoption-matrix thead th")]
    totals = [words(c) for c in tree.css("#adoption-matrix tfoot tr")[0].css("th, td")]
    assert totals[0] == "Councils live"
    assert totals[headings.index("SEEMiS")] == "32 of 32"
    region = tree.css_first(".registry-matrix")
    assert labelled_by(tree, region) == "Adoption of 9 common platforms by 32 councils"


async def test_the_dashboard_charts_every_programme(seeded_client):
    tree = await html(seeded_client, "/dashboard")
    section = tree.css_first("section[aria-labelledby=programmes]")
    programmes_shown = [words(h) for h in section.css("h3")]
    assert "Digital telecare" in programmes_shown
    assert len(programmes_shown) == 6
    telecare = tree.css_first("#dashboard-digital-telecare")
    alternatives = [labelled_by(tree, svg) for svg in telecare.css("svg[role=img]")]
    assert alternatives[0].startswith(
        "At least 1,000 digital telecare boxes deployed No figure has been recorded yet"
    )


async def test_with_no_demand_and_no_frameworks_the_dashboard_says_so(seeded_client):
    tree = await html(seeded_client, "/dashboard")
    demand = words(tree.css_first("section[aria-labelledby=demand]"))
    assert "No solution has 3 or more councils intending to adopt yet" in demand
    frameworks = words(tree.css_first("section[aria-labelledby=frameworks]"))
    assert "No joint procurement or framework ends between" in frameworks


async def test_demand_gathers_once_the_configured_number_of_councils_intend_to_adopt(client):
    """The dashboard lists demand at the threshold of the demand notification (3 by default),
    leaving out joint procurements and what is already bought through one."""
    councils = [await make_org(f"council-{n}", name=f"Council {n}") for n in range(1, 6)]
    officers = [await make_actor(c, "member") for c in councils]
    owner = await make_org("owner-body", kind="national_body", name="Owner body")
    wanted = await make_solution("platform", owner, title="Shared booking platform")
    lonely = await make_solution("component", owner, title="Lonely component")
    already_joint = await make_solution("procurement", owner, title="Joint booking framework")
    bought = await make_solution("platform", owner, title="Bought through the framework")
    await supply.link_supply(SYSTEM, bought.slug, already_joint.slug)

    async def interest(officer, council, solution, level):
        await collaboration.register_interest(officer, solution.slug, council["slug"], level)

    await interest(officers[0], councils[0], wanted, "intends_to_adopt")
    await interest(officers[1], councils[1], wanted, "intends_to_adopt")
    tree = await html(client, "/dashboard")
    assert "No solution has 3 or more councils intending to adopt yet" in words(
        tree.css_first("section[aria-labelledby=demand]")
    )

    await interest(officers[2], councils[2], wanted, "intends_to_adopt")
    await interest(officers[3], councils[3], wanted, "exploring")
    await interest(officers[4], councils[4], wanted, "following")
    await interest(officers[0], councils[0], lonely, "intends_to_adopt")
    await interest(officers[2], councils[2], lonely, "exploring")
    for n in (0, 1, 2):
        await interest(officers[n], councils[n], already_joint, "intends_to_adopt")
        await interest(officers[n], councils[n], bought, "intends_to_adopt")

    tree = await html(client, "/dashboard")
    assert table_rows(tree, "#demand-table") == [
        ["Shared booking platform", "Common platform", "3", "1", "1"]
    ]
    link = tree.css_first("#demand-table a")
    assert link.attributes["href"] == f"/solutions/{wanted.slug}"


async def test_frameworks_ending_within_six_months_are_listed(client, scotland_excel):
    today = dt.date.today()
    body = scotland_excel
    soon = await make_solution(
        "procurement",
        body,
        title="Framework ending soon",
        ends_on=(today + dt.timedelta(days=61)).isoformat(),
        reference="SXL-01",
    )
    await make_solution(
        "procurement",
        body,
        title="Framework ending later",
        ends_on=(today + dt.timedelta(days=244)).isoformat(),
    )
    await make_solution(
        "procurement",
        body,
        title="Framework already ended",
        starts_on="2020-01-01",
        ends_on=(today - dt.timedelta(days=1)).isoformat(),
    )
    tree = await html(client, "/dashboard")
    rows = table_rows(tree, "#frameworks-table")
    assert [row[0] for row in rows] == ["Framework ending soon"]
    assert rows[0][1:3] == ["Scotland Excel", "SXL-01"]
    assert "in 61 days" in rows[0][3]
    links = [a.attributes["href"] for a in tree.css("#frameworks-table a")]
    assert links == [f"/solutions/{soon.slug}", "/organisations/scotland-excel"]


# -- escaping ----------------------------------------------------------------------------------


async def test_stored_markup_is_shown_as_text(client):
    council = await make_org(
        "scripted", name=f"{SCRIPT} Council", description=f"About us {SCRIPT}", org_id="GB-X"
    )
    curator = await make_actor(council, "member", digital_office=True)
    await programmes.save_programme(
        curator,
        {
            "slug": "scripted-programme",
            "title": f"Programme {SCRIPT}",
            "summary": f"Summary {SCRIPT}",
            "description": f"Description {SCRIPT}",
            "status": "active",
        },
        council["slug"],
    )
    await programmes.save_milestone(
        curator,
        "scripted-programme",
        {
            "slug": "scripted-milestone",
            "title": f"Milestone {SCRIPT}",
            "metric": "recorded",
            "target_value": 10,
            "target_unit": SCRIPT,
        },
    )
    for path, heading in [
        ("/organisations", "Organisations"),
        ("/organisations/scripted", f"{SCRIPT} Council"),
        ("/programmes", "Programmes"),
        ("/programmes/scripted-programme", f"Programme {SCRIPT}"),
        ("/dashboard", "Digital Office dashboard"),
    ]:
        tree = await html(client, path)
        assert h1(tree) == heading
        assert not tree.css("main script")
        assert all(script.attributes.get("src") for script in tree.css("script"))
        assert SCRIPT in words(tree.css_first("main"))


async def test_a_profile_says_since_when_an_interest_and_a_pledge_stand(
    client, glasgow, glasgow_officer
):
    officer = glasgow_officer
    platform = await make_solution("platform", glasgow, title="Shared bins platform")
    await collaboration.register_interest(officer, platform.slug, "glasgow-city", "exploring")
    await collaboration.pledge(officer, platform.slug, "glasgow-city", amount_pence=5000)
    page = await client.get("/organisations/glasgow-city")
    today = dt.date.today()
    written = f"{today.day} {today:%B %Y}"
    tree = HTMLParser(page.text)
    assert f"since {written}" in words(tree.css_first('section[aria-labelledby="interests"]'))
    row = [words(cell) for cell in tree.css("#pledges-table tbody td")]
    assert row[-1] == written
