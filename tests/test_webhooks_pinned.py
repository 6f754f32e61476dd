"""Webhook calls outside development go to the address that was checked, never to a second
lookup of the name (DNS rebinding), and a name that resolves to this machine is not called."""

from __future__ import annotations

import httpx
import pytest

from registry import collaboration
from registry.notifications import webhooks
from registry.tables import WebhookDelivery
from tests.clients import production_settings
from tests.factories import make_solution
from tests.test_webhooks import Receiver, after_window

UNRESOLVABLE = "registry-receiver.invalid"  # .invalid is never in the DNS (RFC 2606)


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


async def test_the_call_connects_to_the_checked_address_and_still_names_the_host(receiver):
    port = receiver.server.server_address[1]
    url = f"http://{UNRESOLVABLE}:{port}/registry-events"
    status, answer = await webhooks._call(url, {}, b"{}", 5, address="127.0.0.1")
    assert (status, answer) == (200, "ok")
    [call] = receiver.calls
    assert call["headers"]["Host"] == f"{UNRESOLVABLE}:{port}"
    # Without the address, the name would be looked up again, and it names nothing.
    with pytest.raises(httpx.ConnectError):
        await webhooks._call(url, {}, b"{}", 5)
    assert len(receiver.calls) == 1


async def test_the_checked_address_is_the_one_given_to_the_call(tmp_path):
    settings = production_settings(tmp_path)
    refused, address = await webhooks.checked_destination("https://localhost/hook", settings)
    assert refused is not None
    assert address is None
    refused, address = await webhooks.checked_destination("https://1.1.1.1/hook", settings)
    assert (refused, address) == (None, "1.1.1.1")


async def test_production_does_not_call_a_name_that_now_resolves_to_this_machine(
    fife, glasgow, fife_admin, glasgow_officer, receiver, tmp_path
):
    """Registered where any address is allowed, then delivered by a production worker: the
    name `localhost` resolves to 127.0.0.1, so the call is never made."""
    port = receiver.server.server_address[1]
    await webhooks.register_endpoint(
        fife_admin, "fife", f"https://localhost:{port}/registry-events", ["interest.registered"]
    )
    solution = await make_solution("platform", owner=fife, title="Telecare alarm platform")
    await collaboration.register_interest(
        glasgow_officer, solution.slug, "glasgow-city", "exploring"
    )

    result = await webhooks.send_due(production_settings(tmp_path), after_window())

    assert result.delivered == 0
    assert receiver.calls == []
    [delivery] = await WebhookDelivery.select(WebhookDelivery.status, WebhookDelivery.last_error)
    assert delivery["status"] == "queued"  # retried later, in case the name is fixed
    assert "private, loopback or local address" in delivery["last_error"]
