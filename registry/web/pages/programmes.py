"""The programme pages and the Digital Office dashboard.

`/programmes` lists the pan-sector programmes with where each milestone stands;
`/programmes/{slug}` shows one programme, its solutions, every milestone against its target with
its rating, and each recorded milestone's figures as a chart with a table beside it; `/dashboard`
brings together programme progress, the adoption matrix of councils by common platform, where
demand for a joint approach is gathering and the frameworks ending soon. These are open to
everyone; progress is computed by the services when the page is read.

Digital Office curators keep the programmes: create one (`/programmes/new`), edit it (with the
version they read), link and unlink solutions, add, edit and remove milestones and record
figures. Each form posts to one service, which refuses anyone else (403, nothing changed); a
refused form is shown again with its error summary and the input kept, and success redirects
(303) to the programme with a notice.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from registry import notifications, programmes
from registry.errors import Conflict, ValidationFailed
from registry.programmes.editing import MILESTONE_FIELDS, PROGRAMME_FIELDS
from registry.validation import Pounds
from registry.vocabulary import (
    MILESTONE_METRICS,
    MONEY_METRICS,
    PROGRAMME_STATUSES,
    STATUS_LABELS,
    STATUSES,
)
from registry.web.pages.common import (
    NOTICES,
    actor_of,
    form_data,
    form_version,
    page,
    redirect,
    signed_in_actor,
)

NOTICES.update(
    {
        "programme-created": "The programme has been created.",
        "programme-saved": "Your changes to the programme have been saved.",
        "solution-linked": "The solution has been linked to the programme.",
        "solution-unlinked": "The solution has been unlinked from the programme.",
        "milestone-added": "The milestone has been added.",
        "milestone-saved": "Your changes to the milestone have been saved.",
        "milestone-removed": "The milestone and its figures have been removed.",
        "figure-recorded": "The figure has been recorded.",
    }
)
PROGRAMME_ORDER = ["title", "summary", "description", "owner", "slug", "status", "closed_reason"]
PROGRAMME_ORDER += ["starts_on", "ends_on", "version"]
MILESTONE_ORDER = ["title", "slug", "description", "metric", "solution", "target_value"]
MILESTONE_ORDER += ["target_unit", "target_status", "due_on", "version"]
FIGURE_ORDER = ["value", "as_of", "source", "source_url", "note"]
# Statuses a milestone can wait for: any a solution reaches after being published.
TARGET_STATUSES = {s: STATUS_LABELS[s] for kind in STATUSES.values() for s in kind if s != "draft"}


def _single(form: dict[str, Any], names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The named fields of a form, one value each (the last, if a name was repeated)."""
    picked = {}
    for name in names:
        if name in form:
            value = form[name]
            picked[name] = value[-1] if isinstance(value, list) else value
    return picked


def _milestone_input(form: dict[str, Any], *, new: bool) -> dict[str, Any]:
    data = _single(form, [*MILESTONE_FIELDS, *(("slug",) if new else ())])
    if data.get("metric") in MONEY_METRICS and isinstance(data.get("target_value"), str):
        data["target_value"] = Pounds(data["target_value"])  # typed in pounds
    return data


def _milestone_values(values: dict[str, Any]) -> dict[str, Any]:
    """A stored milestone as its form shows it: money targets in pounds."""
    if values.get("metric") in MONEY_METRICS and isinstance(values.get("target_value"), int):
        pence = values["target_value"]
        values = {**values, "target_value": f"{pence / 100:.2f}".removesuffix(".00")}
    return values


