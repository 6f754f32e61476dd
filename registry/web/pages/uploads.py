"""Uploading a publiccode.yml file: registering a component from one ("Register a solution"),
updating a component from one (its page, for those who may edit it), and the owner confirming
or dismissing the adoptions a file's `usedBy` proposed.

Who is acting, and for which of their organisations, is checked before the file is read; the
file is read within the importer's size limit and parsed in a worker thread by the same service
as `registry import publiccode`. A refused file shows the form again with every problem by key
path and changes nothing; an imported one shows what was done, its warnings, the adoptions it
proposed and the names that matched no organisation.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Template

from registry import catalogue
from registry.accounts import Actor, require
from registry.errors import Conflict, NotFound, PermissionDenied
from registry.interchange import proposals
from registry.interchange.importing import ImportRefused, import_publiccode
from registry.interchange.yaml12 import MAX_BYTES
from registry.organisations import organisation_by_slug
from registry.web.pages.common import actor_of, form_data, form_version, page, said, signed_in_actor

# The largest request an upload form takes: the file's own limit and room for the form's other
# fields and the multipart framing. A larger request is refused before it is read.
MAX_UPLOAD_REQUEST = MAX_BYTES + 64 * 1024
KIB = MAX_BYTES // 1024


def _file_name(upload: UploadFile) -> str:
    """The uploaded file's own name (never a path), for messages."""
    raw = upload.filename or ""
    name = PureWindowsPath(PurePosixPath(raw).name).name
    return re.sub(r"[^\w.\- ]", "", name)[:100] or "publiccode.yml"


async def _uploaded(request: Request) -> tuple[bytes, str, dict[str, Any]]:
    """The file sent (at most one byte over the limit is read) and the form's other fields.
    A missing, empty or oversized file is refused as a problem with the file."""
    form = await request.form()
    upload = form.get("file")
    fields = {k: v for k, v in (await form_data(request)).items() if k != "file"}
    if not isinstance(upload, UploadFile):
        raise ImportRefused("The form", ["file: choose a publiccode.yml file to upload"])
    name = _file_name(upload)
    data = await upload.read(MAX_BYTES + 1)
    if not data:
        raise ImportRefused(name, ["file: the file is empty"])
    if len(data) > MAX_BYTES:
        raise ImportRefused(name, [f"file: the file is larger than {KIB} KiB"])
    return data, name, fields


async def _close_uploads(request: Request) -> None:
    """Close every file the form carried (a large one is spooled to a temporary file), read or
    not: a refused request leaves nothing behind. A body that was no form (broken multipart)
    spooled nothing, and its refusal stands."""
    try:
        form = await request.form()
    except HTTPException:
        return
    for name in form:
        for value in form.getall(name):
            if isinstance(value, UploadFile):
                await value.close()


async def _component(actor: Actor, slug: str) -> catalogue.SolutionView:
    """A component the actor may edit, or the refusal (a solution of another kind is no
    component: there is nothing to update from a publiccode.yml)."""
    view = await catalogue.editable_solution(actor, slug)
    if view.kind != "component":
        raise NotFound(f"{view.title} is not a component: it has no publiccode.yml")
    return view


