"""Webhooks: an organisation's administrators register an endpoint; a change its members are told
of queues a signed delivery in the same transaction; the worker calls a real HTTP receiver,
started here on its own thread, retries a failing one for a day, and merges a burst of changes
to one solution into one call."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from registry import changes, collaboration
from registry.config import get_settings
from registry.errors import PermissionDenied, ValidationFailed
from registry.notifications import webhooks
from registry.tables import AuditEvent, WebhookDelivery, WebhookEndpoint
from tests.clients import production_settings
from tests.factories import FIFE_ADMIN, GLASGOW_OFFICER, make_actor, make_solution
from tests.web import error_summary, html, post_form, sign_in


class Receiver:
    """A real HTTP server that keeps every call it gets and answers with the statuses it is
    told to (then 200)."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.answers: list[int] = []
        self.location = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.calls.append({"headers": dict(self.headers), "body": body})
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/registry-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> list[str]:
        return [c["headers"]["Registry-Delivery"] for c in self.calls]


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def later(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


def after_window() -> dt.datetime:
    return later(get_settings().webhook_merge_seconds + 1)


async def send(at: dt.datetime | None = None) -> webhooks.WebhookResult:
    return await webhooks.send_due(get_settings(), at or after_window())


async def _glasgow_interest(officer, solution, level="exploring"):
    await collaboration.register_interest(officer, solution.slug, "glasgow-city", level)


async def _fife_hook(fife_admin, receiver, events=("interest.registered", "pledge.made")):
    return await webhooks.register_endpoint(fife_admin, "fife", receiver.url, list(events))


async def test_a_delivery_is_signed_carries_an_id_and_verifies(
    fife, glasgow, fife_admin, glasgow_officer, receiver
):
    solution = await make_solution("platform", owner=fife, title="Telecare alarm platform")
    registered = await _fife_hook(fife_admin, receiver)
    await _glasgow_interest(glasgow_officer, solution)

    assert (await send(later(0))).delivered == 0  # still gathering the burst
    result = await send()

    assert result.delivered == 1
    [call] = receiver.calls
    body, headers = call["body"], call["headers"]
    stamp, mac = dict(p.split("=", 1) for p in headers["Registry-Signature"].split(",")).values()
    expected = hmac.new(registered.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(mac, expected.hexdigest())
    assert webhooks.verify(registered.secret, headers["Registry-Signature"], body)
    assert not webhooks.verify(registered.secret, headers["Registry-Signature"], body + b" ")
    assert not webhooks.verify("whsec_another", headers["Registry-Signature"], body)
    document = json.loads(body)
    assert document["id"] == headers["Registry-Delivery"]
    assert document["subject"] == {"type": "solution", "slug": solution.slug}
    [event] = document["events"]
    assert event["kind"] == "interest.registered"
    assert "Glasgow City Council registered interest in Telecare alarm platform" in event["text"]
    assert event["url"].endswith(f"/solutions/{solution.slug}")
    assert headers["Registry-Event"] == "interest.registered"
    # Sent once: the next round calls nobody.
    assert (await send(later(3600))).delivered == 0
    assert len(receiver.calls) == 1


async def test_an_event_the_endpoint_did_not_choose_is_not_sent(
    fife, glasgow, fife_admin, glasgow_officer, receiver
):
    solution = await make_solution("platform", owner=fife)
    await _fife_hook(fife_admin, receiver, events=["pledge.made"])
    await _glasgow_interest(glasgow_officer, solution)

    await send()

    assert receiver.calls == []
    assert await WebhookDelivery.count() == 0


async def test_a_burst_of_changes_to_one_solution_is_one_call(
    fife, glasgow, fife_admin, glasgow_officer, receiver
):
    solution = await make_solution("platform", owner=fife, title="Shared booking")
    other = await make_solution("platform", owner=fife, title="Other thing")
    await _fife_hook(fife_admin, receiver)
    await _glasgow_interest(glasgow_officer, solution)
    await collaboration.register_interest(
        glasgow_officer, solution.slug, "glasgow-city", "intends_to_adopt"
    )
    await collaboration.pledge(glasgow_officer, solution.slug, "glasgow-city", amount_pence=50_000)
    await collaboration.register_interest(glasgow_officer, other.slug, "glasgow-city", "exploring")

    result = await send()

    assert result.delivered == 2
    bodies = {
        json.loads(c["body"])["subject"]["slug"]: json.loads(c["body"]) for c in receiver.calls
    }
    assert [e["kind"] for e in bodies[solution.slug]["events"]] == [
        "interest.registered",
        "interest.registered",
        "pledge.made",
    ]
    assert len(bodies[other.slug]["events"]) == 1


async def test_a_failing_receiver_is_retried_and_when_it_comes_back_gets_each_delivery_once(
    fife, glasgow, fife_admin, glasgow_officer, receiver
):
    first = await make_solution("platform", owner=fife)
    second = await make_solution("platform", owner=fife)
    await _fife_hook(fife_admin, receiver)
    receiver.answers = [500, 503, 502]  # down for the first three calls
    await collaboration.register_interest(glasgow_officer, first.slug, "glasgow-city", "exploring")
    await collaboration.register_interest(glasgow_officer, second.slug, "glasgow-city", "exploring")

    down = await send()
    assert (down.delivered, down.retrying) == (0, 2)
    rows = await WebhookDelivery.select().order_by(WebhookDelivery.id)
    assert [(r["status"], r["attempts"], r["response_status"]) for r in rows] == [
        ("queued", 1, 500),
        ("queued", 1, 503),
    ]
    assert all(r["available_at"] > after_window() for r in rows)  # backing off
    assert (await send()).retrying == 0  # not due yet: nobody called

    third = await send(later(3600))  # one more failure, then the receiver is back
    assert (third.retrying, third.delivered) == (1, 1)
    back = await send(later(7200))
    assert back.delivered == 1
    assert (await send(later(10800))).delivered == 0

    ids = receiver.ids()
    assert len(ids) == 5
    delivered = [c for c in receiver.calls if c is not None][-2:]
    assert len({c["headers"]["Registry-Delivery"] for c in delivered}) == 2
    assert sorted(set(ids)) == sorted(r["delivery_id"] for r in rows)  # retries keep their id
    bodies = {}
    for call in receiver.calls:  # every retry sends the same bytes
        bodies.setdefault(call["headers"]["Registry-Delivery"], set()).add(call["body"])
    assert all(len(b) == 1 for b in bodies.values())
    statuses = await WebhookDelivery.select(WebhookDelivery.status)
    assert {r["status"] for r in statuses} == {"delivered"}


async def test_retries_stop_after_a_day_and_the_admin_can_send_it_again(
    fife, glasgow, fife_admin, glasgow_officer, receiver
):
    solution = await make_solution("platform", owner=fife)
    await _fife_hook(fife_admin, receiver)
    receiver.answers = [500] * 100
    await _glasgow_interest(glasgow_officer, solution)

    assert (await send()).retrying == 1
    hours = 1
    while (await WebhookDelivery.select(WebhookDelivery.status).first())["status"] == "queued":
        await send(later(hours * 3600))
        hours += 1
        assert hours < 40
    row = await WebhookDelivery.select().first()
    assert row["status"] == "failed"
    assert "answered 500" in row["last_error"]
    assert 24 <= hours <= 27  # about a day of tries, not more
    tries = len(receiver.calls)

    receiver.answers = []
    page = await webhooks.webhooks_page(fife_admin, "fife")
    assert page.deliveries[0].may_redeliver
    again = await webhooks.redeliver(fife_admin, "fife", row["id"])
    assert again == row["delivery_id"]
    assert (await send(later(0))).delivered == 1
    assert receiver.ids()[-1] == row["delivery_id"]
    assert len(receiver.calls) == tries + 1
    actions = await AuditEvent.select(AuditEvent.action).where(AuditEvent.subject_type == "webhook")
    assert [a["action"] for a in actions] == ["webhook.register", "webhook.redeliver"]


async def test_a_redirect_is_not_followed(fife, glasgow, fife_admin, glasgow_officer, receiver):
    solution = await make_solution("platform", owner=fife)
    await _fife_hook(fife_admin, receiver)
    receiver.answers = [302]
    receiver.location = "http://169.254.169.254/latest/meta-data/"
    await _glasgow_interest(glasgow_officer, solution)

    result = await send()

    assert result.retrying == 1
    assert len(receiver.calls) == 1
    row = await WebhookDelivery.select().first()
    assert row["response_status"] == 302
    assert "redirects are not followed" in row["last_error"]


async def test_a_change_that_rolls_back_queues_no_delivery(fife, fife_admin, receiver):
    await _fife_hook(fife_admin, receiver, events=["solution.registered"])

    async def fails() -> None:
        raise RuntimeError("a job row could not be written")

    async def rolled_back() -> None:
        async with changes.change(fife_admin, "solution.create", "solution", 1) as change:
            change.queue(fails)

    with pytest.raises(RuntimeError):
        await rolled_back()
    await make_solution("platform", owner=fife)

    assert await WebhookDelivery.count() == 1


async def test_only_the_organisations_administrators_and_curators_manage_its_webhooks(
    fife, glasgow, fife_admin, glasgow_officer, curator, receiver
):
    fife_member = await make_actor(fife, "member")
    for stranger in (glasgow_officer, fife_member):
        with pytest.raises(PermissionDenied):
            await webhooks.register_endpoint(stranger, "fife", receiver.url, ["pledge.made"])
        with pytest.raises(PermissionDenied):
            await webhooks.webhooks_page(stranger, "fife")
    # Who is acting is checked before what they sent: nonsense gets the same refusal.
    with pytest.raises(PermissionDenied):
        await webhooks.register_endpoint(glasgow_officer, "fife", "not a url", ["nonsense"])
    assert await WebhookEndpoint.count() == 0

    made = await webhooks.register_endpoint(curator, "fife", receiver.url, ["pledge.made"])
    assert made.secret.startswith("whsec_")
    with pytest.raises(PermissionDenied):
        await webhooks.remove_endpoint(glasgow_officer, "fife", made.endpoint.id)
    assert await WebhookEndpoint.count().where(WebhookEndpoint.active == True) == 1  # noqa: E712


@pytest.mark.parametrize(
    ("url", "events", "field", "words"),
    [
        ("", ["pledge.made"], "url", "Enter the address"),
        ("ftp://example.org/x", ["pledge.made"], "url", "http://"),
        ("https://user:pw@example.org/x", ["pledge.made"], "url", "user name"),
        ("https://example.org/" + "x" * 2000, ["pledge.made"], "url", "at most"),
        ("https://example.org/x", [], "events", "at least one"),
        ("https://example.org/x", ["drop.tables"], "events", "not an event"),
    ],
)
async def test_bad_input_is_refused_with_the_field_and_the_reason(
    fife, fife_admin, url, events, field, words
):
    with pytest.raises(ValidationFailed) as refused:
        await webhooks.register_endpoint(fife_admin, "fife", url, events)
    assert words in refused.value.fields[field]
    assert await WebhookEndpoint.count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest",
        "https://localhost/hook",
        "http://example.org/hook",
    ],
)
async def test_production_refuses_private_and_plain_http_endpoints(fife, fife_admin, tmp_path, url):
    settings = production_settings(tmp_path)
    with pytest.raises(ValidationFailed) as refused:
        await webhooks.register_endpoint(fife_admin, "fife", url, ["pledge.made"], settings)
    assert "url" in refused.value.fields
    assert await WebhookEndpoint.count() == 0
    assert await webhooks.refused_destination(url, settings) is not None


