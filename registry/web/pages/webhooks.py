"""`/organisations/{slug}/webhooks`: an organisation's administrators (and the Digital Office's
curators) register the addresses its own systems are called at, for the events they choose, see
the most recent deliveries with their status, send one again, and remove an endpoint. Every
action is one service call; the service refuses anyone else (403) before reading the form."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath
from litestar.response import Template

from registry.errors import Conflict, ValidationFailed
from registry.notifications import webhooks
from registry.web.pages.common import actor_of, as_list, form_data, page, said, signed_in_actor

FIELD_ORDER = ["url", "events", "webhooks"]


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    value = value[-1] if isinstance(value, list) and value else value
    return value if isinstance(value, str) else ""


class WebhookPages(Controller):
    path = "/organisations/{slug:str}/webhooks"
    include_in_schema = False

    async def _page(
        self,
        request: Request,
        slug: str,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        values: dict | None = None,
        registered: webhooks.Registered | None = None,
    ) -> Template:
        view = await webhooks.webhooks_page(signed_in_actor(request), slug)
        return page(
            request,
            "organisations/webhooks.html",
            status_code=status_code,
            title=f"Webhooks of {view.name}",
            view=view,
            errors=errors or {},
            field_order=FIELD_ORDER,
            values=values or {},
            registered=registered,
        )

    @get("/", name="organisation-webhooks", cache_control=CacheControlHeader(no_store=True))
    async def show(self, request: Request, slug: FromPath[str]) -> Template:
        return await self._page(request, slug)

    @post("/", name="organisation-webhook-add", cache_control=CacheControlHeader(no_store=True))
    async def add(self, request: Request, slug: FromPath[str]) -> Response:
        actor = actor_of(request)
        data = await form_data(request)
        events = [e for e in as_list(data.get("events")) if isinstance(e, str)]
        try:
            registered = await webhooks.register_endpoint(actor, slug, _text(data, "url"), events)
        except ValidationFailed as exc:
            values = {"url": _text(data, "url"), "events": events}
            return await self._page(
                request, slug, status_code=422, errors=exc.fields, values=values
            )
        except Conflict as exc:
            return await self._page(
                request, slug, status_code=409, errors={"webhooks": exc.message}
            )
        # The secret exists in words only now: shown on this answer, never again.
        return await self._page(request, slug, registered=registered)

    @post("/{endpoint_id:int}/remove", name="organisation-webhook-remove")
    async def remove(
        self, request: Request, slug: FromPath[str], endpoint_id: FromPath[int]
    ) -> Response:
        url = await webhooks.remove_endpoint(actor_of(request), slug, endpoint_id)
        target = request.app.route_reverse("organisation-webhooks", slug=slug)
        return said(request, target, f"The webhook at {url[:200]} is removed.")

    @post("/deliveries/{delivery_id:int}/redeliver", name="organisation-webhook-redeliver")
    async def redeliver(
        self, request: Request, slug: FromPath[str], delivery_id: FromPath[int]
    ) -> Response:
        try:
            sent = await webhooks.redeliver(actor_of(request), slug, delivery_id)
        except Conflict as exc:
            return await self._page(
                request, slug, status_code=409, errors={"webhooks": exc.message}
            )
        target = request.app.route_reverse("organisation-webhooks", slug=slug)
        return said(request, target, f"Delivery {sent} is queued to be sent again.")
