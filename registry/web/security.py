"""Who is asking, and the headers every response carries.

`IdentityMiddleware` turns the session cookie into an `Actor` on `scope["actor"]` (anonymous
when there is no valid session) before any handler runs, so handlers and error pages alike know
who they are talking to; assets skip the lookup. Under /api/ a bearer token says who is asking
instead (`registry.web.api.access`), and a cookie counts for reading only: API writes take a
token, so they need no CSRF token (their handlers are excluded from the CSRF check).
`add_security_headers` puts the security headers on every response: a strict Content
Security Policy (only this site's own scripts, styles and images, no framing), nosniff, a
referrer policy and a permissions policy; outside development, Strict-Transport-Security. It
also keeps what is personal out of every cache (`Cache-Control: no-store` on anything a
signed-in person is sent, and on any response that sets a cookie), and names no server
software.
"""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry import accounts
from registry.config import Settings
from registry.web.api.access import api_request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # the design system's stylesheet carries its icons as data: images
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
}
ASSET_PREFIXES = ("/assets/", "/static/")
API_PREFIX = "/api/"
# Production is served over HTTPS only: browsers are told to refuse plain HTTP for a year.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def session_cookie_name(settings: Settings) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for this host
    # only and for the whole site: it cannot be planted by a sibling domain.
    return "registry_session" if settings.is_development else "__Host-registry_session"


def csrf_cookie_name(settings: Settings) -> str:
    return "registry_csrf" if settings.is_development else "__Host-registry_csrf"


class IdentityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.cookie = session_cookie_name(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(ASSET_PREFIXES):
            scope["actor"] = accounts.ANONYMOUS  # type: ignore[typeddict-unknown-key]
        elif scope["path"].startswith(API_PREFIX):
            # Bearer tokens and their limits; the session counts for reading only.
            await api_request(
                self.app, scope, receive, send, self.settings, lambda: self._session_actor(scope)
            )
            return
        else:
            scope["actor"] = await self._session_actor(scope)  # type: ignore[typeddict-unknown-key]

        await self.app(scope, receive, send)

    async def _session_actor(self, scope: Scope) -> accounts.Actor:
        token = ASGIConnection(scope).cookies.get(self.cookie)
        return await accounts.actor_for_session(token, allow_demo=self.settings.is_development)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A `before_send` hook: it sees every response, including the 404 for an address no
    route matches, which never passes through the app's middleware."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
    settings = scope["litestar_app"].state.settings
    if not settings.is_development:
        headers["strict-transport-security"] = STRICT_TRANSPORT_SECURITY
    # A page made for one person, or one that sets their session or CSRF cookie (the sign-in
    # form's token among them), must not be kept by a shared cache or the browser's history.
    # An address no route matches never meets the identity middleware: the session cookie
    # alone says a signed-in person is asking.
    actor = scope.get("actor")
    if actor is not None:
        personal = actor.signed_in
    else:
        personal = session_cookie_name(settings) in ASGIConnection(scope).cookies
    if personal or "set-cookie" in headers:
        headers["cache-control"] = "no-store"
    # Granian names itself unless the application sends a Server header of its own, and it has
    # no setting to leave the header out; an empty one tells nobody what runs the site.
    headers["server"] = ""


def identity_middleware(settings: Settings):
    def factory(app: ASGIApp) -> ASGIApp:
        return IdentityMiddleware(app, settings)

    return factory
