"""The organisation pages: the directory of councils, national bodies and partners
(`/organisations`, optionally one kind with `?kind=`), and each organisation's profile with what
it owns, uses, is interested in and sponsors (`/organisations/{slug}`).

Both are read-only and the same for everyone; an unknown slug is the service's NotFound, which
the app turns into the 404 page.
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from registry import organisations
from registry.web.pages.common import page


class OrganisationPages(Controller):
    path = "/organisations"
    include_in_schema = False

    @get("/", name="organisations")
    async def directory(self, request: Request, kind: FromQuery[str | None] = None) -> Template:
        directory = await organisations.organisation_directory(kind or None)
        return page(request, "organisations/index.html", title="Organisations", view=directory)

    @get("/{slug:str}", name="organisation")
    async def profile(self, request: Request, slug: FromPath[str]) -> Template:
        profile = await organisations.organisation_profile(slug)
        return page(request, "organisations/profile.html", title=profile.name, organisation=profile)
