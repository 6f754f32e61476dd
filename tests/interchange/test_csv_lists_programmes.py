"""The dashboard's adoption matrix and a programme's milestones and figures as CSV: the rows the
pages show, with identifiers, downloaded from the pages' own links."""

from __future__ import annotations

import csv
import io

from registry import collaboration
from registry.interchange import lists
from tests.factories import SYSTEM, make_org, make_solution
from tests.web import html


def _table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _cell_text(node) -> str:
    return " ".join(node.text(separator=" ").split())


async def test_the_adoption_matrix_csv_is_the_matrix_the_dashboard_shows(seeded_client):
    page = await seeded_client.get("/dashboard")
    link = html(page).css_first("#matrix-csv-link")
    assert link is not None
    download = await seeded_client.get(link.attributes["href"])
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = _table(download.text)
    assert tuple(rows[0]) == lists.MATRIX_HEADER
    table = html(page).css_first("#adoption-matrix")
    platforms = [_cell_text(th.css_first("a")) for th in table.css("thead th")[1:]]
    shown = []
    for tr in table.css("tbody tr"):
        council = _cell_text(tr.css_first("th"))
        for platform, td in zip(platforms, tr.css("td"), strict=True):
            tag = td.css_first(".ds_tag")
            shown.append((council, platform, _cell_text(tag) if tag else ""))
    assert [(r[0], r[3], r[6]) for r in rows[1:]] == shown
    assert any(r[6] == "Live" for r in rows[1:])
    glasgow = next(r for r in rows[1:] if r[2] == "glasgow-city")
    assert glasgow[1] == "GB-LAS-GLG"


async def test_a_programmes_milestones_and_figures_csv_are_what_its_page_shows(seeded_client):
    without = html(await seeded_client.get("/programmes/digital-telecare"))
    assert without.css_first("#milestones-csv-link") is not None
    assert without.css_first("#figures-csv-link") is None  # no figure recorded there
    page = await seeded_client.get("/programmes/digital-leadership-and-skills")
    doc = html(page)
    milestones = _table(
        (await seeded_client.get(doc.css_first("#milestones-csv-link").attributes["href"])).text
    )
    assert tuple(milestones[0]) == lists.MILESTONES_HEADER
    sections = doc.css("section.registry-milestone")
    assert [r[0] for r in milestones[1:]] == [_cell_text(s.css_first("h3")) for s in sections]
    assert [r[13] for r in milestones[1:]] == [
        s.attributes["id"].removeprefix("milestone-") for s in sections
    ]
    for row, section in zip(milestones[1:], sections, strict=True):
        assert row[1] in _cell_text(section.css_first(".registry-milestone__state"))

    figures = _table(
        (await seeded_client.get(doc.css_first("#figures-csv-link").attributes["href"])).text
    )
    assert tuple(figures[0]) == lists.FIGURES_HEADER
    shown = [
        (_cell_text(s.css_first("h3")), len(s.css(".registry-history__table tbody tr")))
        for s in sections
        if s.css_first(".registry-history__table")
    ]
    counted: dict[str, int] = {}
    for r in figures[1:]:
        counted[r[0]] = counted.get(r[0], 0) + 1
    assert list(counted.items()) == shown
    assert shown


async def test_no_such_programme_is_a_404_not_an_empty_file(seeded_client):
    response = await seeded_client.get("/programmes/no-such-programme/milestones.csv")
    assert response.status_code == 404
    response = await seeded_client.get("/programmes/no-such-programme/figures.csv")
    assert response.status_code == 404


async def test_a_formula_in_a_councils_name_comes_out_neutralised(client, glasgow):
    await make_org("hyperlink", name='=HYPERLINK("https://x.example","Click")')
    platform = await make_solution("platform", glasgow, title="+Shared platform")
    await collaboration.record_adoption(SYSTEM, platform.slug, "hyperlink", "live")
    rows = _table((await client.get("/dashboard/adoption-matrix.csv")).text)
    named = next(r for r in rows[1:] if r[2] == "hyperlink")
    assert named[0] == '\'=HYPERLINK("https://x.example","Click")'
    assert named[3] == "'+Shared platform"
    assert named[6] == "Live"
