"""The API's reference page at /api: every operation of the OpenAPI document listed in plain
HTML (so it reads without JavaScript), and the interactive viewer (Swagger UI, installed from
the npm registry and served from this site) started by a script of our own, so the Content
Security Policy stays strict: no script from elsewhere, none inline."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, Request, get
from litestar.response import Template

from registry.accounts.tokens import SCOPES
from registry.web.pages.common import page

METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    summary: str
    needs_token: bool


def operations(document: dict) -> list[tuple[str, list[Operation]]]:
    """The document's operations, grouped by their first tag, in the document's order."""
    groups: dict[str, list[Operation]] = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            needs_token = any(requirement for requirement in operation.get("security") or [{}])
            groups.setdefault(tag, []).append(
                Operation(method.upper(), path, operation.get("summary", ""), needs_token)
            )
    return sorted(groups.items())


class ApiReferencePages(Controller):
    include_in_schema = False

    @get("/api", name="api-reference")
    async def reference(self, request: Request) -> Template:
        document = request.app.openapi_schema.to_schema()
        return page(
            request,
            "api/reference.html",
            title="The registry's API",
            groups=operations(document),
            scopes=SCOPES,
        )
