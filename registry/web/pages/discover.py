"""The discover page (`/`): search, facets, active filters, sort and pages.

The same address serves the full page, and (for htmx, which sends `HX-Request`) just the
results fragment, so search-as-you-type and a plain GET form without JavaScript share one URL.
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.response import Template

from registry import discover
from registry.web.pages.common import page


def _params(request: Request) -> dict[str, list[str]]:
    params = {name: request.query_params.getall(name) for name in request.query_params}
    params.pop("notice", None)
    return params


def _without(params: dict[str, list[str]], name: str, value: str) -> dict[str, list[str]]:
    """The same search with one filter value removed (and back to page 1)."""
    kept = {k: [v for v in vs if not (k == name and v == value)] for k, vs in params.items()}
    kept.pop("page", None)
    return {k: v for k, v in kept.items() if v}


class DiscoverPages(Controller):
    include_in_schema = False

    @get("/", name="discover")
    async def discover(self, request: Request, state: State) -> Template:
        params = _params(request)
        view = await discover.discover_page(state.search_engine, params)
        filters = [
            {
                "name": name,
                "value": value,
                "remove": _without(params, name, value),
            }
            for name, values in view.asked.filters.items()
            for value in values
        ]
        fragment = request.headers.get("hx-request") == "true"
        return page(
            request,
            "discover/_results.html" if fragment else "discover/index.html",
            title="Discover shared solutions",
            view=view,
            params=params,
            active_filters=filters,
            sorts=list(discover.SORTS),
        )
