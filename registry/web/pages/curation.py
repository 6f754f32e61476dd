"""The Digital Office's curation of synonyms (`/curation/synonyms`): the groups of words and
phrases search treats as meaning the same. Curators list, add, change and remove them; anyone
else signed in gets the 403 page, before anything they sent is read."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from registry.accounts import require_digital_office
from registry.catalogue import synonyms
from registry.errors import ValidationFailed
from registry.web.pages.common import actor_of, form_data, page, redirect, signed_in_actor


def _notice(applied: synonyms.Applied, done: str) -> str:
    return done if applied.applied else "synonyms-waiting"


class CurationPages(Controller):
    path = "/curation/synonyms"
    include_in_schema = False

    async def _list(
        self,
        request: Request,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        terms: str = "",
    ) -> Template:
        return page(
            request,
            "curation/synonyms.html",
            status_code=status_code,
            title="Synonyms",
            groups=await synonyms.synonym_groups(),
            limits=synonyms,
            errors=errors or {},
            field_order=["terms"],
            terms=terms,
        )

    async def _group(
        self,
        request: Request,
        group: synonyms.SynonymGroupView,
        *,
        status_code: int = 200,
        errors: dict[str, str] | None = None,
        terms: str | None = None,
    ) -> Template:
        return page(
            request,
            "curation/synonym_group.html",
            status_code=status_code,
            title=f"Change the synonyms of “{group.terms[0]}”" if group.terms else "Synonyms",
            group=group,
            limits=synonyms,
            errors=errors or {},
            field_order=["terms"],
            terms="\n".join(group.terms) if terms is None else terms,
        )

    @get("/", name="synonyms")
    async def index(self, request: Request) -> Template:
        require_digital_office(signed_in_actor(request))
        return await self._list(request)

    @post("/", name="synonyms-add")
    async def add(self, request: Request) -> Response:
        actor = actor_of(request)
        require_digital_office(actor)
        terms = (await form_data(request)).get("terms")
        try:
            applied = await synonyms.add_group(actor, terms, request.app.state.search_engine)
        except ValidationFailed as exc:
            shown = terms[: synonyms.MAX_INPUT] if isinstance(terms, str) else ""
            return await self._list(request, status_code=422, errors=exc.fields, terms=shown)
        return redirect(request.app.route_reverse("synonyms"), _notice(applied, "synonyms-saved"))

    @get("/{group_id:int}", name="synonym-group")
    async def form(self, request: Request, group_id: FromPath[int]) -> Template:
        group = await synonyms.synonym_group(signed_in_actor(request), group_id)
        return await self._group(request, group)

    @post("/{group_id:int}", name="synonym-group-change")
    async def change(self, request: Request, group_id: FromPath[int]) -> Response:
        actor = actor_of(request)
        group = await synonyms.synonym_group(actor, group_id)
        terms = (await form_data(request)).get("terms")
        try:
            applied = await synonyms.change_group(
                actor, group_id, terms, request.app.state.search_engine
            )
        except ValidationFailed as exc:
            shown = terms[: synonyms.MAX_INPUT] if isinstance(terms, str) else ""
            return await self._group(
                request, group, status_code=422, errors=exc.fields, terms=shown
            )
        return redirect(request.app.route_reverse("synonyms"), _notice(applied, "synonyms-saved"))

    @post("/{group_id:int}/remove", name="synonym-group-remove")
    async def remove(self, request: Request, group_id: FromPath[int]) -> Response:
        actor = actor_of(request)
        applied = await synonyms.remove_group(actor, group_id, request.app.state.search_engine)
        return redirect(request.app.route_reverse("synonyms"), _notice(applied, "synonyms-removed"))
