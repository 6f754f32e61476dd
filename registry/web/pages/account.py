"""Signing in and out, and the signed-in user's account page.

Signing in starts a new server-side session with a token never used before (any session the
browser held is ended first) and signing out ends it; both are POSTs carrying the CSRF token.
Attempts are limited per address and per account.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.response import Redirect, Template

from registry import accounts
from registry.errors import ValidationFailed
from registry.web.pages.common import actor_of, form_data, page, redirect
from registry.web.security import session_cookie_name


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a full URL) may follow signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/account"


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

    @get("/sign-in")
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

    @post("/sign-in")
    async def sign_in(self, request: Request, state: State) -> Response:
        data = await form_data(request)
        email = str(data.get("email") or "").strip()
        password = str(data.get("password") or "")
        next_path = _safe_next(str(data.get("next") or ""))
        address = request.client.host if request.client else "unknown"
        settings = state.settings

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
        response = redirect(next_path, "signed-in")
        response.cookies.append(_session_cookie(settings, token))
        return response

    @post("/sign-out")
    async def sign_out(self, request: Request, state: State) -> Redirect:
        token = request.cookies.get(session_cookie_name(state.settings))
        if token:
            await accounts.end_session(token)
        response = redirect("/", "signed-out")
        response.cookies.append(_session_cookie(state.settings, "", clear=True))
        return response

    @get("/account")
    async def account(self, request: Request) -> Response:
        actor = actor_of(request)
        if not actor.signed_in:
            return Redirect(path="/sign-in?next=/account", status_code=303)
        return page(request, "account/account.html", title="Your account")
