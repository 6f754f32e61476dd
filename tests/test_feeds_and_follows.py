"""The Atom feeds (parsed with feedparser: well formed, the entries the pages show, no drafts)
and following from the site: the list of follows, following, stopping."""

from __future__ import annotations

import datetime as dt

import feedparser
import pytest

from registry import catalogue, collaboration, notifications, programmes
from tests.factories import SYSTEM, make_solution
from tests.web import html, post_form, sign_in, texts


@pytest.fixture
async def seeded_programme(digital_office):
    await programmes.save_programme(
        SYSTEM,
        {
            "slug": "telecare",
            "title": "Digital telecare",
            "summary": "Go digital.",
            "status": "active",
        },
        "digital-office",
    )
    await programmes.save_milestone(
        SYSTEM,
        "telecare",
        {
            "slug": "boxes",
            "title": "Digital alarm boxes deployed",
            "metric": "recorded",
            "target_value": 5000,
            "target_unit": "boxes",
        },
    )
    return "telecare", "boxes"


def parsed(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


async def test_the_solutions_feed_has_published_solutions_and_never_a_draft(client, glasgow):
    live = await make_solution("platform", owner=glasgow, title="Shared housing register")
    await make_solution("platform", owner=glasgow, title="Secret draft platform", status="draft")
    feed = parsed(await client.get("/feeds/solutions.atom"))
    titles = [e.title for e in feed.entries]
    assert any(t.startswith("Shared housing register") for t in titles)
    assert not any("Secret draft" in t for t in titles)
    assert feed.entries[0].link.endswith(f"/solutions/{live.slug}")


async def test_the_frameworks_ending_feed_lists_the_soonest_first(client, scotland_excel):
    today = dt.date.today()
    later = await make_solution(
        "procurement",
        owner=scotland_excel,
        title="Later framework",
        ends_on=(today + dt.timedelta(days=150)).isoformat(),
    )
    sooner = await make_solution(
        "procurement",
        owner=scotland_excel,
        title="Sooner framework",
        ends_on=(today + dt.timedelta(days=30)).isoformat(),
    )
    await make_solution(
        "procurement",
        owner=scotland_excel,
        title="Distant framework",
        ends_on=(today + dt.timedelta(days=400)).isoformat(),
    )
    feed = parsed(await client.get("/feeds/frameworks-ending.atom"))
    links = [e.link.rsplit("/", 1)[-1] for e in feed.entries]
    assert links == [sooner.slug, later.slug]
    dashboard = await client.get("/dashboard")
    shown = [
        a.attributes["href"].rsplit("/", 1)[-1]
        for a in html(dashboard).css("a[href^='/solutions/']")
    ]
    assert [s for s in shown if s in (sooner.slug, later.slug)] == links


async def test_an_organisations_activity_feed_has_what_its_page_shows(
    client, glasgow, fife, fife_admin
):
    solution = await make_solution("platform", owner=glasgow, title="Shared parking permits")
    await collaboration.register_interest(fife_admin, solution.slug, "fife", "exploring")
    await collaboration.pledge(fife_admin, solution.slug, "fife", amount_pence=1000, note="private")
    feed = parsed(await client.get("/organisations/fife/activity.atom"))
    titles = [e.title for e in feed.entries]
    assert "Fife Council registered interest in Shared parking permits (exploring)" in titles
    assert "Fife Council pledged support to Shared parking permits" in titles
    assert "private" not in (await client.get("/organisations/fife/activity.atom")).text
    profile = await client.get("/organisations/fife")
    assert "Shared parking permits" in " ".join(texts(profile, "main a"))
    assert (await client.get("/organisations/nowhere/activity.atom")).status_code == 404


async def test_a_programmes_activity_feed_has_its_figures(client, curator, seeded_programme):
    slug, milestone = seeded_programme
    await programmes.record_figure(
        curator,
        slug,
        milestone,
        {"value": "1250", "as_of": dt.date.today().isoformat(), "source": "Council returns"},
    )
    feed = parsed(await client.get(f"/programmes/{slug}/activity.atom"))
    assert any("1,250" in e.title for e in feed.entries)
    page = await client.get(f"/programmes/{slug}")
    assert "1,250" in page.text


async def test_a_search_feed_has_the_discover_pages_results(seeded_client):
    query = "q=telecare"
    feed = parsed(await seeded_client.get(f"/feeds/search.atom?{query}"))
    page = await seeded_client.get(f"/?{query}")
    shown = [a.attributes["href"] for a in html(page).css("a.ds_search-result__link")]
    linked = [e.link.split("8000", 1)[-1] for e in feed.entries]
    assert linked
    assert [s for s in dict.fromkeys(shown)][: len(linked)] == linked
    refused = await seeded_client.get("/feeds/search.atom?colour=red")
    assert refused.status_code == 422


async def test_following_from_the_site_and_stopping(client, glasgow, edinburgh_officer):
    solution = await make_solution("platform", owner=glasgow, title="Library catalogue")
    await sign_in(client, edinburgh_officer.label)
    done = await post_form(
        client,
        "/account/follows",
        "/account/follows",
        {"target_type": "solution", "target": solution.slug, "delivery": "weekly"},
    )
    assert done.status_code == 200
    rows = texts(done, "#follows tbody tr")
    assert len(rows) == 1
    assert "Library catalogue" in rows[0]
    assert "weekly digest" in rows[0]

    saved = await post_form(
        client,
        "/account/follows",
        "/account/follows",
        {"target_type": "search", "target": "q=", "name": "", "delivery": "daily"},
    )
    assert saved.status_code == 422
    assert len(texts(saved, "#follows tbody tr")) == 1

    follows = await notifications.follows_of(edinburgh_officer)
    stopped = await post_form(
        client, "/account/follows", f"/account/follows/{follows[0].id}/stop", {}
    )
    assert stopped.status_code == 200
    assert texts(stopped, "#no-follows")
    assert await notifications.follows_of(edinburgh_officer) == []


async def test_the_follows_page_needs_signing_in(client):
    response = await client.get("/account/follows", follow_redirects=False)
    assert response.status_code == 303
    assert "/sign-in" in response.headers["location"]


async def test_the_development_mailbox_lists_what_was_written(
    client, glasgow, fife, glasgow_officer, fife_admin
):
    from registry.config import get_settings
    from registry.notifications import delivery

    solution = await make_solution("platform", owner=glasgow, title="Burial records")
    await collaboration.register_interest(fife_admin, solution.slug, "fife", "exploring")
    await delivery.run(get_settings())  # no REGISTRY_MAIL_URL: .eml files in the data directory
    listed = await client.get("/dev/mail")
    assert listed.status_code == 200
    subjects = texts(listed, "#mailbox tbody tr")
    assert any("Burial records: interest registered" in s for s in subjects)
    first = html(listed).css_first("#mailbox a").attributes["href"]
    shown = await client.get(first)
    assert "Fife Council registered interest in Burial records" in shown.text
    assert (await client.get("/dev/mail/..%2Fsecret_key")).status_code == 404


async def test_each_page_offers_its_feed_and_a_way_to_follow_it(
    client, glasgow, edinburgh_officer, seeded_programme
):
    solution = await make_solution("platform", owner=glasgow, title="Library catalogue")
    if solution.status == "draft":
        await catalogue.publish_solution(SYSTEM, solution.slug, solution.version)
    programme, _ = seeded_programme
    feeds = {
        "/": "/feeds/solutions.atom",
        "/?q=library": "/feeds/search.atom?q=library",
        "/dashboard": "/feeds/frameworks-ending.atom",
        "/organisations/glasgow-city": "/organisations/glasgow-city/activity.atom",
        f"/programmes/{programme}": f"/programmes/{programme}/activity.atom",
    }
    for path, feed in feeds.items():
        page = await client.get(path)
        alternates = [
            link.attributes["href"]
            for link in html(page).css('link[rel="alternate"][type="application/atom+xml"]')
        ]
        assert feed in alternates, path
        assert (await client.get(feed)).status_code == 200

    await sign_in(client, edinburgh_officer.label)
    path = f"/solutions/{solution.slug}"
    followed = await post_form(
        client,
        path,
        "/account/follows",
        {"target_type": "solution", "target": solution.slug, "delivery": "daily", "next": path},
    )
    assert followed.url.path == path
    assert "You follow this: in a daily digest." in html(followed).css_first("#follow").text()
    for path, form in (
        ("/organisations/glasgow-city", "organisation"),
        (f"/programmes/{programme}", "programme"),
    ):
        page = await client.get(path)
        assert html(page).css_first(f'#follow input[name="target_type"][value="{form}"]')

    results = await client.get("/?q=library&kind=platform")
    save = html(results).css_first("#save-search-link").attributes["href"]
    saving = await client.get(save)
    box = html(saving).css_first("#save-search input[name='target']")
    assert box.attributes["value"] == "q=library&kind=platform"
