"""Webhooks: an organisation's own systems told of the events its members are told of, by signed
HTTP calls.

An organisation's administrators (and the Digital Office's curators) register an endpoint for
the event kinds they choose (the notification kinds, `EVENT_KINDS`). When a change tells an
organisation's members of an event (`registry.notifications.recipients`), `queue_event` queues a
delivery for each of its endpoints that chose that kind, in the same transaction. Events about
the same subject within `webhook_merge_seconds` are merged into one delivery: an event joins
the subject's delivery while it is still queued and untried, otherwise it starts a new one.

The worker (`registry.jobs`) sends due deliveries with `send_due`: each is claimed (status
"sending", a conditional update only one worker can win), its body fixed at the first attempt,
signed and POSTed with bounded timeouts, never following a redirect, reading at most
`RESPONSE_LIMIT` bytes of the answer. A 2xx answer is "delivered"; anything else is retried with
back-off until a day has passed, then "failed". A claim left by a worker that stopped is
retried, with the same id, so a receiver that keeps the ids it has seen sees each once.

Signing: `Registry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with
the endpoint's secret, which is derived from the registry's secret key and the endpoint's salt
and shown once, when the endpoint is registered.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from registry import changes, db
from registry.accounts import Actor, require, require_signed_in
from registry.config import Settings, get_settings
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.organisations import organisation_by_slug
from registry.tables import WebhookDelivery, WebhookEndpoint, WebhookEvent

if TYPE_CHECKING:
    from registry.notifications.recipients import Event

log = logging.getLogger("registry.notifications.webhooks")

# The kinds an endpoint may choose: every kind of event the notifications tell, in words.
EVENT_KINDS: dict[str, str] = {
    "interest.registered": "Interest registered or changed",
    "interest.withdrawn": "Interest withdrawn",
    "pledge.made": "Pledge made",
    "pledge.changed": "Pledge changed",
    "pledge.confirmed": "Pledge confirmed",
    "pledge.withdrawn": "Pledge withdrawn",
    "adoption.recorded": "Adoption recorded",
    "funding.reached": "Funding target reached",
    "demand.gathering": "Demand gathering",
    "framework.ending": "Framework ending",
    "solution.registered": "Solution registered",
    "solution.published": "Solution published",
    "solution.edited": "Solution edited",
    "solution.retired": "Solution retired",
    "solution.status": "Solution status changed",
    "solution.transferred": "Solution moved to another owner",
    "programme.transfer": "Programme moved to another owner",
}
STATUSES = ("queued", "sending", "delivered", "failed", "cancelled")
MANAGE = "membership.manage"  # the organisation's administrators, and the Digital Office
MAX_ENDPOINTS = 10
MAX_URL = 2000
MAX_EVENTS_PER_DELIVERY = 100
RESPONSE_LIMIT = 4096  # bytes of an answer read and kept, at most
RETRY_FOR = dt.timedelta(days=1)
CLAIM_LEASE = dt.timedelta(minutes=2)  # far longer than one call may take
BATCH = 50
RECENT = 25
SIGNATURE_HEADER = "Registry-Signature"
DELIVERY_HEADER = "Registry-Delivery"
EVENT_HEADER = "Registry-Event"


# -- signing -----------------------------------------------------------------------------------


def endpoint_secret(secret_key: str, salt: str) -> str:
    """The secret an endpoint's calls are signed with; the database keeps only the salt."""
    digest = hmac.new(secret_key.encode(), b"webhook-secret:" + salt.encode(), hashlib.sha256)
    return "whsec_" + base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Registry-Signature` value for a body sent at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (the README shows the same in a few lines): the signature matches
    and its time is within `tolerance` seconds of now."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp = parts.get("t", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > tolerance:
        return False
    expected = signature(secret, int(stamp), body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# -- where calls may go ------------------------------------------------------------------------


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def refused_destination(url: str, settings: Settings) -> str | None:
    """Why a call may not go to `url` now, or None. Outside development the address must be
    https and every address its host resolves to public (no loopback, private, link-local or
    reserved networks: the registry's own neighbours are not for others to reach)."""
    return (await checked_destination(url, settings))[0]


async def checked_destination(url: str, settings: Settings) -> tuple[str | None, str | None]:
    """Why a call may not go to `url` now (or None), and the address checked, which the call
    then connects to: the name is not looked up again, so it cannot answer a public address to
    the check and a private one to the call (DNS rebinding). In development, where any address
    may be called, nothing is checked or pinned."""
    parts = urlsplit(url)
    if settings.is_development:
        return None, None
    if parts.scheme != "https":
        return "must start with https://", None
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or 443, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError):
        return f"names a host that cannot be found ({parts.hostname})", None
    if not found or not all(_is_public(info[4][0]) for info in found):
        return "must be on the public internet, not a private, loopback or local address", None
    return None, found[0][4][0].split("%", 1)[0]


def _url_problem(url: str, settings: Settings) -> str | None:
    if not url:
        return "Enter the address to call, like https://example.gov.uk/registry-events"
    if len(url) > MAX_URL:
        return f"The address must be at most {MAX_URL} characters"
    if any(c.isspace() for c in url) or not url.isprintable():
        return "The address must not contain spaces or control characters"
    parts = urlsplit(url)
    allowed = ("http", "https") if settings.is_development else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        return (
            "Enter an address that starts with https://"
            if not settings.is_development
            else "Enter an address that starts with http:// or https://"
        )
    if parts.username or parts.password:
        return "The address must not contain a user name or password"
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return "The address's port must be a number from 1 to 65535"
    if parts.fragment:
        return "The address must not contain a # fragment"
    return None


# -- registering and removing endpoints --------------------------------------------------------


@dataclass(frozen=True)
class EndpointView:
    id: int
    url: str
    events: tuple[str, ...]
    created_at: dt.datetime


@dataclass(frozen=True)
class DeliveryView:
    id: int
    delivery_id: str
    url: str
    subject: str
    status: str
    event_kinds: tuple[str, ...]
    attempts: int
    response_status: int | None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    next_attempt_at: dt.datetime | None

    @property
    def may_redeliver(self) -> bool:
        return self.status in ("delivered", "failed", "cancelled")


@dataclass(frozen=True)
class WebhooksView:
    slug: str
    name: str
    endpoints: tuple[EndpointView, ...]
    deliveries: tuple[DeliveryView, ...]
    kinds: dict[str, str] = field(default_factory=lambda: dict(EVENT_KINDS))


@dataclass(frozen=True)
class Registered:
    endpoint: EndpointView
    secret: str  # shown once, on the page that answers the form


async def _managed(actor: Actor, slug: str) -> dict:
    """The organisation, once the actor is known to manage it: who is acting is checked before
    anything they sent is looked at."""
    require_signed_in(actor)
    organisation = await organisation_by_slug(slug)
    require(actor, MANAGE, organisation)
    return organisation


def _events_of(row: dict) -> tuple[str, ...]:
    return tuple(k for k in row["events"].split() if k in EVENT_KINDS)


def _endpoint_view(row: dict) -> EndpointView:
    return EndpointView(row["id"], row["url"], _events_of(row), row["created_at"])


async def webhooks_page(actor: Actor, slug: str) -> WebhooksView:
    """An organisation's endpoints and its most recent deliveries, for those who manage it."""
    organisation = await _managed(actor, slug)
    async with db.reading():
        endpoints = (
            await WebhookEndpoint.select()
            .where(
                (WebhookEndpoint.organisation == organisation["id"])
                & (WebhookEndpoint.active == True)  # noqa: E712
            )
            .order_by(WebhookEndpoint.id)
        )
        rows = (
            await WebhookDelivery.select(
                *WebhookDelivery.all_columns(exclude=[WebhookDelivery.body]),
                WebhookDelivery.endpoint.url.as_alias("url"),
            )
            .where(WebhookDelivery.endpoint.organisation == organisation["id"])
            .order_by(WebhookDelivery.id, ascending=False)
            .limit(RECENT)
        )
        kinds: dict[int, list[str]] = {}
        if rows:
            events = await WebhookEvent.select(WebhookEvent.delivery, WebhookEvent.kind).where(
                WebhookEvent.delivery.is_in([r["id"] for r in rows])
            )
            for event in events:
                kinds.setdefault(event["delivery"], []).append(event["kind"])
    deliveries = tuple(
        DeliveryView(
            id=r["id"],
            delivery_id=r["delivery_id"],
            url=r["url"],
            subject=r["subject"],
            status=r["status"],
            event_kinds=tuple(dict.fromkeys(kinds.get(r["id"], []))),
            attempts=r["attempts"],
            response_status=r["response_status"],
            last_error=r["last_error"],
            created_at=r["created_at"],
            delivered_at=r["delivered_at"],
            next_attempt_at=r["available_at"] if r["status"] == "queued" else None,
        )
        for r in rows
    )
    return WebhooksView(
        organisation["slug"],
        organisation["name"],
        tuple(_endpoint_view(r) for r in endpoints),
        deliveries,
    )


async def register_endpoint(
    actor: Actor, slug: str, url: str, events: Iterable[str], settings: Settings | None = None
) -> Registered:
    """Register an endpoint for the chosen event kinds; the answer holds its secret, once."""
    settings = settings or get_settings()
    organisation = await _managed(actor, slug)
    url = url.strip() if isinstance(url, str) else ""
    chosen = [e for e in events if isinstance(e, str)][: len(EVENT_KINDS) + 1]
    errors: dict[str, str] = {}
    problem = _url_problem(url, settings)
    if problem is None:
        refused = await refused_destination(url, settings)
        if refused:
            problem = f"The address {refused}"
    if problem:
        errors["url"] = problem
    unknown = [e for e in chosen if e not in EVENT_KINDS]
    if unknown:
        errors["events"] = f"{unknown[0][:40]!r} is not an event the registry tells"
    elif not chosen:
        errors["events"] = "Choose at least one event to be told of"
    if errors:
        raise ValidationFailed(errors)
    kinds = " ".join(k for k in EVENT_KINDS if k in chosen)
    salt = secrets.token_urlsafe(24)
    async with changes.change(
        actor, "webhook.register", "webhook", organisation_id=organisation["id"]
    ) as change:
        count = await WebhookEndpoint.count().where(
            (WebhookEndpoint.organisation == organisation["id"]) & (WebhookEndpoint.active == True)  # noqa: E712
        )
        if count >= MAX_ENDPOINTS:
            raise Conflict(
                f"{organisation['name']} already has {MAX_ENDPOINTS} webhooks: remove one first"
            )
        inserted = await WebhookEndpoint.insert(
            WebhookEndpoint(
                organisation=organisation["id"],
                url=url,
                events=kinds,
                salt=salt,
                created_by=actor.user_id,
            )
        )
        row = await WebhookEndpoint.select().where(WebhookEndpoint.id == inserted[0]["id"]).first()
        change.subject_id = row["id"]
        change.subject_slug = organisation["slug"]
        change.after = {"url": url, "events": kinds}
    return Registered(_endpoint_view(row), endpoint_secret(settings.secret_key, salt))


async def _endpoint_of(organisation: dict, endpoint_id: int) -> dict:
    row = (
        await WebhookEndpoint.select()
        .where(
            (WebhookEndpoint.id == endpoint_id)
            & (WebhookEndpoint.organisation == organisation["id"])
            & (WebhookEndpoint.active == True)  # noqa: E712
        )
        .first()
    )
    if row is None:
        raise NotFound(f"{organisation['name']} has no such webhook")
    return row


async def remove_endpoint(actor: Actor, slug: str, endpoint_id: int) -> str:
    """Stop calling an endpoint: what is queued for it is cancelled; its history stays."""
    organisation = await _managed(actor, slug)
    async with changes.change(
        actor,
        "webhook.remove",
        "webhook",
        subject_slug=organisation["slug"],
        organisation_id=organisation["id"],
    ) as change:
        row = await _endpoint_of(organisation, endpoint_id)
        change.subject_id = row["id"]
        change.before = {"url": row["url"], "events": row["events"]}
        await WebhookEndpoint.update(
            {WebhookEndpoint.active: False, WebhookEndpoint.removed_at: dt.datetime.now(dt.UTC)}
        ).where(WebhookEndpoint.id == row["id"])
        await WebhookDelivery.update(
            {WebhookDelivery.status: "cancelled", WebhookDelivery.last_error: "webhook removed"}
        ).where((WebhookDelivery.endpoint == row["id"]) & (WebhookDelivery.status == "queued"))
    return row["url"]


async def redeliver(actor: Actor, slug: str, delivery_row_id: int) -> str:
    """Send a finished delivery again (the same id and body), retried for another day."""
    organisation = await _managed(actor, slug)
    async with changes.change(
        actor,
        "webhook.redeliver",
        "webhook",
        subject_slug=organisation["slug"],
        organisation_id=organisation["id"],
    ) as change:
        row = (
            await WebhookDelivery.select(
                WebhookDelivery.id,
                WebhookDelivery.delivery_id,
                WebhookDelivery.status,
                WebhookDelivery.endpoint,
            )
            .where(
                (WebhookDelivery.id == delivery_row_id)
                & (WebhookDelivery.endpoint.organisation == organisation["id"])
                & (WebhookDelivery.endpoint.active == True)  # noqa: E712
            )
            .first()
        )
        if row is None:
            raise NotFound(f"{organisation['name']} has no such webhook delivery")
        now = dt.datetime.now(dt.UTC)
        updated = (
            await WebhookDelivery.update(
                {
                    WebhookDelivery.status: "queued",
                    WebhookDelivery.available_at: now,
                    WebhookDelivery.retry_until: now + RETRY_FOR,
                    WebhookDelivery.last_error: "",
                }
            )
            .where(
                (WebhookDelivery.id == row["id"])
                & WebhookDelivery.status.is_in(["delivered", "failed", "cancelled"])
            )
            .returning(WebhookDelivery.id)
        )
        if not updated:
            raise Conflict("This delivery is still being sent: it cannot be sent again yet")
        change.subject_id = row["endpoint"]
        change.after = {"delivery": row["delivery_id"]}
    return row["delivery_id"]


# -- queuing, in the change's transaction ------------------------------------------------------


async def queue_event(event: Event, organisation_ids: Iterable[int]) -> int:
    """Queue `event` for every endpoint of these organisations that chose its kind, merging it
    into the subject's delivery while that is still waiting; returns how many were queued."""
    ids = sorted(set(organisation_ids))
    if not ids or event.kind not in EVENT_KINDS:
        return 0
    endpoints = await WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
        WebhookEndpoint.organisation.is_in(ids) & (WebhookEndpoint.active == True)  # noqa: E712
    )
    wanted = [e["id"] for e in endpoints if event.kind in e["events"].split()]
    if not wanted:
        return 0
    now = dt.datetime.now(dt.UTC)
    window = dt.timedelta(seconds=get_settings().webhook_merge_seconds)
    subject = f"{event.subject_type}:{event.subject_slug}"[:120]
    for endpoint_id in wanted:
        delivery_id = await _join_open_delivery(endpoint_id, subject)
        if delivery_id is None:
            inserted = await WebhookDelivery.insert(
                WebhookDelivery(
                    endpoint=endpoint_id,
                    delivery_id=str(uuid.uuid4()),
                    subject=subject,
                    status="queued",
                    event_count=1,
                    available_at=now + window,
                    retry_until=now + window + RETRY_FOR,
                    created_at=now,
                )
            )
            delivery_id = inserted[0]["id"]
        await WebhookEvent.insert(
            WebhookEvent(
                delivery=delivery_id,
                kind=event.kind,
                subject_type=event.subject_type,
                subject_slug=event.subject_slug,
                title=event.title[:300],
                text=event.text[:1000],
                path=event.path[:300],
                created_at=now,
            )
        )
    return len(wanted)


async def _join_open_delivery(endpoint_id: int, subject: str) -> int | None:
    """The subject's delivery still waiting and never tried, counted one event fuller; None when
    there is none. The update is conditional: a worker that claimed the delivery first wins
    (on PostgreSQL the claim waits for this transaction, then sees the event), and the event
    starts a new delivery instead."""
    open_row = (
        await WebhookDelivery.select(WebhookDelivery.id)
        .where(
            (WebhookDelivery.endpoint == endpoint_id)
            & (WebhookDelivery.subject == subject)
            & (WebhookDelivery.status == "queued")
            & (WebhookDelivery.attempts == 0)
            & (WebhookDelivery.body == "")
            & (WebhookDelivery.event_count < MAX_EVENTS_PER_DELIVERY)
        )
        .order_by(WebhookDelivery.id, ascending=False)
        .first()
    )
    if open_row is None:
        return None
    joined = (
        await WebhookDelivery.update({WebhookDelivery.event_count: WebhookDelivery.event_count + 1})
        .where(
            (WebhookDelivery.id == open_row["id"])
            & (WebhookDelivery.status == "queued")
            & (WebhookDelivery.attempts == 0)
        )
        .returning(WebhookDelivery.id)
    )
    return joined[0]["id"] if joined else None


# -- sending, by the worker --------------------------------------------------------------------


@dataclass
class WebhookResult:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before retry number `attempts`: 30 seconds, doubling, at most an hour."""
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


async def _release_abandoned(now: dt.datetime) -> None:
    """Claims left by a worker that stopped mid-call go back in the queue: sent again with the
    same id, which a receiver can use to tell a repeat."""
    await WebhookDelivery.update({WebhookDelivery.status: "queued"}).where(
        (WebhookDelivery.status == "sending") & (WebhookDelivery.claimed_at < now - CLAIM_LEASE)
    )


async def _claim(row_id: int, now: dt.datetime) -> bool:
    claimed = (
        await WebhookDelivery.update(
            {
                WebhookDelivery.status: "sending",
                WebhookDelivery.claimed_at: now,
                WebhookDelivery.attempts: WebhookDelivery.attempts + 1,
            }
        )
        .where((WebhookDelivery.id == row_id) & (WebhookDelivery.status == "queued"))
        .returning(WebhookDelivery.id)
    )
    return bool(claimed)


async def _body_of(row: dict, settings: Settings) -> bytes:
    """The delivery's body: made from its events at the first attempt and kept, so a retry
    sends the same bytes."""
    if row["body"]:
        return row["body"].encode()
    events = (
        await WebhookEvent.select()
        .where(WebhookEvent.delivery == row["id"])
        .order_by(WebhookEvent.id)
    )
    subject_type, _, subject_slug = row["subject"].partition(":")
    document = {
        "id": row["delivery_id"],
        "created_at": row["created_at"].isoformat(),
        "subject": {"type": subject_type, "slug": subject_slug},
        "events": [
            {
                "kind": e["kind"],
                "title": e["title"],
                "text": e["text"],
                "url": f"{settings.base_url}{e['path']}" if e["path"] else None,
                "occurred_at": e["created_at"].isoformat(),
            }
            for e in events
        ],
    }
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    await WebhookDelivery.update({WebhookDelivery.body: body}).where(
        WebhookDelivery.id == row["id"]
    )
    return body.encode()


async def _call(
    url: str, headers: dict[str, str], body: bytes, seconds: int, address: str | None = None
) -> tuple[int, str]:
    """POST once: the status and the start of the answer. Never follows a redirect. Given the
    `address` checked, connects to it, while the request (its Host, and TLS's server name and
    certificate check) still names the host of `url`."""
    limits = httpx.Timeout(seconds, connect=seconds)
    target, extensions = httpx.URL(url), {}
    if address is not None:
        headers = {**headers, "Host": target.netloc.decode("ascii")}
        extensions = {"sni_hostname": target.raw_host.decode("ascii")}
        target = target.copy_with(host=address)
    async with (
        httpx.AsyncClient(follow_redirects=False, timeout=limits, trust_env=False) as client,
        client.stream(
            "POST", target, content=body, headers=headers, extensions=extensions
        ) as response,
    ):
        kept = bytearray()
        async for chunk in response.aiter_raw():
            kept += chunk
            if len(kept) >= RESPONSE_LIMIT:
                break
        return response.status_code, bytes(kept[:RESPONSE_LIMIT]).decode("utf-8", "replace")


async def _send_one(row: dict, settings: Settings, now: dt.datetime) -> str:
    if not row["active"]:
        await _record(row["id"], "cancelled", error="webhook removed")
        return "cancelled"
    body = await _body_of(row, settings)
    kinds = sorted({e["kind"] for e in json.loads(body)["events"]})
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "SharedSolutionsRegistry-Webhooks/1",
        DELIVERY_HEADER: row["delivery_id"],
        EVENT_HEADER: ",".join(kinds),
        SIGNATURE_HEADER: signature(endpoint_secret(settings.secret_key, row["salt"]), stamp, body),
    }
    status: int | None = None
    refused, address = await checked_destination(row["url"], settings)
    if refused:
        error = f"not called: the address {refused}"
    else:
        try:
            status, answer = await asyncio.wait_for(
                _call(row["url"], headers, body, settings.webhook_timeout, address),
                timeout=settings.webhook_timeout * 3,
            )
        except (TimeoutError, httpx.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}".strip()[:500] or "the call failed"
        else:
            if 200 <= status < 300:
                await _record(row["id"], "delivered", response_status=status)
                return "delivered"
            where = ""
            if 300 <= status < 400:
                where = " (redirects are not followed; register the final address)"
            error = f"answered {status}{where}: {answer[:500]}"
    attempts = row["attempts"] + 1
    if now >= row["retry_until"]:
        await _record(row["id"], "failed", error=error, response_status=status)
        log.warning("webhook delivery %s failed for good: %s", row["delivery_id"], error)
        return "failed"
    await _record(
        row["id"],
        "queued",
        error=error,
        response_status=status,
        available_at=min(now + backoff(attempts), row["retry_until"]),
    )
    return "retrying"


async def _record(
    row_id: int,
    status: str,
    *,
    error: str = "",
    response_status: int | None = None,
    available_at: dt.datetime | None = None,
) -> None:
    values: dict = {
        WebhookDelivery.status: status,
        WebhookDelivery.last_error: error[:2000],
        WebhookDelivery.response_status: response_status,
    }
    if status == "delivered":
        values[WebhookDelivery.delivered_at] = dt.datetime.now(dt.UTC)
    if available_at is not None:
        values[WebhookDelivery.available_at] = available_at
    await WebhookDelivery.update(values).where(WebhookDelivery.id == row_id)


async def send_due(settings: Settings, now: dt.datetime | None = None) -> WebhookResult:
    """Send the deliveries that are due, one at a time."""
    result = WebhookResult()
    now = now or dt.datetime.now(dt.UTC)
    await _release_abandoned(now)
    due = (
        await WebhookDelivery.select(
            *WebhookDelivery.all_columns(),
            WebhookDelivery.endpoint.url.as_alias("url"),
            WebhookDelivery.endpoint.salt.as_alias("salt"),
            WebhookDelivery.endpoint.active.as_alias("active"),
        )
        .where((WebhookDelivery.status == "queued") & (WebhookDelivery.available_at <= now))
        .order_by(WebhookDelivery.available_at)
        .limit(BATCH)
    )
    for row in due:
        if not await _claim(row["id"], dt.datetime.now(dt.UTC)):
            continue  # another worker took it
        try:
            outcome = await _send_one(row, settings, now)
        except Exception as exc:  # one bad delivery must not stop the others
            log.exception("webhook delivery %s", row["delivery_id"])
            await _record(
                row["id"],
                "queued",
                error=str(exc)[:500],
                available_at=now + backoff(row["attempts"] + 1),
            )
            result.errors.append(str(exc))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result