class ProgrammePages(Controller):
    include_in_schema = False

    # -- reading -----------------------------------------------------------------------------

    @get("/programmes", name="programmes")
    async def index(self, request: Request) -> Template:
        rows = await programmes.list_programmes()
        return page(request, "programmes/index.html", title="Programmes", programmes=rows)

    @get("/programmes/{slug:str}", name="programme")
    async def detail(self, request: Request, slug: FromPath[str]) -> Template:
        programme = await programmes.get_programme(slug)
        actor = actor_of(request)
        return page(
            request,
            "programmes/detail.html",
            following=await notifications.follow_of(actor, "programme", programme.slug),
            title=programme.title,
            programme=programme,
            rag_rule=programmes.RAG_RULE,
            charts={m.slug: programmes.history_chart(m) for m in programme.milestones},
            may_edit=actor.is_digital_office,
        )

    @get("/dashboard", name="dashboard")
    async def dashboard(self, request: Request) -> Template:
        view = await programmes.read_dashboard()
        return page(request, "dashboard/index.html", title="Digital Office dashboard", view=view)

    # -- a programme -------------------------------------------------------------------------

    def _programme_form(
        self,
        request: Request,
        form: programmes.ProgrammeForm,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        conflict: str = "",
        status_code: int = 200,
    ) -> Template:
        view = form.programme
        return page(
            request,
            "programmes/form.html",
            status_code=status_code,
            title=f"Edit {view.title}" if view else "Create a programme",
            form=form,
            values=values if values is not None else form.values,
            errors=errors or {},
            field_order=PROGRAMME_ORDER,
            conflict=conflict,
            statuses=PROGRAMME_STATUSES,
        )

    @get("/programmes/new", name="programme-new")
    async def new(self, request: Request) -> Template:
        form = await programmes.programme_for_editing(signed_in_actor(request))
        return self._programme_form(request, form)

    @post("/programmes/new", name="programme-create")
    async def create(self, request: Request) -> Response:
        actor = actor_of(request)
        data = _single(await form_data(request), [*PROGRAMME_FIELDS, "slug"])
        try:
            created = await programmes.create_programme(actor, data)
        except ValidationFailed as exc:
            form = await programmes.programme_for_editing(actor)
            return self._programme_form(
                request, form, values=data, errors=exc.fields, status_code=422
            )
        path = request.app.route_reverse("programme", slug=created["slug"])
        return redirect(path, "programme-created")

    @get("/programmes/{slug:str}/edit", name="programme-edit")
    async def edit(self, request: Request, slug: FromPath[str]) -> Template:
        find = request.query_params.get("find", "")
        form = await programmes.programme_for_editing(
            signed_in_actor(request), slug, find=find if isinstance(find, str) else ""
        )
        return self._programme_form(request, form)

    @post("/programmes/{slug:str}/edit", name="programme-save")
    async def save(self, request: Request, slug: FromPath[str]) -> Response:
        actor = actor_of(request)
        form = await form_data(request)
        data = _single(form, PROGRAMME_FIELDS)
        version = _single(form, ["version"]).get("version", "")
        errors: dict[str, str] = {}
        conflict = ""
        try:
            await programmes.update_programme(actor, slug, data, form_version(version))
            return redirect(request.app.route_reverse("programme", slug=slug), "programme-saved")
        except ValidationFailed as exc:
            errors = exc.fields
        except Conflict as exc:
            conflict = exc.message
        current = await programmes.programme_for_editing(actor, slug)
        # Their input is kept; after a conflict the form carries the latest version, so saving
        # again deliberately replaces the other person's changes with theirs.
        shown = {**current.values, **data, "version": current.version if conflict else version}
        return self._programme_form(
            request,
            current,
            values=shown,
            errors=errors,
            conflict=conflict,
            status_code=409 if conflict else 422,
        )

    @post("/programmes/{slug:str}/solutions", name="programme-link")
    async def link(self, request: Request, slug: FromPath[str]) -> Response:
        actor = actor_of(request)
        form = await form_data(request)
        chosen = form.get("solution", [])
        chosen = chosen if isinstance(chosen, list) else [chosen]
        try:
            await programmes.link_solutions(actor, slug, [str(s) for s in chosen][:100])
        except ValidationFailed as exc:
            current = await programmes.programme_for_editing(actor, slug)
            return self._programme_form(
                request,
                current,
                errors={"link-" + k: v for k, v in exc.fields.items()},
                status_code=422,
            )
        path = request.app.route_reverse("programme-edit", slug=slug)
        return redirect(f"{path}?notice=solution-linked#solutions")

    @post("/programmes/{slug:str}/solutions/{solution:str}/unlink", name="programme-unlink")
    async def unlink(
        self, request: Request, slug: FromPath[str], solution: FromPath[str]
    ) -> Response:
        await form_data(request)
        await programmes.unlink_solution(actor_of(request), slug, solution)
        path = request.app.route_reverse("programme-edit", slug=slug)
        return redirect(f"{path}?notice=solution-unlinked#solutions")

    # -- milestones and figures --------------------------------------------------------------

    def _milestone_form(
        self,
        request: Request,
        form: programmes.ProgrammeForm,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        conflict: str = "",
        status_code: int = 200,
    ) -> Template:
        assert form.programme is not None
        milestone = form.milestone
        return page(
            request,
            "programmes/milestone_form.html",
            status_code=status_code,
            title=f"Edit milestone: {milestone.title}" if milestone else "Add a milestone",
            form=form,
            values=_milestone_values(values if values is not None else form.values),
            errors=errors or {},
            field_order=MILESTONE_ORDER,
            conflict=conflict,
            metrics=MILESTONE_METRICS,
            money_metrics=MONEY_METRICS,
            target_statuses=TARGET_STATUSES,
        )

    @get("/programmes/{slug:str}/milestones/new", name="milestone-new")
    async def new_milestone(self, request: Request, slug: FromPath[str]) -> Template:
        actor = signed_in_actor(request)
        form = await programmes.programme_for_editing(actor, slug, milestone_slug="")
        return self._milestone_form(request, form)

    @post("/programmes/{slug:str}/milestones/new", name="milestone-create")
    async def create_milestone(self, request: Request, slug: FromPath[str]) -> Response:
        actor = actor_of(request)
        form = await form_data(request)
        data = _milestone_input(form, new=True)
        try:
            created = await programmes.add_milestone(actor, slug, data)
        except ValidationFailed as exc:
            current = await programmes.programme_for_editing(actor, slug, milestone_slug="")
            return self._milestone_form(
                request,
                current,
                values=_single(form, [*MILESTONE_FIELDS, "slug"]),
                errors=exc.fields,
                status_code=422,
            )
        path = request.app.route_reverse("programme", slug=slug)
        return redirect(f"{path}?notice=milestone-added#milestone-{created['slug']}")

    @get("/programmes/{slug:str}/milestones/{milestone:str}/edit", name="milestone-edit")
    async def edit_milestone(
        self, request: Request, slug: FromPath[str], milestone: FromPath[str]
    ) -> Template:
        actor = signed_in_actor(request)
        form = await programmes.programme_for_editing(actor, slug, milestone_slug=milestone)
        return self._milestone_form(request, form)

    @post("/programmes/{slug:str}/milestones/{milestone:str}/edit", name="milestone-save")
    async def save_milestone(
        self, request: Request, slug: FromPath[str], milestone: FromPath[str]
    ) -> Response:
        actor = actor_of(request)
        form = await form_data(request)
        data = _milestone_input(form, new=False)
        version = _single(form, ["version"]).get("version", "")
        errors: dict[str, str] = {}
        conflict = ""
        try:
            await programmes.update_milestone(actor, slug, milestone, data, form_version(version))
            path = request.app.route_reverse("programme", slug=slug)
            return redirect(f"{path}?notice=milestone-saved#milestone-{milestone}")
        except ValidationFailed as exc:
            errors = exc.fields
        except Conflict as exc:
            conflict = exc.message
        current = await programmes.programme_for_editing(actor, slug, milestone_slug=milestone)
        shown = {
            **current.values,
            **_single(form, MILESTONE_FIELDS),
            "version": current.version if conflict else version,
        }
        return self._milestone_form(
            request,
            current,
            values=shown,
            errors=errors,
            conflict=conflict,
            status_code=409 if conflict else 422,
        )

    @post("/programmes/{slug:str}/milestones/{milestone:str}/remove", name="milestone-remove")
    async def remove_milestone(
        self, request: Request, slug: FromPath[str], milestone: FromPath[str]
    ) -> Response:
        version = _single(await form_data(request), ["version"]).get("version", "")
        try:
            await programmes.remove_milestone(
                actor_of(request), slug, milestone, form_version(version)
            )
        except ValidationFailed as exc:
            raise ValidationFailed(exc.fields, " ".join(exc.fields.values())) from exc
        return redirect(request.app.route_reverse("programme", slug=slug), "milestone-removed")

    def _figure_form(
        self,
        request: Request,
        form: programmes.ProgrammeForm,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        assert form.milestone is not None
        return page(
            request,
            "programmes/figure_form.html",
            status_code=status_code,
            title=f"Record a figure: {form.milestone.title}",
            form=form,
            values=values or {},
            errors=errors or {},
            field_order=FIGURE_ORDER,
        )

    @get("/programmes/{slug:str}/milestones/{milestone:str}/figures/new", name="figure-new")
    async def new_figure(
        self, request: Request, slug: FromPath[str], milestone: FromPath[str]
    ) -> Template:
        actor = signed_in_actor(request)
        form = await programmes.programme_for_editing(actor, slug, milestone_slug=milestone)
        return self._figure_form(request, form)

    @post("/programmes/{slug:str}/milestones/{milestone:str}/figures/new", name="figure-create")
    async def record_figure(
        self, request: Request, slug: FromPath[str], milestone: FromPath[str]
    ) -> Response:
        actor = actor_of(request)
        data = _single(await form_data(request), FIGURE_ORDER)
        try:
            await programmes.record_figure(actor, slug, milestone, data)
        except ValidationFailed as exc:
            current = await programmes.programme_for_editing(actor, slug, milestone_slug=milestone)
            return self._figure_form(
                request, current, values=data, errors=exc.fields, status_code=422
            )
        path = request.app.route_reverse("programme", slug=slug)
        return redirect(f"{path}?notice=figure-recorded#milestone-{milestone}")
