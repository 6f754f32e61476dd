"""The discover page: which filter values it lists and in what order, folded filter values
shown by their labels, disjunctive counts, clearing filters, the council filters, and the
organisations and programmes the search box names."""

from __future__ import annotations

import pytest

from registry import collaboration, indexing
from registry.web.pages.discover import checkbox_id, facet
from tests.factories import make_actor, make_solution
from tests.web import html, text_of, texts


@pytest.mark.no_database
def test_values_come_most_results_first_then_alphabetically():
    shown = facet("kind", {"platform": 3, "challenge": 5, "component": 3}, [], None)
    assert [(v.value, v.count) for v in shown.values] == [
        ("challenge", 5),
        ("component", 3),
        ("platform", 3),
    ]
    assert shown.left_out == 0


@pytest.mark.no_database
def test_a_long_list_shows_the_largest_and_keeps_what_was_chosen():
    counts = {f"org-{n:02d}": 100 - n for n in range(20)}
    shown = facet("owner", counts, ["org-19", "gone-from-results"], 5)
    assert [v.value for v in shown.values] == [
        "org-00",
        "org-01",
        "org-02",
        "org-03",
        "org-04",
        "org-19",
        "gone-from-results",
    ]
    assert [v.chosen for v in shown.values][-2:] == [True, True]
    assert shown.values[-1].count == 0  # chosen, though no result has it any more
    assert shown.left_out == 14  # 20 with results, 6 of them listed


@pytest.mark.no_database
def test_a_checkbox_keeps_its_id_whatever_the_order_and_no_two_values_share_one():
    values = ["platform", "mit or apache-2.0", "mit-or-apache-2.0", "gpl-3.0+", "ölü", "a b"]
    ids = [checkbox_id("licence", v) for v in values]
    assert len(set(ids)) == len(ids)
    assert ids == [checkbox_id("licence", v) for v in values]  # the same on every answer
    assert checkbox_id("kind", "platform") == "facet-kind-platform"
    assert all(" " not in i and i.isascii() for i in ids)
    shown = facet("kind", {"platform": 1, "component": 9}, ["platform"], None)
    assert [v.id for v in shown.values] == ["facet-kind-component", "facet-kind-platform"]


def _chosen(page, group: str) -> list[str]:
    return [n.attributes["value"] for n in html(page).css(f"#facet-{group} input[checked]")]


def _labels(page, group: str) -> list[str]:
    return texts(page, f"#facet-{group} .ds_checkbox__label")


async def test_a_filter_value_in_any_case_finds_the_same_and_shows_its_label(seeded_client):
    asked = await seeded_client.get("/?kind=platform")
    shouted = await seeded_client.get("/?kind=%20Platform%20")
    results = texts(asked, ".ds_search-result__title")
    assert results
    assert texts(shouted, ".ds_search-result__title") == results
    assert _chosen(shouted, "kind") == ["platform"]
    assert texts(shouted, ".ds_facet") == ["Common platform \u00d7"]
    [remove] = html(shouted).css(".ds_facet__button")
    assert remove.attributes["href"] == "/?"


async def test_ticking_one_kind_keeps_the_counts_of_the_other_kinds(seeded_client):
    page = await seeded_client.get("/?kind=platform")
    assert "Joint procurement (3)" in _labels(page, "kind")
    both = await seeded_client.get("/?kind=platform&kind=procurement")
    assert sorted(_chosen(both, "kind")) == ["platform", "procurement"]
    kinds = set(texts(both, ".ds_search-result__metadata .ds_metadata__item:first-child dd"))
    assert kinds == {"Common platform", "Joint procurement"}


async def test_clear_all_filters_keeps_the_words_and_the_order(seeded_client):
    page = await seeded_client.get("/?q=digital&kind=platform&status=live&sort=title&page=1")
    [clear] = [a for a in html(page).css("a") if a.text(strip=True) == "Clear all filters"]
    assert clear.attributes["href"] == "/?q=digital&sort=title"
    cleared = await seeded_client.get(clear.attributes["href"])
    assert texts(cleared, ".ds_facet") == []
    assert not [a for a in html(cleared).css("a") if a.text(strip=True) == "Clear all filters"]


