"""Contacting a solution's owner: the form (on the solution's page, and on a page of its own
where a refused form comes back with its messages), sending, and the "Messages" an
organisation's members read (`/organisations/{slug}/messages`).

Only signed-in people send (anyone else is sent to sign in); a draft the reader cannot see is
a 404, as its page is; the rate limit's refusal re-shows the form with the reason (429).
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.params import FromPath
from litestar.response import Template

from registry.errors import TooManyRequests, ValidationFailed
from registry.notifications import contact
from registry.web.pages.common import form_data, page, said, signed_in_actor

MAX_FIELD = contact.MAX_BODY * 2


def _field(data: dict, name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)[:MAX_FIELD]


def _form(
    request: Request,
    target: contact.ContactTarget,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    refusal: str = "",
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "contact/form.html",
        status_code=status_code,
        title=f"Contact the owner of {target.title}",
        target=target,
        values=values or {},
        errors=errors or {},
        field_order=contact.FIELD_ORDER,
        id_prefix="contact",
        refusal=refusal,
    )


class ContactPages(Controller):
    include_in_schema = False

    @get(
        "/solutions/{slug:str}/contact",
        name="solution-contact",
        cache_control=CacheControlHeader(no_store=True),
    )
    async def contact_form(self, request: Request, slug: FromPath[str]) -> Template:
        actor = signed_in_actor(request)
        return _form(request, await contact.contact_target(actor, slug))

    @post("/solutions/{slug:str}/contact", name="solution-contact-send")
    async def send(self, request: Request, state: State, slug: FromPath[str]) -> Response:
        actor = signed_in_actor(request)
        target = await contact.contact_target(actor, slug)  # a hidden draft: 404 first
        data = await form_data(request)
        values = {name: _field(data, name) for name in contact.FIELD_ORDER}
        try:
            sent = await contact.send_message(
                actor,
                slug,
                values["subject"],
                values["body"],
                per_day=state.settings.contact_per_day,
            )
        except ValidationFailed as exc:
            return _form(request, target, values=values, errors=exc.fields, status_code=422)
        except TooManyRequests as exc:
            return _form(request, target, values=values, refusal=exc.message, status_code=429)
        if sent.to_contact:
            to = f"{sent.to_contact}, the contact for {sent.title}, and to the members of "
        else:
            to = "the members of "
        sentence = (
            f"Your message has been sent to {to}{sent.owner_name}. They will answer you by "
            "email, at your address."
        )
        return said(request, request.app.route_reverse("solution", slug=sent.slug), sentence)

    @get(
        "/organisations/{slug:str}/messages",
        name="organisation-messages",
        cache_control=CacheControlHeader(no_store=True),
    )
    async def messages(self, request: Request, slug: FromPath[str]) -> Template:
        actor = signed_in_actor(request)
        inbox = await contact.messages_for(actor, slug, request.query_params.get("page"))
        return page(
            request,
            "contact/messages.html",
            title=f"Messages to {inbox.organisation_name}",
            inbox=inbox,
        )
