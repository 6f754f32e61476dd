"""The account's API tokens page: make a token (its secret shown once, on the page that answers
the form), see and revoke one's own tokens, and, for an organisation's administrators, see and
revoke every token acting for it. The rules are `registry.accounts.tokens`'."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from registry.accounts import tokens
from registry.errors import ValidationFailed
from registry.web.pages.common import (
    actor_of,
    as_list,
    form_data,
    page,
    redirect,
    signed_in_actor,
)

FIELD_ORDER = ["organisation", "name", "scopes", "expires_on"]


async def _tokens_page(
    request: Request,
    *,
    status_code: int = 200,
    issued: tokens.Issued | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    actor = signed_in_actor(request)
    administered = [
        (m, await tokens.organisation_tokens(actor, m.slug))
        for m in actor.organisations_for("membership.manage")
    ]
    scopes = {
        name: meaning
        for name, meaning in tokens.SCOPES.items()
        if name not in tokens.CURATOR_SCOPES or actor.is_digital_office
    }
    return page(
        request,
        "account/tokens.html",
        status_code=status_code,
        title="API tokens",
        own=await tokens.tokens_of(actor),
        administered=administered,
        scopes=scopes,
        issued=issued,
        values=values or {"scopes": ["read"]},
        errors=errors or {},
        field_order=FIELD_ORDER,
    )


class TokenPages(Controller):
    include_in_schema = False

    @get("/account/tokens", name="account-tokens")
    async def tokens(self, request: Request) -> Template:
        return await _tokens_page(request)

    @post("/account/tokens", name="account-tokens-create")
    async def create(self, request: Request) -> Template:
        form = await form_data(request)
        values = {
            "organisation": str(form.get("organisation") or ""),
            "name": str(form.get("name") or ""),
            "scopes": as_list(form.get("scopes")),
            "expires_on": str(form.get("expires_on") or ""),
        }
        try:
            issued = await tokens.issue_token(
                actor_of(request),
                values["organisation"],
                {k: v for k, v in values.items() if k != "organisation"},
            )
        except ValidationFailed as exc:
            return await _tokens_page(request, status_code=422, values=values, errors=exc.fields)
        return await _tokens_page(request, status_code=201, issued=issued)

    @post("/account/tokens/{token_id:int}/revoke", name="account-token-revoke")
    async def revoke(self, request: Request, token_id: FromPath[int]) -> Response:
        await tokens.revoke_token(actor_of(request), token_id)
        return redirect(request.app.route_reverse("account-tokens"), "token-revoked")
