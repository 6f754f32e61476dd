"""History pages: what happened to a solution, a programme or an organisation, newest first,
a page at a time (`?page=`). What each reader may see is decided by `registry.history`; a
page number out of range is refused there, naming `page`."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from registry import history
from registry.web.pages.common import actor_of, page


def _history_page(request: Request, view: history.History, route: str) -> Template:
    return page(
        request,
        "history/history.html",
        title=f"History of {view.title}",
        history=view,
        subject_route=route,
    )


class HistoryPages(Controller):
    include_in_schema = False

    @get("/solutions/{slug:str}/history", name="solution-history")
    async def solution(self, request: Request, slug: FromPath[str]) -> Template:
        view = await history.solution_history(
            actor_of(request), slug, request.query_params.get("page")
        )
        return _history_page(request, view, "solution")

    @get("/programmes/{slug:str}/history", name="programme-history")
    async def programme(self, request: Request, slug: FromPath[str]) -> Template:
        view = await history.programme_history(
            actor_of(request), slug, request.query_params.get("page")
        )
        return _history_page(request, view, "programme")

    @get("/organisations/{slug:str}/history", name="organisation-history")
    async def organisation(self, request: Request, slug: FromPath[str]) -> Template:
        view = await history.organisation_history(
            actor_of(request), slug, request.query_params.get("page")
        )
        return _history_page(request, view, "organisation")