async def test_the_page_registers_a_webhook_shows_its_secret_once_and_refuses_others(
    client, fife, glasgow, fife_admin, glasgow_officer, receiver
):
    await sign_in(client, GLASGOW_OFFICER)
    assert (await client.get("/organisations/fife/webhooks")).status_code == 403

    client.cookies.clear()
    await sign_in(client, FIFE_ADMIN)
    profile = await client.get("/organisations/fife")
    assert html(profile).css_first('a[href="/organisations/fife/webhooks"]') is not None
    bad = await post_form(
        client,
        "/organisations/fife/webhooks",
        "/organisations/fife/webhooks",
        {"url": "nonsense", "events": ["pledge.made"]},
    )
    assert bad.status_code == 422
    assert error_summary(bad)[0][0] == "#url"

    made = await post_form(
        client,
        "/organisations/fife/webhooks",
        "/organisations/fife/webhooks",
        {"url": receiver.url, "events": ["pledge.made", "interest.registered"]},
    )
    assert made.status_code == 200
    secret = html(made).css_first("#secret").attributes["value"]
    assert secret.startswith("whsec_")
    shown = await client.get("/organisations/fife/webhooks")
    assert secret not in shown.text
    assert receiver.url in shown.text
    endpoint = await WebhookEndpoint.select().first()
    assert endpoint["events"] == "interest.registered pledge.made"

    removed = await post_form(
        client,
        "/organisations/fife/webhooks",
        f"/organisations/fife/webhooks/{endpoint['id']}/remove",
        {},
        follow_redirects=True,
    )
    assert removed.status_code == 200
    assert "is removed" in removed.text
    assert await WebhookEndpoint.count().where(WebhookEndpoint.active == True) == 0  # noqa: E712
