"""Searching the catalogue through the API, on a real Tantivy index built from the seeds: what a
council officer expects at the top, facets that agree with the database, escaping, and the
refusal of names the search does not know."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from registry import indexing
from registry.tables import Organisation, Solution
from tests.clients import app_client
from tests.factories import make_org
from tests.web import html


async def search(client, **params) -> dict:
    response = await client.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def slugs(body: dict) -> list[str]:
    return [hit["slug"] for hit in body["hits"]]


# What a council officer types, and what they expect to see first.
RELEVANCE = [
    ({"q": "seemis"}, "first", "seemis"),
    ({"q": "SEEMiS"}, "first", "seemis"),
    ({"q": "seemsi"}, "first", "seemis"),  # a typo in a six-letter word
    ({"q": "tele"}, "top 2", "digital-telecare"),  # a prefix of the last word
    ({"q": "tele"}, "top 2", "telecare-innovation-challenges"),
    ({"q": "telecare"}, "top 2", "digital-telecare"),
    ({"q": "recruitment"}, "top 3", "myjobscotland"),
    ({"q": "recruitment"}, "top 2", "myjobscotland-remote-recruitment"),
    ({"q": "video recruitment"}, "first", "myjobscotland-remote-recruitment"),
    ({"q": "robotic process automation"}, "first", "rpa-framework"),
    ({"q": "rpa"}, "first", "rpa-framework"),
    ({"q": "microsoft"}, "first", "microsoft-365-federation"),
    ({"q": "benefits realisation"}, "first", "perth-and-kinross-benefits-realisation"),
    ({"q": "school clothing grant"}, "first", "glasgow-school-clothing-grant-data-matching"),
    ({"q": "service design"}, "first", "scottish-approach-to-service-design"),
    ({"q": "change network"}, "first", "fife-change-network"),
    ({"q": "case management"}, "first", "social-work-case-management"),
    ({"q": "cyber"}, "top 2", "lga-cyber-360"),
    ({"q": "digtal nl"}, "first", "digital-nl"),
    ({"q": "maturity"}, "top 2", "digital-foundations-maturity-model"),
    ({"q": "maturity"}, "top 2", "digital-maturity-review"),
    ({"q": "nursery"}, "first", "seemis"),
    ({"q": "scotland excel"}, "top 3", "social-work-case-management"),
    ({"q": "connecting scotland"}, "top 2", "civtech-connecting-scotland-sprint"),
]


@pytest.mark.parametrize(
    ("params", "where", "slug"), RELEVANCE, ids=[f"{p['q']}->{s}" for p, _, s in RELEVANCE]
)
async def test_what_an_officer_expects_at_the_top(seeded_client, params, where, slug):
    found = slugs(await search(seeded_client, **params))
    if where == "first":
        assert found[:1] == [slug], found[:5]
    else:
        assert slug in found[: int(where.split()[1])], found[:5]


async def test_procurment_with_a_typo_finds_the_joint_procurements_first(seeded_client):
    body = await search(seeded_client, q="procurment")
    kinds = [hit["kind"] for hit in body["hits"]]
    assert kinds[0] == "procurement"
    assert "social-work-case-management" in slugs(body)[:3]
    assert any(
        "<mark>procurement</mark>" in html
        for hit in body["hits"]
        for html in hit["highlight"].values()
    )


async def test_a_kind_filter_returns_only_that_kind_with_facets_from_the_database(seeded_client):
    body = await search(seeded_client, kind="challenge", per_page=100)
    challenges = await Solution.select(Solution.slug, Solution.status).where(
        (Solution.kind == "challenge") & (Solution.status != "draft")
    )
    assert {hit["kind"] for hit in body["hits"]} == {"challenge"}
    assert sorted(slugs(body)) == sorted(c["slug"] for c in challenges)
    assert body["total"] == len(challenges)
    # The kind group keeps the counts of its other kinds (OR within a group); the other groups
    # count the challenges.
    published = await Solution.select(Solution.kind).where(Solution.status != "draft")
    assert body["facets"]["kind"] == dict(Counter(row["kind"] for row in published))
    assert body["facets"]["status"] == dict(Counter(c["status"] for c in challenges))


async def test_filters_are_or_within_a_field_and_and_across_fields(seeded_client):
    rows = await Solution.select(Solution.slug, Solution.kind, Solution.service_areas).output(
        load_json=True
    )
    wanted = sorted(
        r["slug"]
        for r in rows
        if r["kind"] in ("platform", "component") and "hr_and_workforce" in r["service_areas"]
    )
    body = await search(
        seeded_client, kind=["platform", "component"], service_area="hr_and_workforce", per_page=100
    )
    assert sorted(slugs(body)) == wanted
    assert body["total"] == len(wanted) > 0


async def test_facet_counts_for_the_whole_catalogue_match_the_database(seeded_client):
    body = await search(seeded_client, per_page=1)
    rows = (
        await Solution.select(
            Solution.kind, Solution.owner.slug.as_alias("owner"), Solution.characteristics
        )
        .where(Solution.status != "draft")
        .output(load_json=True)
    )
    assert body["total"] == len(rows)
    assert body["facets"]["kind"] == dict(Counter(r["kind"] for r in rows))
    assert body["facets"]["owner"] == dict(Counter(r["owner"] for r in rows))
    assert body["facets"]["characteristic"] == dict(
        Counter(c for r in rows for c in r["characteristics"])
    )


async def test_councils_that_adopted_a_solution_can_be_filtered_on(seeded_client):
    body = await search(seeded_client, adopted_by="glasgow-city", per_page=100)
    assert "seemis" in slugs(body)
    assert "glasgow-school-clothing-grant-data-matching" in slugs(body)
    assert "fife-change-network" not in slugs(body)


async def test_sorting_by_title_is_alphabetical_and_pages_do_not_overlap(seeded_client):
    first = await search(seeded_client, sort="title", per_page=10)
    second = await search(seeded_client, sort="title", per_page=10, page=2)
    titles = [h["title"].casefold() for h in first["hits"] + second["hits"]]
    assert titles == sorted(titles)
    assert not set(slugs(first)) & set(slugs(second))


async def test_sorting_by_adoption_puts_seemis_first(seeded_client):
    body = await search(seeded_client, sort="adoption")
    assert slugs(body)[0] == "seemis"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"sort": "cheapest"}, "sort"),
        ({"per_page": "1000"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"q": "x" * 201}, "q"),
        ({"q": ["a", "b"]}, "q"),
        ({"q": " ".join(f"-word{n}" for n in range(11))}, "q"),
        ({"q": '"' + " ".join(["word"] * 11) + '"'}, "q"),
    ],
)
async def test_unknown_filters_and_sorts_are_refused_naming_the_parameter(
    seeded_client, params, field
):
    response = await seeded_client.get("/api/v1/search", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def tags_in(html: str) -> list[str]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


async def test_a_stored_script_comes_back_escaped_in_every_highlight(db, search_index):
    from tests.factories import make_org, make_solution

    owner = await make_org("glasgow-city", name="Glasgow <b>City</b> Council")
    await make_solution(
        "component",
        owner,
        title="<script>alert(1)</script> telecare toolkit",
        summary='Telecare "quoted" <img src=x onerror=alert(1)> & more',
        description="A <script>telecare</script> description",
        tags=["<i>telecare</i>"],
    )
    await indexing.drain_all(search_index)
    async with app_client(search_index) as client:
        for q in ("telecare", "script alert", "quoted"):
            body = await search(client, q=q)
            assert body["hits"], q
            for html in body["hits"][0]["highlight"].values():
                assert set(tags_in(html)) <= {"mark"}, html
            title = body["hits"][0]["highlight"]["title"]
            assert (
                title.replace("<mark>", "")
                .replace("</mark>", "")
                .startswith("&lt;script&gt;alert(1)&lt;/script&gt;")
            )


@pytest.mark.parametrize("path", ["/api/v1/search", "/"])
async def test_a_filter_value_too_long_as_given_is_refused_naming_it(seeded_client, path):
    too_long = " " + "x" * 199 + " "  # 201 characters as sent, 199 once trimmed
    response = await seeded_client.get(path, params={"owner": too_long})
    assert response.status_code == 422
    assert "each owner must be 200 characters or fewer" in response.text
    fine = await seeded_client.get(path, params={"owner": "x" * 200})
    assert fine.status_code == 200


@pytest.mark.no_database
async def test_the_search_box_says_how_to_search_for_a_phrase_or_leave_a_word_out(seeded_client):
    page = await seeded_client.get("/")
    box = html(page).css_first("#q")
    hint = html(page).css_first("#" + box.attributes["aria-describedby"])
    assert '"case management"' in hint.text()
    assert "-civtech" in hint.text()
    phrase = await seeded_client.get("/api/v1/search", params={"q": '"case management"'})
    words = await seeded_client.get("/api/v1/search", params={"q": "case management"})
    assert 0 < phrase.json()["total"] < words.json()["total"]
    left_out = await seeded_client.get("/api/v1/search", params={"q": "council -civtech"})
    assert left_out.json()["hits"]
    assert not [h for h in left_out.json()["hits"] if "civtech" in h["title"].lower()]
    refused = await seeded_client.get("/", params={"q": " ".join(f"-x{n}" for n in range(11))})
    assert refused.status_code == 422
    assert "at most 10" in refused.text


# -- the kind's name, organisations and programmes, and filters people can use ------------------


async def _slugs_of(kind: str) -> set[str]:
    rows = await Solution.select(Solution.slug).where(
        (Solution.kind == kind) & (Solution.status != "draft")
    )
    return {row["slug"] for row in rows}


async def test_the_name_of_a_kind_finds_every_solution_of_that_kind_first(seeded_client):
    procurements = await _slugs_of("procurement")
    assert len(procurements) == 3
    body = await search(seeded_client, q="procurement")
    assert set(slugs(body)[:3]) == procurements
    body = await search(seeded_client, q="framework agreement")
    assert set(slugs(body)[:3]) == procurements
    # "framework" alone: the framework agreements before the components named "... framework"
    body = await search(seeded_client, q="framework")
    assert set(slugs(body)[:3]) == procurements
    assert len(slugs(body)) > 3

    challenges = await _slugs_of("challenge")
    body = await search(seeded_client, q="challenge", per_page=100)
    assert set(slugs(body)[: len(challenges)]) == challenges
    platforms = await _slugs_of("platform")
    body = await search(seeded_client, q="platform", per_page=len(platforms))
    assert set(slugs(body)) == platforms


async def test_the_kinds_words_are_not_offered_as_a_highlight(seeded_client):
    body = await search(seeded_client, q="procurement")
    assert all("kind_words" not in hit["highlight"] for hit in body["hits"])


async def test_filter_values_are_compared_without_case_accents_or_surrounding_space(
    seeded_client,
):
    owned = await search(seeded_client, owner="scotland-excel", per_page=100)
    assert owned["total"] > 0
    for written in ("Scotland-Excel", "  SCOTLAND-EXCEL ", "Scötland-Éxcel"):
        again = await search(seeded_client, owner=written, per_page=100)
        assert slugs(again) == slugs(owned), written
    glasgow = await search(seeded_client, adopted_by="glasgow-city", per_page=100)
    assert glasgow["total"] > 0
    again = await search(seeded_client, adopted_by=" GLASGOW-City", per_page=100)
    assert slugs(again) == slugs(glasgow)


async def test_ticking_a_value_keeps_the_counts_of_the_others_in_its_group(seeded_client):
    everything = await search(seeded_client, per_page=1)
    platforms = await search(seeded_client, kind="platform", per_page=100)
    assert {hit["kind"] for hit in platforms["hits"]} == {"platform"}
    # the kind group still counts every kind: ticking "Joint procurement" too would add 3
    assert platforms["facets"]["kind"] == everything["facets"]["kind"]
    assert platforms["facets"]["kind"]["procurement"] == 3
    # the other groups count the platforms only
    rows = await Solution.select(Solution.status).where(
        (Solution.kind == "platform") & (Solution.status != "draft")
    )
    assert platforms["facets"]["status"] == dict(Counter(r["status"] for r in rows))

    both = await search(seeded_client, kind=["platform", "procurement"], per_page=100)
    assert both["total"] == platforms["total"] + 3
    assert both["facets"]["kind"] == everything["facets"]["kind"]


async def test_a_ticked_group_counts_within_the_other_groups_filters(seeded_client):
    live = await search(seeded_client, status="live", per_page=100)
    live_platforms = await search(seeded_client, status="live", kind="platform", per_page=100)
    # kind's counts are those of the live solutions; status's those of the platforms
    assert live_platforms["facets"]["kind"] == live["facets"]["kind"]
    platforms = await search(seeded_client, kind="platform", per_page=1)
    assert live_platforms["facets"]["status"] == platforms["facets"]["status"]
    assert live_platforms["total"] == live["facets"]["kind"]["platform"]


async def test_the_council_filters_are_counted_like_the_others(seeded_client):
    body = await search(seeded_client, per_page=100)
    used = body["facets"]["adopted_by"]
    assert used, "the seeds record adoptions"
    council, count = next(iter(used.items()))
    chosen = await search(seeded_client, adopted_by=council, per_page=100)
    assert chosen["total"] == count
    assert chosen["facets"]["adopted_by"] == used  # the group keeps its other councils


async def test_the_box_names_organisations_and_programmes(seeded_client):
    body = await search(seeded_client, q="glasgow")
    assert {
        "slug": "glasgow-city",
        "name": "Glasgow City Council",
        "url": "/api/v1/organisations/glasgow-city",
    } in body["organisations"]
    assert body["organisations"][0]["slug"] == "glasgow-city"

    body = await search(seeded_client, q="telecare")
    assert {
        "slug": "digital-telecare",
        "name": "Digital telecare",
        "url": "/programmes/digital-telecare",
    } in body["programmes"]
    assert body["organisations"] == []

    body = await search(seeded_client, q="GB-LAS-FIF")
    assert [o["slug"] for o in body["organisations"]] == ["fife"]

    # every word must begin a word of the name; excluded words name nothing
    body = await search(seeded_client, q="glasgow council")
    assert [o["slug"] for o in body["organisations"]] == ["glasgow-city"]
    body = await search(seeded_client, q="-glasgow")
    assert body["organisations"] == []


@pytest.mark.parametrize("q", ["", "   ", '""', "%", "_", "100%_\\", "-"])
async def test_no_words_name_nothing(seeded_client, q):
    body = await search(seeded_client, q=q)
    assert body["organisations"] == []
    assert body["programmes"] == []


async def test_the_box_lists_at_most_five_of_each(seeded_client):
    body = await search(seeded_client, q="council")
    assert len(body["organisations"]) == 5
    assert all("Council" in o["name"] for o in body["organisations"])


async def test_the_box_names_an_organisation_as_soon_as_it_is_saved_or_renamed(client):
    """The names the box matches are kept in memory on SQLite: every write is seen at once."""
    await make_org("angus", name="Angus Council")
    assert [o["slug"] for o in (await search(client, q="angus"))["organisations"]] == ["angus"]
    await make_org("angus-alliance", kind="partner", name="Angus Health Alliance")
    body = await search(client, q="angus")
    assert [o["slug"] for o in body["organisations"]] == ["angus", "angus-alliance"]
    await Organisation.update({Organisation.name: "Tayside Health Alliance"}).where(
        Organisation.slug == "angus-alliance"
    )
    assert [o["slug"] for o in (await search(client, q="angus"))["organisations"]] == ["angus"]
    body = await search(client, q="tayside health")
    assert [o["slug"] for o in body["organisations"]] == ["angus-alliance"]
    await Organisation.delete().where(Organisation.slug == "angus")
    assert (await search(client, q="angus"))["organisations"] == []
