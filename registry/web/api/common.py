"""What the API's operations share: who is acting (`acting`, a guard that runs before the
request body is read), the statuses every operation can answer with, and idempotent retries.

A write needs a token (401 without one, whatever cookie is sent) with the operation's scope
(403 without it); the services then decide, as they do for the pages, whether the token's
person may act for the organisation named. A create or a pledge sent with an `Idempotency-Key`
is done once per token and key: a retry within a day gets the first answer again, marked
`Idempotent-Replayed: true`. The key is marked done in the transaction of the work's change, so a
retry after a request that died between its change and its answer is answered from what the
change did, not by doing it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

from registry import changes
from registry.accounts import ANONYMOUS, Actor, tokens
from registry.accounts.tokens import TokenActor
from registry.errors import PermissionDenied, SignInRequired
from registry.web.api import schemas

BEARER = "bearerAuth"
# Reads need no token; a token with the read scope reads as its person.
READ_SECURITY: list[dict[str, list[str]]] = [{}, {BEARER: []}]
WRITE_SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]
NO_CSRF = {"exclude_from_csrf": True}  # writes take a bearer token, never a cookie


def error(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=schemas.ErrorBody, description=description, generate_examples=False
    )


BAD_TOKEN = error("The token sent is not valid: unknown, revoked, expired, or its person left")
TOO_MANY = error("Over the token's rate limit: `Retry-After` says when to try again")
TOKEN_RESPONSES = {401: BAD_TOKEN, 429: TOO_MANY}
WRITE_RESPONSES = {
    400: error("The request could not be read"),
    401: error("No token, or a token that is not valid (cookies are not accepted for writes)"),
    403: error(
        "The token lacks the operation's scope, or its person's role in the organisation "
        "named does not allow this"
    ),
    404: error("No solution, programme or organisation has that slug"),
    409: error(
        "A stale version (someone saved since you read it), or the record's state refuses it "
        "(a retired solution, a draft, a retry still in progress)"
    ),
    422: error(
        "A field breaks a rule: `fields` names each with the reason. Beyond the types and "
        "bounds stated here, the registry's own rules are checked (an owner that exists, an "
        "end after a start, a slug not taken)"
    ),
    429: TOO_MANY,
}

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=tokens.MAX_IDEMPOTENCY_KEY,
        # a header left out is how a request says "none": null is no value of it
        schema_extra={"oneOf": None, "type": "string"},
        description=(
            "Any unique string (a UUID, say): a retry with the same key and body within a day "
            "gets the first answer rather than doing the work again"
        ),
    ),
]


def actor_of(request: Request) -> Actor:
    return request.scope.get("actor") or ANONYMOUS  # type: ignore[return-value]


def token_of(request: Request) -> TokenActor:
    return request.scope["api_token"]  # type: ignore[typeddict-item]


def acting(scope: str):
    """A guard: the request carries a token with `scope`, checked before its body is read."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        actor = connection.scope.get("api_token")
        if actor is None:
            raise SignInRequired(
                "API writes take a token: send 'Authorization: Bearer <token>' (a signed-in "
                "browser's cookie is not accepted here)"
            )
        if scope not in actor.scopes:
            raise PermissionDenied(f"This token does not have the {scope} scope")

    return guard


def request_digest(method: str, path: str, body: msgspec.Struct) -> str:
    """What makes two requests under one key the same request: method, path and body read."""
    return hashlib.sha256(
        method.encode() + b" " + path.encode() + b"\n" + msgspec.json.encode(body)
    ).hexdigest()


async def idempotent(
    request: Request,
    key: str | None,
    body: msgspec.Struct,
    status: int,
    work: Callable[[], Awaitable[Any]],
    answer: Callable[[str], Awaitable[Any]],
) -> Response:
    """Do `work` once per token and `key`; without a key, simply do it. `answer` gives the
    answer for the slug of what the work changed, for a retry of work done whose answer was
    never kept."""
    if key is None:
        return Response(await work(), status_code=status)
    token = token_of(request)
    digest = request_digest(request.method, request.url.path, body)
    kept = await tokens.reserve_idempotency(token.token_id, key, digest)
    if kept is not None and kept.status == tokens.WORK_DONE:
        encoded = msgspec.json.encode(await answer(kept.body.decode()))
        await tokens.keep_answer(token.token_id, key, status, encoded)
        kept = tokens.KeptAnswer(status, encoded)
    if kept is not None:
        return Response(
            kept.body,
            status_code=kept.status,
            media_type=MediaType.JSON,
            headers={"idempotent-replayed": "true"},
        )

    async def mark_done(change: changes.Change) -> None:
        await tokens.work_done(token.token_id, key, change.subject_slug)

    marking = changes.when_written.set(mark_done)
    try:
        encoded = msgspec.json.encode(await work())
    except BaseException:
        await tokens.release_idempotency(token.token_id, key)  # only a claim not yet done
        raise
    finally:
        changes.when_written.reset(marking)
    await tokens.keep_answer(token.token_id, key, status, encoded)
    return Response(encoded, status_code=status, media_type=MediaType.JSON)


async def allow_every_method(message: Message, scope: Scope) -> None:
    """A `before_send` hook: the `Allow` of Litestar's automatic answer to OPTIONS names every
    method of the path. Litestar builds that answer with the first handlers registered for a
    path and keeps it when more are added to the path later (a write beside a read), so it
    would leave those out; the route itself knows them all."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    headers = MutableScopeHeaders.from_message(message)
    template = scope.get("path_template")
    if "allow" not in headers or template is None:
        return
    app = scope["litestar_app"]
    methods = _methods_of(app).get(template)
    if methods:
        headers["allow"] = ", ".join(sorted(methods))


def _methods_of(app) -> dict[str, set[str]]:
    """Each path's methods, as the app's routes have them (read once per app)."""
    known = getattr(app.state, "_methods_of_paths", None)
    if known is None:
        known = {
            route.path_format: set(route.methods)
            for route in app.routes
            if isinstance(route, HTTPRoute)
        }
        app.state._methods_of_paths = known
    return known
