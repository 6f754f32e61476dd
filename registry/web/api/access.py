"""Who is asking the API, and how often: bearer tokens and their rate limits.

A request to /api/ carrying `Authorization: Bearer <token>` acts as the token's `TokenActor`
(`registry.accounts.tokens`): a token that is unknown, revoked, expired or whose person has lost
their membership is refused here with 401, before any handler runs. Each token's requests are
counted against its limits, reads (GET, HEAD) and writes apart, and a request over the limit is
refused with 429 and `Retry-After`. Every answer to a token request says where the token stands,
in the `RateLimit` and `RateLimit-Policy` fields of the IETF HTTPAPI draft
"RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-09):
`RateLimit-Policy: "writes";q=60;w=60` and `RateLimit: "writes";r=59;t=42`.

A request without a token reads as the person of the browser session, as the pages do, but
writes as nobody: API writes take a token, never a cookie, so a page on another site cannot make
a signed-in person's browser write through the API (which is why API writes need no CSRF token).
A token without the `read` scope reads as anyone does.
"""

from __future__ import annotations

import msgspec
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry import accounts
from registry.accounts import tokens
from registry.config import Settings
from registry.errors import SignInRequired
from registry.web.errors import error_body

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RATELIMIT_DRAFT = "draft-ietf-httpapi-ratelimit-headers-09"


async def _refuse(send: Send, status: int, code: str, message: str, headers: dict) -> None:
    body = msgspec.json.encode(error_body(code, message))
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.encode(), value.encode()) for name, value in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _rate_headers(kind: str, state: tokens.RateState) -> dict[str, str]:
    name = f'"{kind}s"'
    return {
        "ratelimit-policy": f"{name};q={state.limit};w={int(tokens.RATE_WINDOW.total_seconds())}",
        "ratelimit": f"{name};r={state.remaining};t={state.reset_seconds}",
    }


async def api_request(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, settings: Settings, session_actor
) -> None:
    """Serve one request to /api/: find who is asking (`session_actor` is awaited only when no
    token is sent), count it against the token's limit, and pass it on."""
    method = scope["method"]
    reading = method in SAFE_METHODS
    authorization = Headers.from_scope(scope).get("authorization")
    if authorization is None:
        scope["actor"] = await session_actor() if reading else accounts.ANONYMOUS  # type: ignore[typeddict-unknown-key]
        await app(scope, receive, send)
        return
    challenge = {"www-authenticate": 'Bearer error="invalid_token"'}
    scheme, _, secret = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        await _refuse(
            send,
            401,
            "unauthorised",
            "Authorization must be 'Bearer' followed by a registry API token",
            {"www-authenticate": "Bearer"},
        )
        return
    try:
        actor = await tokens.actor_for_token(secret.strip(), allow_demo=settings.is_development)
    except SignInRequired as exc:
        await _refuse(send, 401, "unauthorised", exc.message, challenge)
        return
    kind = "read" if reading else "write"
    limit = settings.api_reads_per_minute if reading else settings.api_writes_per_minute
    state = await tokens.count_request(actor.token_id, kind, limit)
    rate = _rate_headers(kind, state)
    if not state.allowed:
        await _refuse(
            send,
            429,
            "too_many_requests",
            f"This token may make {limit} {kind}s a minute: wait {state.reset_seconds} seconds",
            {**rate, "retry-after": str(state.reset_seconds)},
        )
        return
    scope["actor"] = actor if (not reading or "read" in actor.scopes) else accounts.ANONYMOUS  # type: ignore[typeddict-unknown-key]
    scope["api_token"] = actor  # type: ignore[typeddict-unknown-key]

    async def send_with_rate(message: Message) -> None:
        if message["type"] == "http.response.start":
            response_headers = MutableScopeHeaders.from_message(message)
            for name, value in rate.items():
                response_headers[name] = value
        await send(message)

    await app(scope, receive, send_with_rate)