async def test_the_council_filters_are_on_the_page_with_names_and_counts(seeded_client):
    page = await seeded_client.get("/")
    assert text_of(page, "#facet-adopted_by legend") == "Used by"
    assert any(label.startswith("Glasgow City Council (") for label in _labels(page, "adopted_by"))
    chosen = await seeded_client.get("/?adopted_by=glasgow-city")
    assert _chosen(chosen, "adopted_by") == ["glasgow-city"]
    assert texts(chosen, ".ds_facet") == ["Used by: Glasgow City Council \u00d7"]


async def test_an_organisations_profile_links_to_what_it_uses_in_search(seeded_client):
    profile = await seeded_client.get("/organisations/glasgow-city")
    link = html(profile).css_first("#search-uses")
    assert link.text(strip=True) == "See what Glasgow City Council uses"
    page = await seeded_client.get(link.attributes["href"])
    used = texts(profile, "#uses-table td:first-child")
    assert used
    assert set(texts(page, ".ds_search-result__title")) <= set(used)
    assert _chosen(page, "adopted_by") == ["glasgow-city"]


async def test_the_box_names_organisations_and_programmes_above_the_solutions(seeded_client):
    page = await seeded_client.get("/?q=glasgow")
    assert texts(page, "#named-organisations ~ dd a") == ["Glasgow City Council"]
    link = html(page).css_first("#named-matches a")
    assert link.attributes["href"] == "/organisations/glasgow-city"
    order = [n.attributes.get("id") for n in html(page).css("#named-matches, #results-heading")]
    assert order == ["named-matches", "results-heading"]

    page = await seeded_client.get("/?q=telecare")
    assert "Digital telecare" in texts(page, "#named-programmes ~ dd a")
    assert html(await seeded_client.get("/")).css_first("#named-matches") is None


async def test_the_phone_toggle_holds_the_filters_and_says_how_many_are_chosen(seeded_client):
    page = await seeded_client.get("/?kind=platform&status=live")
    toggle = html(page).css_first("#filters-details")
    assert toggle.tag == "details"
    assert "open" not in toggle.attributes
    assert text_of(page, "#filters-details summary") == "Search filters (2 chosen)"
    assert toggle.css_first("#facet-kind") is not None
    assert toggle.css_first("button[type=submit]").text(strip=True) == "Apply filters"


async def test_the_interested_filter_lists_the_councils_interested(client, search_index, fife):
    wanted = await make_solution("platform", fife, title="Wanted booking")
    await make_solution("platform", fife, title="Unwanted booking")
    actor = await make_actor(fife, "member")
    await collaboration.register_interest(actor, wanted.slug, "fife", "exploring")
    await indexing.drain_all(search_index)
    page = await client.get("/")
    assert text_of(page, "#facet-interested legend") == "Interested"
    assert _labels(page, "interested") == ["Fife Council (1)"]
    chosen = await client.get("/?interested=FIFE")
    assert texts(chosen, ".ds_search-result__title") == ["Wanted booking"]
    assert texts(chosen, ".ds_facet") == ["Interested: Fife Council \u00d7"]


async def test_while_search_is_down_the_box_still_names_and_the_filters_are_kept(
    broken_index, fife
):
    from tests.clients import app_client

    await make_solution("platform", fife, title="Fife booking platform")
    async with app_client(broken_index) as client:
        page = await client.get("/?q=fife&kind=Platform&adopted_by=fife")
        assert page.status_code == 200
        assert "Search is unavailable just now" in text_of(page, ".ds_warning-text")
        assert texts(page, "#named-organisations ~ dd a") == ["Fife Council"]
        kept = {
            (n.attributes["name"], n.attributes["value"])
            for n in html(page).css("#filters-details input[type=hidden]")
        }
        assert kept == {("kind", "platform"), ("adopted_by", "fife")}
        response = await client.get("/api/v1/search", params={"q": "fife"})
        assert response.status_code == 503
