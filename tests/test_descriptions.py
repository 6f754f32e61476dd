"""Descriptions are rendered once, when saved: pages show the stored, sanitised HTML, and a
description with more markup than renders quickly is refused, naming the field."""

from __future__ import annotations

import pytest

from registry import catalogue, markdown, programmes
from registry.errors import ValidationFailed
from registry.piccolo_migrations.registry_2026_11_30t11_00_00_000000 import (
    fill_description_html,
)
from registry.seeding import load_seeds
from registry.tables import Milestone, Organisation, Programme, Solution
from tests.factories import SYSTEM, make_actor, make_solution
from tests.web import error_summary, html, post_form, sign_in

ADMIN = "admin@fife.gov.uk"

# What a description could hold to make every view of it slow (each well inside 20,000
# characters). Rendering "![" * 10,000 took 0.4 s on every view before descriptions were
# rendered once, when saved.
COSTLY = {
    "image openers": "![" * 10_000,
    "link openers": "[" * 20_000,
    "unclosed links": "[a](" * 5_000,
    "emphasis": "*a" * 10_000,
    "mixed emphasis": "*_" * 10_000,
    "autolink openers": "<" * 20_000,
    "entities": "&#" * 10_000,
    "backticks": "` a" * 6_666,
    "table rows": "a|b\n-|-\n" + "|\n" * 9_000,
    "list items": "- a\n" * 5_000,
    "nested lists": "- - - - - - - - - a\n" * 1_000,
    "ordered lists": "1. 1. 1. 1. 1. 1. a\n" * 1_000,
    "quotes": "> a\n" * 5_000,
    "empty lines": "a\n" * 5_000,
}


def description_of(response) -> str:
    node = html(response).css_first(".registry-description")
    assert node is not None, "the page shows no description"
    return node.html or ""


@pytest.mark.parametrize("text", COSTLY.values(), ids=COSTLY.keys())
async def test_a_description_too_costly_to_render_is_refused_naming_the_field(fife, text):
    owner = fife
    with pytest.raises(ValidationFailed) as refused:
        await make_solution("platform", owner, slug="costly", description=text)
    assert set(refused.value.fields) == {"description"}
    assert refused.value.fields["description"].startswith("Description ")
    assert not await Solution.exists().where(Solution.slug == "costly")


def test_long_prose_with_ordinary_markdown_is_within_the_bounds():
    paragraph = (
        "The **Digital Office** helps councils share [platforms](https://example.org/a-b) and "
        "frameworks, so that each council need not buy its own: see the *roadmap*.\n\n"
        "- one shared contract\n- one route to adoption\n\n"
    )
    text = (paragraph * 200)[:20_000]
    assert markdown.too_much_markup(text, "Description") is None


async def test_the_edit_form_shows_the_refusal_beside_the_description(fife, client):
    await make_actor(fife, "org_admin", email=ADMIN)
    await make_solution("platform", fife, slug="booking", description="Books rooms.")
    await sign_in(client, ADMIN)
    values = {"version": "1", "description": "![" * 10_000}
    response = await post_form(client, "/solutions/booking/edit", "/solutions/booking/edit", values)
    assert response.status_code == 422
    assert ("#description", markdown.too_much_markup("![" * 10_000, "Description")) in (
        error_summary(response)
    )
    page = await client.get("/solutions/booking")
    assert "Books rooms." in description_of(page)


async def test_the_solution_page_shows_the_html_made_when_the_description_was_saved(fife, client):
    owner = fife
    await make_solution("platform", owner, slug="booking", description="Books **rooms**.")
    stored = await Solution.select(Solution.description_html).where(Solution.slug == "booking")
    assert stored[0]["description_html"] == "<p>Books <strong>rooms</strong>.</p>\n"
    assert "<strong>rooms</strong>" in description_of(await client.get("/solutions/booking"))

    # The page reads the stored HTML and renders nothing itself.
    await Solution.update({Solution.description_html: "<p>As saved</p>"}).where(
        Solution.slug == "booking"
    )
    assert description_of(await client.get("/solutions/booking")).count("As saved") == 1


async def test_editing_the_description_stores_its_new_html_and_nothing_else_renders_it(
    fife, monkeypatch
):
    owner = fife
    await make_solution("platform", owner, slug="booking", description="Old *words*.")
    view = await catalogue.get_solution("booking", SYSTEM)
    new = "New [link](https://example.org/x) and [another](javascript:alert(1))."
    saved = await catalogue.update_solution(SYSTEM, "booking", {"description": new}, view.version)
    assert saved.description_html == markdown.render(new)
    assert 'rel="noopener noreferrer nofollow"' in saved.description_html
    assert 'href="javascript:' not in saved.description_html  # left as words, not a link

    rendered = []
    real_render = markdown.render
    monkeypatch.setattr(markdown, "render", lambda text: rendered.append(text) or real_render(text))
    saved = await catalogue.update_solution(
        SYSTEM, "booking", {"title": "Booking rooms"}, saved.version
    )
    assert "New <a" in saved.description_html
    assert rendered == []  # a title edit leaves the stored HTML alone


async def test_programme_and_milestone_pages_show_their_stored_html(digital_office, client):
    await programmes.save_programme(
        SYSTEM,
        {
            "slug": "telecare",
            "title": "Digital telecare",
            "summary": "Analogue to digital.",
            "status": "active",
            "description": "Moving **every** council.",
        },
        "digital-office",
    )
    await programmes.save_milestone(
        SYSTEM,
        "telecare",
        {
            "slug": "boxes",
            "title": "Boxes deployed",
            "metric": "recorded",
            "target_value": 1000,
            "target_unit": "boxes",
            "description": "Counted *monthly*.",
        },
    )
    page = await client.get("/programmes/telecare")
    shown = [node.html for node in html(page).css(".registry-description")]
    assert any("<strong>every</strong>" in part for part in shown)
    assert any("<em>monthly</em>" in part for part in shown)
    assert (await Programme.select(Programme.description_html))[0]["description_html"]
    assert (await Milestone.select(Milestone.description_html))[0]["description_html"]
    with pytest.raises(ValidationFailed) as refused:
        await programmes.save_programme(
            SYSTEM,
            {
                "slug": "telecare",
                "title": "Digital telecare",
                "summary": "Analogue to digital.",
                "status": "active",
                "description": "[" * 20_000,
            },
            "digital-office",
        )
    assert set(refused.value.fields) == {"description"}


async def test_seeded_organisations_store_their_description_html(client, db, tmp_path):
    (tmp_path / "organisations").mkdir()
    (tmp_path / "organisations" / "bodies.yaml").write_text(
        "organisations:\n"
        "  - slug: civtech\n"
        "    name: CivTech\n"
        "    kind: national_body\n"
        "    description: Runs *challenge* sprints.\n"
    )
    await load_seeds(tmp_path)
    page = await client.get("/organisations/civtech")
    assert "<em>challenge</em>" in description_of(page)


async def test_the_migration_fills_the_html_of_rows_saved_before_it(db, fife, client):
    owner = fife
    await make_solution("platform", owner, slug="booking", description="Books **rooms**.")
    await Organisation.update({Organisation.description: "A *council*."}).where(
        Organisation.slug == "fife"
    )
    await Solution.update({Solution.description_html: ""}).where(Solution.slug == "booking")

    assert await fill_description_html(db) == 2  # the scratch database

    assert "<strong>rooms</strong>" in description_of(await client.get("/solutions/booking"))
    assert "<em>council</em>" in description_of(await client.get("/organisations/fife"))
