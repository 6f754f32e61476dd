"""Signing in and out, and the signed-in user's account page.

Signing in starts a new server-side session with a token never used before (any session the
browser held is ended first) and signing out ends it; both are POSTs carrying the CSRF token.
Failed attempts are limited per address and per account (`registry.accounts.signing_in`). The
address is the connection's peer, or, when the peer is one of the configured trusted proxies
(`REGISTRY_TRUSTED_PROXIES`), the client those proxies forwarded the request for.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader, Cookie, Headers, State
from litestar.response import Redirect, Template

from registry import accounts
from registry.accounts.overview import account_overview
from registry.errors import ValidationFailed
from registry.web.pages.common import form_data, page, redirect, signed_in_actor
from registry.web.security import session_cookie_name


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a full URL) may follow signing in; empty when
    none was asked for (where a person then lands depends on who they are)."""
    if (
        target
        and len(target) <= 2000
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return ""


async def _landing(request: Request, token: str, allow_demo: bool) -> str:
    """Where signing in leads when no page was asked for: a Digital Office curator to the
    dashboard they work from, anyone else to their account."""
    actor = await accounts.actor_for_session(token, allow_demo=allow_demo)
    route = "dashboard" if actor.is_digital_office else "account"
    return request.app.route_reverse(route)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address in one hop of a forwarding header ("203.0.113.7", "[2001:db8::1]:4711",
    "192.0.2.1:8080", quoted or not), or None ("unknown", "_hidden", garbage)."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _forwarded_hops(headers: Headers) -> list[str]:
    """The forwarded-for chain, first client first. X-Forwarded-For when there is one (what
    proxies most often set), otherwise the `for=` of each element of Forwarded (RFC 7239)."""
    hops = [
        hop for value in headers.getall("x-forwarded-for", []) for hop in value.split(",") if hop
    ]
    if hops:
        return hops
    for value in headers.getall("forwarded", []):
        for element in value.split(","):
            for pair in element.split(";"):
                name, _, hop = pair.partition("=")
                if name.strip().lower() == "for":
                    hops.append(hop)
    return hops


def client_address(peer: str | None, headers: Headers, trusted: Sequence[Network]) -> str:
    """Who is asking, for counting failed sign-ins. Forwarding headers are believed only from a
    trusted proxy, and only as far back as trusted proxies wrote them: walking the chain from
    the nearest hop, the first address that is not a trusted proxy is the client (anything to
    its left could have been written by that client)."""
    if not peer:
        return "unknown"
    address = _ip(peer)

    def is_trusted(ip) -> bool:
        return ip is not None and any(ip in network for network in trusted)

    if not is_trusted(address):
        return str(address) if address is not None else peer
    for hop in reversed(_forwarded_hops(headers)):
        ip = _ip(hop)
        if ip is None:
            break  # a malformed hop: keep the last address a trusted proxy vouched for
        address = ip
        if not is_trusted(ip):
            break
    return str(address)


def _session_cookie(settings, token: str, *, clear: bool = False) -> Cookie:
    return Cookie(
        key=session_cookie_name(settings),
        value="" if clear else token,
        path="/",
        httponly=True,
        secure=not settings.is_development,
        samesite="lax",
        max_age=0 if clear else int(accounts.SESSION_LONGEST.total_seconds()),
    )


class AccountPages(Controller):
    include_in_schema = False

    # The form carries a CSRF token: no cache may keep it, even for a visitor not signed in.
    @get("/sign-in", name="sign-in", cache_control=CacheControlHeader(no_store=True))
    async def sign_in_form(self, request: Request, state: State) -> Template:
        return page(
            request,
            "account/sign_in.html",
            title="Sign in",
            values={"email": ""},
            errors={},
            next_path=_safe_next(request.query_params.get("next")),
            demo=state.settings.is_development,
        )

    @post("/sign-in", name="sign-in-submit")
    async def sign_in(self, request: Request, state: State) -> Response:
        data = await form_data(request)
        email = str(data.get("email") or "").strip()
        password = str(data.get("password") or "")
        next_path = _safe_next(str(data.get("next") or ""))
        settings = state.settings
        address = client_address(
            request.client.host if request.client else None,
            request.headers,
            settings.trusted_proxies,
        )

        def again(errors: dict[str, str], status: int) -> Template:
            return page(
                request,
                "account/sign_in.html",
                status_code=status,
                title="Sign in",
                values={"email": email},
                errors=errors,
                next_path=next_path,
                demo=settings.is_development,
            )

        try:
            token = await accounts.sign_in(
                address,
                email,
                password,
                allow_demo=settings.is_development,
                previous_token=request.cookies.get(session_cookie_name(settings)),
            )
        except accounts.TooManyAttempts as exc:
            return again({"email": exc.message}, 429)
        except ValidationFailed as exc:
            return again(exc.fields, 422)
        landing = next_path or await _landing(request, token, settings.is_development)
        response = redirect(landing, "signed-in")
        response.cookies.append(_session_cookie(settings, token))
        return response

    @post("/sign-out", name="sign-out")
    async def sign_out(self, request: Request, state: State) -> Redirect:
        token = request.cookies.get(session_cookie_name(state.settings))
        if token:
            await accounts.end_session(token)
        response = redirect(request.app.route_reverse("discover"), "signed-out")
        response.cookies.append(_session_cookie(state.settings, "", clear=True))
        return response

    @get("/account", name="account")
    async def account(self, request: Request) -> Response:
        actor = signed_in_actor(request)
        work = await account_overview(actor)
        return page(request, "account/account.html", title="Your account", work=work)
