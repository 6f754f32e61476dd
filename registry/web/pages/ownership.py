"""Moving a solution to another owner (`/solutions/{slug}/transfer`): a page of its own for the
Digital Office's curators. Anyone else gets the 403 page, before anything they sent is read."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from registry import catalogue
from registry.catalogue.views import SolutionView
from registry.catalogue.writing import transfer_solution, transferable_solution
from registry.errors import Conflict, ValidationFailed
from registry.web.pages.common import (
    actor_of,
    form_data,
    form_version,
    page,
    redirect,
    signed_in_actor,
)


class OwnershipPages(Controller):
    path = "/solutions/{slug:str}/transfer"
    include_in_schema = False

    async def _form(
        self,
        request: Request,
        view: SolutionView,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        choices = [
            (o["slug"], o["name"])
            for o in await catalogue.organisation_choices()
            if o["slug"] != view.owner.slug
        ]
        return page(
            request,
            "ownership/transfer.html",
            status_code=status_code,
            title=f"Move {view.title} to another owner",
            solution=view,
            organisations=choices,
            errors=errors or {},
            field_order=["owner", "version"],
            values=values or {},
        )

    @get("/", name="solution-transfer")
    async def form(self, request: Request, slug: FromPath[str]) -> Template:
        view = await transferable_solution(signed_in_actor(request), slug)
        return await self._form(request, view)

    @post("/", name="solution-transfer-submit")
    async def transfer(self, request: Request, slug: FromPath[str]) -> Response:
        actor = actor_of(request)
        view = await transferable_solution(actor, slug)
        data = await form_data(request)
        owner = data.get("owner")
        owner = owner[-1] if isinstance(owner, list) and owner else owner
        try:
            await transfer_solution(
                actor,
                slug,
                owner if isinstance(owner, str) else "",
                form_version(data.get("version")),
            )
        except ValidationFailed as exc:
            return await self._form(
                request, view, status_code=422, errors=exc.fields, values={"owner": owner}
            )
        except Conflict as exc:
            latest = await transferable_solution(actor, slug)
            return await self._form(
                request, latest, status_code=409, errors={"version": exc.message}
            )
        return redirect(request.app.route_reverse("solution", slug=slug), "transferred")