class UploadPages(Controller):
    path = "/solutions"
    include_in_schema = False

    def _form(
        self,
        request: Request,
        *,
        solution: catalogue.SolutionView | None = None,
        problems: list[str] | None = None,
        values: dict[str, Any] | None = None,
        source: str = "",
        conflict: str = "",
        status_code: int = 200,
    ) -> Template:
        actor = actor_of(request)
        problems = problems or []
        title = (
            f"Update {solution.title} from its publiccode.yml"
            if solution
            else "Register a component from its publiccode.yml"
        )
        return page(
            request,
            "uploads/publiccode.html",
            status_code=status_code,
            title=title,
            solution=solution,
            owners=actor.organisations_for("solution.create") if solution is None else [],
            problems=problems,
            source=source,
            conflict=conflict,
            values=values or {},
            errors={"file": f"{source or 'The file'} was not imported"} if problems else {},
            max_kib=KIB,
        )

    # -- registering a component -----------------------------------------------------------

    @get("/new/from-publiccode", name="solution-new-publiccode")
    async def new(self, request: Request) -> Template:
        signed_in_actor(request)
        return self._form(request)

    @post(
        "/new/from-publiccode",
        name="solution-create-publiccode",
        request_max_body_size=MAX_UPLOAD_REQUEST,
    )
    async def create(self, request: Request) -> Response:
        try:
            return await self._create(request)
        finally:
            await _close_uploads(request)

    async def _create(self, request: Request) -> Response:
        actor = signed_in_actor(request)
        fields = await form_data(request)
        owner = fields.get("owner")
        owner = owner[-1] if isinstance(owner, list) and owner else owner
        if not isinstance(owner, str) or not owner.strip():
            return self._form(
                request,
                problems=["owner: choose the organisation that will own the component"],
                status_code=422,
            )
        # Who is acting, and for which organisation, before the file is read.
        organisation = await organisation_by_slug(owner.strip()[:80])
        require(actor, "solution.create", organisation)
        values = {"owner": organisation["slug"]}
        source = ""
        try:
            data, source, _ = await _uploaded(request)
            report = await import_publiccode(
                actor,
                data,
                owner=organisation["slug"],
                owner_chosen=True,
                draft=True,
                source=source,
            )
        except ImportRefused as exc:
            return self._form(
                request, problems=list(exc.problems), values=values, source=source,
                status_code=422,
            )  # fmt: skip
        except (PermissionDenied, Conflict, NotFound) as exc:
            # The file's url is a component this person may not change (a draft they cannot
            # see is not named), or one retired.
            said = (
                exc.message
                if not isinstance(exc, NotFound)
                else (
                    "a component with this repository is already registered by another "
                    "organisation; only its members can update it"
                )
            )
            return self._form(
                request, problems=[f"url: {said}"], values=values, source=source,
                status_code=422,
            )  # fmt: skip
        return await self._imported(request, report)

    # -- updating a component --------------------------------------------------------------

    @get("/{slug:str}/from-publiccode", name="solution-publiccode-upload")
    async def update_form(self, request: Request, slug: FromPath[str]) -> Template:
        actor = signed_in_actor(request)
        view = await _component(actor, slug)
        return self._form(request, solution=view, values={"version": view.version})

    @post(
        "/{slug:str}/from-publiccode",
        name="solution-publiccode-update",
        request_max_body_size=MAX_UPLOAD_REQUEST,
    )
    async def update(self, request: Request, slug: FromPath[str]) -> Response:
        try:
            return await self._update(request, slug)
        finally:
            await _close_uploads(request)

    async def _update(self, request: Request, slug: str) -> Response:
        actor = actor_of(request)
        view = await _component(actor, slug)  # refuses anyone who may not edit it, first
        fields = await form_data(request)
        values = {"version": fields.get("version", "")}
        version = form_version(fields.get("version"))
        if version is None:
            # Without it the file would replace whatever anyone changed since: never silently.
            return self._form(
                request, solution=view, values={"version": view.version}, status_code=422,
                problems=["version: Version must be the whole number you last read; send the "
                          "file again from this form"],
            )  # fmt: skip
        source = ""
        try:
            data, source, _ = await _uploaded(request)
            report = await import_publiccode(
                actor, data, into=view.slug, version=version, source=source
            )
        except ImportRefused as exc:
            return self._form(
                request, solution=view, problems=list(exc.problems), values=values,
                source=source, status_code=422,
            )  # fmt: skip
        except Conflict as exc:
            # Changed by someone else since the form was read: the form now carries the latest
            # version, so sending the file again deliberately replaces their changes.
            latest = await _component(actor, slug)
            return self._form(
                request, solution=latest, values={"version": latest.version}, source=source,
                conflict=exc.message, status_code=409,
            )  # fmt: skip
        return await self._imported(request, report)

    async def _imported(self, request: Request, report) -> Template:
        view = await catalogue.get_solution(report.slug, actor_of(request))
        return page(
            request,
            "uploads/imported.html",
            title=f"{report.source} imported",
            report=report,
            solution=view,
        )

    # -- adoptions a file proposed ---------------------------------------------------------

    @post("/{slug:str}/proposed-adoptions/confirm", name="solution-proposal-confirm")
    async def confirm(self, request: Request, slug: FromPath[str]) -> Response:
        organisation = str((await form_data(request)).get("organisation", ""))
        sentence = await proposals.confirm(actor_of(request), slug, organisation)
        return said(request, request.app.route_reverse("solution", slug=slug), sentence)

    @post("/{slug:str}/proposed-adoptions/dismiss", name="solution-proposal-dismiss")
    async def dismiss(self, request: Request, slug: FromPath[str]) -> Response:
        organisation = str((await form_data(request)).get("organisation", ""))
        sentence = await proposals.dismiss(actor_of(request), slug, organisation)
        return said(request, request.app.route_reverse("solution", slug=slug), sentence)
