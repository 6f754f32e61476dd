"""The programme pages and the Digital Office dashboard.

`/programmes` lists the pan-sector programmes with where each milestone stands;
`/programmes/{slug}` shows one programme, its solutions and every milestone against its target;
`/dashboard` brings together programme progress, the adoption matrix of councils by common
platform, where demand for a joint approach is gathering and the frameworks ending soon. All
are read-only and open to everyone; progress is computed by the services when the page is read.
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from registry import programmes
from registry.web.pages.common import page


class ProgrammePages(Controller):
    include_in_schema = False

    @get("/programmes", name="programmes")
    async def index(self, request: Request) -> Template:
        rows = await programmes.list_programmes()
        return page(request, "programmes/index.html", title="Programmes", programmes=rows)

    @get("/programmes/{slug:str}", name="programme")
    async def detail(self, request: Request, slug: FromPath[str]) -> Template:
        programme = await programmes.get_programme(slug)
        return page(request, "programmes/detail.html", title=programme.title, programme=programme)

    @get("/dashboard", name="dashboard")
    async def dashboard(self, request: Request) -> Template:
        view = await programmes.read_dashboard()
        return page(request, "dashboard/index.html", title="Digital Office dashboard", view=view)
