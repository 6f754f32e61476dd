"""Signals reaching people: a change queues notifications in its own transaction, the worker
sends each message once through a real SMTP server, digests gather a period's events, the
unsubscribe link works without a session, and the once-only signals (demand gathering,
frameworks ending) are given once."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import replace

import pytest

from registry import changes, collaboration, notifications, programmes
from registry.catalogue import supply
from registry.catalogue.writing import transfer_solution
from registry.config import get_settings
from registry.notifications import checks, delivery
from registry.tables import Follow, MailMessage, Notification, Programme
from tests.clients import run_registry, start_registry
from tests.factories import (
    EDINBURGH_OFFICER,
    FIFE_ADMIN,
    GLASGOW_OFFICER,
    SYSTEM,
    make_actor,
    make_org,
    make_solution,
)
from tests.notifications_support import SMTPServer
from tests.web import html


@pytest.fixture
def smtp():
    with SMTPServer() as server:
        yield server


async def _settle(smtp) -> None:
    """Send what setting up queued (a solution registered tells its owner's members), so a test
    sees only what its own action causes."""
    await delivery.run(smtp.settings())
    smtp.mailbox.messages.clear()


async def _fife_registers_interest(fife_admin, solution, level="exploring"):
    await collaboration.register_interest(fife_admin, solution.slug, "fife", level)


async def test_interest_tells_the_owners_members_once_and_not_the_council_that_acted(
    glasgow, fife, glasgow_officer, fife_admin, smtp
):
    solution = await make_solution("platform", owner=glasgow, title="Telecare alarm platform")
    await _settle(smtp)
    await _fife_registers_interest(fife_admin, solution)

    result = await delivery.run(smtp.settings())

    assert result.sent == 1
    assert len(smtp.mailbox.to(GLASGOW_OFFICER)) == 1
    assert smtp.mailbox.to(FIFE_ADMIN) == []
    message = smtp.mailbox.to(GLASGOW_OFFICER)[0]
    assert "Telecare alarm platform" in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Fife Council registered interest in Telecare alarm platform: exploring." in body
    html_body = message.get_body(preferencelist=("html",)).get_content()
    assert "Fife Council registered interest" in html_body
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert str(message["List-Unsubscribe"]).startswith("<http")
    # Running again sends nothing more.
    again = await delivery.run(smtp.settings())
    assert again.sent == 0
    assert len(smtp.mailbox.messages) == 1


async def test_a_change_that_rolls_back_queues_nothing(glasgow, fife, glasgow_officer, fife_admin):
    solution = await make_solution("platform", owner=glasgow)

    async def fails() -> None:
        raise RuntimeError("a job row could not be written")

    async def interest_whose_last_job_fails() -> None:
        async with changes.to_solution(
            fife_admin, "interest.register", solution.id, solution.slug, organisation_id=fife["id"]
        ) as change:
            change.after = {"organisation": "fife", "level": "exploring"}
            change.queue(fails)  # runs after the notifications are queued, then rolls back

    with pytest.raises(RuntimeError):
        await interest_whose_last_job_fails()

    interest = Notification.kind == "interest.registered"
    assert await Notification.count().where(interest) == 0
    # The same change committed does queue one.
    await _fife_registers_interest(fife_admin, solution)
    assert await Notification.count().where(interest) == 1


async def test_an_unknown_action_tells_nobody(glasgow, glasgow_officer):
    solution = await make_solution("platform", owner=glasgow)
    before = await Notification.count()
    async with changes.to_solution(
        SYSTEM, "solution.something-new", solution.id, solution.slug
    ) as change:
        change.after = {"anything": 1}
    assert await Notification.count() == before


async def test_a_failing_server_is_retried_with_back_off_and_recorded(
    glasgow, fife, glasgow_officer, fife_admin, smtp
):
    solution = await make_solution("platform", owner=glasgow)
    await _settle(smtp)
    await _fife_registers_interest(fife_admin, solution)
    smtp.mailbox.refuse_next = 1

    first = await delivery.run(smtp.settings())
    assert first.retrying == 1
    assert first.sent == 0
    row = await _latest_message()
    assert row["status"] == "queued"
    assert row["attempts"] == 1
    assert "451" in row["last_error"]
    assert row["available_at"] > dt.datetime.now(dt.UTC)

    # Not before its back-off; then once.
    assert (await delivery.run(smtp.settings())).sent == 0
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert (await delivery.send_due(smtp.settings(), later)).sent == 1
    assert len(smtp.mailbox.to(GLASGOW_OFFICER)) == 1
    assert (await _latest_message())["status"] == "sent"


async def _latest_message() -> dict:
    return await MailMessage.select().order_by(MailMessage.id, ascending=False).first()


async def _wait_for(predicate, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        await asyncio.sleep(0.1)


async def test_a_worker_killed_between_sending_and_recording_never_sends_twice(
    glasgow, fife, glasgow_officer, fife_admin, smtp, tmp_path
):
    solution = await make_solution("platform", owner=glasgow, title="Shared booking system")
    await _settle(smtp)
    await _fife_registers_interest(fife_admin, solution)
    env = {"REGISTRY_MAIL_URL": smtp.url}
    with (tmp_path / "worker.log").open("w") as log:
        await _kill_and_restart(smtp, env, log, fife_admin, solution)

    # Once its claim is old, the interrupted message is recorded as unconfirmed, not resent.
    later = dt.datetime.now(dt.UTC) + delivery.CLAIM_LEASE + dt.timedelta(minutes=1)
    result = await delivery.send_due(smtp.settings(), later)
    assert result.unconfirmed == 1
    assert result.sent == 0
    statuses = [r["status"] for r in await MailMessage.select().order_by(MailMessage.id)]
    assert statuses[-2:] == ["unconfirmed", "sent"]
    assert len(smtp.mailbox.messages) == 2


async def _kill_and_restart(smtp, env, log, fife_admin, solution) -> None:
    worker = start_registry("worker", "--interval", "0.2", env=env, output=log)
    smtp.mailbox.kill_on_next = worker.pid
    try:
        assert worker.wait(timeout=120) != 0  # killed by the server as it took the message
    finally:
        if worker.poll() is None:
            worker.kill()
    assert len(smtp.mailbox.to(GLASGOW_OFFICER)) == 1
    row = await _latest_message()
    assert row["status"] == "sending"  # claimed, never recorded

    restarted = start_registry("worker", "--interval", "0.2", env=env, output=log)
    try:
        # Something new to say, so we know the restarted worker is sending.
        await collaboration.register_interest(fife_admin, solution.slug, "fife", "intends_to_adopt")
        await _wait_for(lambda: len(smtp.mailbox.messages) >= 2)
        await asyncio.sleep(1.0)  # a few more rounds of the worker
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
    bodies = [
        m.get_body(preferencelist=("plain",)).get_content()
        for m in smtp.mailbox.to(GLASGOW_OFFICER)
    ]
    assert len(bodies) == 2
    assert sum("registered interest" in b and "exploring" in b for b in bodies) == 1
    assert sum("intends to adopt" in b for b in bodies) == 1


async def test_the_unsubscribe_link_works_without_signing_in(
    glasgow, fife, glasgow_officer, fife_admin, smtp, client
):
    solution = await make_solution("platform", owner=glasgow)
    await _settle(smtp)
    await _fife_registers_interest(fife_admin, solution)
    await delivery.run(smtp.settings())
    link = str(smtp.mailbox.to(GLASGOW_OFFICER)[0]["List-Unsubscribe"]).strip("<>")
    path = link[link.index("/unsubscribe/") :]

    shown = await client.get(path)  # no session: a page saying what it stops, nothing changed
    assert shown.status_code == 200
    assert "what your organisations own and do" in shown.text
    one_click = await client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200, one_click.text

    await collaboration.register_interest(fife_admin, solution.slug, "fife", "intends_to_adopt")
    await delivery.run(smtp.settings())
    assert len(smtp.mailbox.to(GLASGOW_OFFICER)) == 1  # nothing further

    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert (await client.post(tampered)).status_code == 404


async def test_unsubscribing_from_a_follow_stops_that_follow(
    glasgow, fife, edinburgh, glasgow_officer, fife_admin, edinburgh_officer, smtp, client
):
    solution = await make_solution("platform", owner=glasgow, title="Digital telecare hub")
    await notifications.follow(edinburgh_officer, "solution", solution.slug, "immediate")
    await _settle(smtp)
    await _fife_registers_interest(fife_admin, solution)
    await delivery.run(smtp.settings())
    told = smtp.mailbox.to(EDINBURGH_OFFICER)
    assert len(told) == 1
    link = str(told[0]["List-Unsubscribe"]).strip("<>")
    response = await client.post(link[link.index("/unsubscribe/") :])
    assert response.status_code == 200
    assert await Follow.count() == 0
    await collaboration.register_interest(fife_admin, solution.slug, "fife", "following")
    await delivery.run(smtp.settings())
    assert len(smtp.mailbox.to(EDINBURGH_OFFICER)) == 1


async def test_a_daily_digest_gathers_the_days_events_into_one_message(
    glasgow, fife, edinburgh, glasgow_officer, fife_admin, edinburgh_officer, tmp_path
):
    solution = await make_solution("platform", owner=glasgow, title="Council tax portal")
    await notifications.follow(edinburgh_officer, "solution", solution.slug, "daily")
    await _fife_registers_interest(fife_admin, solution)
    await collaboration.pledge(fife_admin, solution.slug, "fife", amount_pence=500000)
    settings = replace(get_settings(), data_dir=tmp_path / "data")

    today = await delivery.run(settings)
    digests = await MailMessage.count().where(MailMessage.kind == "digest")
    assert digests == 0  # the day is not over
    assert today.sent == 3  # Glasgow's officer, told at once as a member (of the new solution too)

    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    later = await delivery.run(settings, tomorrow)
    assert later.sent == 1
    files = sorted((tmp_path / "data" / "mail").glob("*.eml"))
    assert len(files) == 4
    digest = [f.read_text() for f in files if "daily registry digest" in f.read_text()]
    assert len(digest) == 1
    assert "registered interest" in digest[0]
    assert "pledged" in digest[0]
    assert EDINBURGH_OFFICER in digest[0]


async def test_demand_gathering_is_told_once_at_the_threshold_naming_the_councils(
    glasgow, glasgow_officer, digital_office, curator
):
    solution = await make_solution("platform", owner=glasgow, title="Shared waste app")
    councils = []
    for name in ("Angus", "Falkirk", "Moray", "Orkney"):
        org = await make_org(name.lower(), name=f"{name} Council")
        councils.append((org, await make_actor(org, "member")))

    async def intends(n: int) -> None:
        org, actor = councils[n]
        await collaboration.register_interest(actor, solution.slug, org["slug"], "intends_to_adopt")

    await intends(0)
    await intends(1)
    assert await Notification.count().where(Notification.kind == "demand.gathering") == 0
    await intends(2)
    told = await Notification.select().where(Notification.kind == "demand.gathering")
    who = {row["user"] for row in told}
    # The owner's member, the Digital Office, and the councils' people except the one who acted.
    assert glasgow_officer.user_id in who
    assert curator.user_id in who
    assert councils[0][1].user_id in who
    assert councils[1][1].user_id in who
    assert councils[2][1].user_id not in who
    assert "Angus Council, Falkirk Council and Moray Council" in told[0]["text"]
    await intends(3)
    assert await Notification.count().where(Notification.kind == "demand.gathering") == len(told)


async def test_demand_for_a_solution_bought_through_a_joint_procurement_is_not_told(
    glasgow, glasgow_officer, scotland_excel, digital_office, curator
):
    solution = await make_solution("platform", owner=glasgow, title="Shared waste app")
    framework = await make_solution("procurement", owner=scotland_excel, title="Waste framework")
    await supply.link_supply(SYSTEM, solution.slug, framework.slug)
    for name in ("Angus", "Falkirk", "Moray"):
        org = await make_org(name.lower(), name=f"{name} Council")
        actor = await make_actor(org, "member")
        await collaboration.register_interest(actor, solution.slug, org["slug"], "intends_to_adopt")
    assert await Notification.count().where(Notification.kind == "demand.gathering") == 0


async def _framework(owner, ends_on: dt.date):
    return await make_solution(
        "procurement",
        owner=owner,
        title="Telecare devices framework",
        starts_on="2024-01-01",
        ends_on=ends_on.isoformat(),
    )


async def test_frameworks_ending_are_told_once_per_threshold_however_often_the_worker_runs(
    scotland_excel, excel_buyer, glasgow, glasgow_officer, smtp
):
    today = dt.date.today()
    framework = await _framework(scotland_excel, today + dt.timedelta(days=120))
    await collaboration.record_adoption(glasgow_officer, framework.slug, "glasgow-city", "live")
    await delivery.run(smtp.settings())  # the adoption's own message to the body
    start = len(smtp.mailbox.messages)

    env = {"REGISTRY_MAIL_URL": smtp.url}
    for _ in range(3):
        done = run_registry("worker", "--once", env=env)
        assert done.returncode == 0, done.stderr
    warned = [m for m in smtp.mailbox.messages[start:] if "framework ending" in str(m["Subject"])]
    assert sorted(str(m["To"]) for m in warned) == sorted(
        [GLASGOW_OFFICER, "buyer@scotland-excel.gov.uk"]
    )
    text = warned[0].get_body(preferencelist=("plain",)).get_content()
    assert "6 months from now or less" in text

    # A month later it is within three months: told once more, however often checked.
    near = today + dt.timedelta(days=40)
    assert await checks.frameworks_ending(near) == 1
    assert await checks.frameworks_ending(near) == 0
    assert await checks.frameworks_ending(near + dt.timedelta(days=1)) == 0
    within_one = framework_end = today + dt.timedelta(days=120)
    assert await checks.frameworks_ending(within_one - dt.timedelta(days=20)) == 1
    assert await checks.frameworks_ending(framework_end - dt.timedelta(days=10)) == 0
    kinds = await Notification.select(Notification.text).where(
        Notification.kind == "framework.ending"
    )
    assert len(kinds) == 3 * 2


async def test_a_new_solution_matching_a_saved_search_is_told_to_its_follower(
    glasgow, glasgow_officer, edinburgh, edinburgh_officer
):
    await notifications.follow(
        edinburgh_officer, "search", "?q=telecare&kind=platform&page=2", "weekly", "Telecare"
    )
    follow = await Follow.select().first()
    assert follow["query"] == "q=telecare&kind=platform"  # what was asked, not which page
    await make_solution("platform", owner=glasgow, title="Telecare monitoring hub")
    await make_solution("component", owner=glasgow, title="Telecare data model")
    await make_solution("platform", owner=glasgow, title="Waste collection app")
    draft = await make_solution("platform", owner=glasgow, title="Telecare alarms", status="draft")
    matched = await Notification.select().where(Notification.kind == "search.match")
    assert [m["title"] for m in matched] == ["Telecare monitoring hub"]
    assert matched[0]["delivery"] == "weekly"

    from registry import catalogue

    await catalogue.publish_solution(glasgow_officer, draft.slug, draft.version)
    matched = await Notification.select().where(Notification.kind == "search.match")
    assert sorted(m["title"] for m in matched) == ["Telecare alarms", "Telecare monitoring hub"]


async def test_a_saved_search_is_checked_as_the_discover_page_checks_it(edinburgh_officer):
    from registry.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        await notifications.follow(edinburgh_officer, "search", "colour=red", "daily", "Red")
    assert "colour" in refused.value.fields["query"]
    with pytest.raises(ValidationFailed) as unnamed:
        await notifications.follow(edinburgh_officer, "search", "q=telecare", "daily", "")
    assert "name" in unnamed.value.fields
    with pytest.raises(ValidationFailed):
        await notifications.follow(edinburgh_officer, "search", "q=x" * 1000, "daily", "Long")
    assert await Follow.count() == 0


async def test_moving_a_solution_tells_both_owners_members_once(
    glasgow, fife, glasgow_officer, fife_admin, curator, smtp
):
    solution = await make_solution("platform", owner=glasgow, title="Shared room booking")
    await _settle(smtp)

    await transfer_solution(curator, solution.slug, "fife", solution.version)
    result = await delivery.run(smtp.settings())

    assert result.sent == 2
    for person in (GLASGOW_OFFICER, FIFE_ADMIN):
        [message] = smtp.mailbox.to(person)
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "Shared room booking moved from Glasgow City Council to Fife Council." in body


async def test_a_programmes_followers_hear_of_its_status_and_both_owners_of_a_move(
    digital_office, glasgow, glasgow_officer, edinburgh_officer, curator, smtp
):
    await programmes.save_programme(
        SYSTEM,
        {"slug": "telecare", "title": "Digital telecare", "summary": "Go.", "status": "active"},
        "digital-office",
    )
    await notifications.follow(edinburgh_officer, "programme", "telecare", "immediate")
    await _settle(smtp)
    version = (await Programme.select(Programme.version).where(Programme.slug == "telecare"))[0][
        "version"
    ]

    await programmes.update_programme(
        curator, "telecare", {"status": "completed", "owner": "glasgow-city"}, version
    )
    await delivery.run(smtp.settings())

    told = [
        m.get_body(preferencelist=("plain",)).get_content()
        for m in smtp.mailbox.to(EDINBURGH_OFFICER)
    ]
    assert len(told) == 2
    assert any("Digital telecare is now completed." in body for body in told)
    moved = "Digital telecare moved from Digital Office to Glasgow City Council."
    assert any(moved in body for body in told)
    [glasgow_told] = smtp.mailbox.to(GLASGOW_OFFICER)
    assert moved in glasgow_told.get_body(preferencelist=("plain",)).get_content()


async def test_a_saved_search_matches_exactly_what_the_discover_page_lists(
    client, search_index, glasgow, scotland_excel, edinburgh, edinburgh_officer
):
    """A typo, a synonym, a prefix, an exclusion and a filter: each saved search is told of
    the new solutions the discover page finds for its parameters, and of no other."""
    from registry.catalogue import synonyms
    from registry.indexing.sync import drain_all

    await synonyms.add_group(SYSTEM, "HR\nhuman resources", search_index)
    searches = {
        "Typo": "q=procurment",
        "Synonym": "q=HR",
        "Prefix": "q=tele",
        "Exclusion": "q=telecare -alarms",
        "Filtered": "q=telecare&kind=component",
        "Nothing": "q=libraries",
    }
    for name, query in searches.items():
        await notifications.follow(edinburgh_officer, "search", query, "daily", name)
    titles = [
        ("procurement", scotland_excel, "Procurement framework for fleet vehicles"),
        ("platform", glasgow, "Human resources self-service portal"),
        ("platform", glasgow, "Telecare alarms hub"),
        ("component", glasgow, "Telecare data model"),
        ("platform", glasgow, "Waste collection rounds"),
    ]
    for kind, owner, title in titles:
        await make_solution(kind, owner=owner, title=title)
    await drain_all(search_index)

    told = await Notification.select(
        Notification.title, Notification.text, Notification.subject_slug
    ).where(Notification.kind == "search.match")
    for name, query in searches.items():
        notified = {t["subject_slug"] for t in told if f"“{name}”" in t["text"]}
        page = await client.get(f"/?{query}")
        assert page.status_code == 200
        links = html(page).css(".ds_search-result__title a")
        listed = {a.attributes["href"].removeprefix("/solutions/") for a in links}
        assert notified == listed, (name, notified, listed)
    by_name = {
        name: sorted(t["title"] for t in told if f"“{name}”" in t["text"]) for name in searches
    }
    assert by_name["Typo"] == ["Procurement framework for fleet vehicles"]
    assert by_name["Synonym"] == ["Human resources self-service portal"]
    assert by_name["Prefix"] == ["Telecare alarms hub", "Telecare data model"]
    assert by_name["Exclusion"] == ["Telecare data model"]
    assert by_name["Filtered"] == ["Telecare data model"]
    assert by_name["Nothing"] == []
