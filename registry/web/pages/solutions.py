"""Solution pages: the detail page with what a council can do about a solution (register or
change interest, pledge, record adoption), registering a solution of each kind, and editing.

Every action is a POST carrying the CSRF token, handled by one service call; the services
decide who may act for which organisation, so a forged form for another council gets a 403
page and changes nothing. A refused form is shown again with an error summary, messages beside
the fields and the input kept; success redirects (303) to the page with a notice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from registry import catalogue, collaboration, notifications
from registry.catalogue import SolutionView, sentences, structured
from registry.catalogue.kinds import COMMON, KINDS
from registry.errors import Conflict, PermissionDenied, ValidationFailed
from registry.interchange import proposals
from registry.validation import Pounds
from registry.vocabulary import (
    ADOPTION_STATUSES,
    CHARACTERISTICS,
    INTEREST_LEVELS,
    SERVICE_AREAS,
    SOLUTION_KINDS,
)
from registry.web.pages.common import (
    actor_of,
    as_list,
    form_data,
    form_version,
    page,
    said,
    signed_in_actor,
)

_EVERY_FIELD = [f for kind in KINDS.values() for f in kind.all_fields]
# Form fields holding one entry per line.
LINE_FIELDS = {f.name for f in _EVERY_FIELD if f.widget == "lines"}
# Form fields holding several checked values.
MULTI_FIELDS = {f.name for f in _EVERY_FIELD if f.widget in ("checkboxes", "organisations")}
# Form fields holding money typed in pounds.
MONEY_FIELDS = {f.name for f in _EVERY_FIELD if f.widget == "money"}
# Form fields holding one item with parts per line (documents, sources, lots, notes).
STRUCTURED_FIELDS = {f.name: f.type for f in _EVERY_FIELD if f.widget == "structured"}
# The order the form shows its fields in, which the error summary follows: the opening
# questions, the key facts every kind has, each kind's own, then where it fits and funding.
_OPENING = ["kind", "title", "summary", "description", "owner", "slug", "status"]
_CLOSING = ["service_areas", "characteristics", "tags", "links", "funding_target", "version"]
# (Kinds share some names, starts_on and ends_on: each name once.)
FORM_ORDER = list(
    dict.fromkeys(
        _OPENING
        + [f.name for f in COMMON if f.key or f.joins or f.type == "notes"]
        + [f.name for kind in KINDS.values() for f in kind.fields]
        + _CLOSING
    )
)
ACTION_ORDER = [
    "organisation",
    "level",
    "amount",
    "staff_days",
    "note",
    "status",
    "status_on",
    "procurement",
    "solution",
    "lot",
    "reason",
]


@contextlib.contextmanager
def _refusal_in_words() -> Iterator[None]:
    """A one-button form (publish, retire) has no fields to show messages beside: its refusal
    page says what was wrong in the field's own words."""
    try:
        yield
    except ValidationFailed as exc:
        raise ValidationFailed(exc.fields, " ".join(exc.fields.values()) or None) from exc


def _solution_input(form: dict[str, Any], kind: str) -> dict[str, Any]:
    """Form values in the services' input shape, checked by nothing here: the service refuses
    an actor who may not act before it reads any of them. Money typed in pounds is marked as
    such for the service to read. An unticked group of checkboxes sends nothing, so the kind's
    groups default to empty."""
    data: dict[str, Any] = {}
    for name, value in form.items():
        if name in LINE_FIELDS:
            data[name] = "\n".join(as_list(value))
        elif name in MULTI_FIELDS:
            data[name] = as_list(value)
        else:
            data[name] = value[-1] if isinstance(value, list) else value
    if kind in SOLUTION_KINDS:
        for name in MULTI_FIELDS & set(catalogue.fields_of(kind)):
            data.setdefault(name, [])
    for name in MONEY_FIELDS:
        if isinstance(data.get(name), str):
            data[name] = Pounds(data[name])
    return data


def _form_values(view: SolutionView) -> dict[str, Any]:
    """A stored solution as the form shows it (lists one per line, money in pounds)."""
    values = catalogue.editable_fields(view)
    for name in LINE_FIELDS:
        if isinstance(values.get(name), list):
            values[name] = "\n".join(values[name])
    for name in MONEY_FIELDS:
        pence = values.get(name)
        values[name] = "" if pence is None else f"{pence / 100:.2f}".removesuffix(".00")
    for name, field_type in STRUCTURED_FIELDS.items():
        if name in values:
            values[name] = structured.as_lines(field_type, values[name], KINDS[view.kind].noted)
    return values


def _breadcrumbs(request: Request, view: SolutionView, *last: str) -> list[tuple[str, str]]:
    trail = [
        ("Home", request.app.route_reverse("discover")),
        (
            SOLUTION_KINDS[view.kind],
            request.app.route_reverse("discover") + f"?kind={view.kind}",
        ),
        (view.title, request.app.route_reverse("solution", slug=view.slug)),
    ]
    return trail + [(text, "") for text in last]


class SolutionPages(Controller):
    path = "/solutions"
    include_in_schema = False

    # -- reading ---------------------------------------------------------------------------

    @get("/{slug:str}", name="solution")
    async def detail(self, request: Request, slug: FromPath[str]) -> Template:
        return await self._detail(request, slug)

    async def _detail(
        self,
        request: Request,
        slug: str,
        *,
        status_code: int = 200,
        form: str = "",
        errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        actor = actor_of(request)
        found = await catalogue.solution_with_activity(slug, actor)
        view = found.solution
        actions = catalogue.actions_for(actor, view, found.activity)
        following = await notifications.follow_of(actor, "solution", view.slug)
        proposed = (
            await proposals.open_proposals(actor, view.id, view.owner_id)
            if view.kind == "component"
            else []
        )
        return page(
            request,
            "solutions/detail.html",
            status_code=status_code,
            descriptor=KINDS[view.kind],
            title=view.title,
            breadcrumbs=_breadcrumbs(request, view),
            solution=view,
            activity=found.activity,
            actions=actions,
            following=following,
            proposed=proposed,
            supply_choices=(
                await catalogue.supply_choices(view.kind) if actions.link_supply else []
            ),
            levels=INTEREST_LEVELS,
            level_hints=sentences.INTEREST_HINTS,
            say=sentences,
            adoption_statuses=ADOPTION_STATUSES,
            form=form,
            errors=errors or {},
            field_order=ACTION_ORDER,
            id_prefix=form,
            values=values or {},
        )

    # -- acting for an organisation ---------------------------------------------------------

    async def _act(self, request: Request, slug: str, form_name: str, action) -> Response:
        data = await form_data(request)
        try:
            sentence = await action(data)
        except ValidationFailed as exc:
            fields = {("amount" if k == "amount_pence" else k): v for k, v in exc.fields.items()}
            return await self._detail(
                request, slug, status_code=422, form=form_name, errors=fields, values=data
            )
        return said(request, request.app.route_reverse("solution", slug=slug), sentence)

    @post("/{slug:str}/interest", name="solution-interest")
    async def register_interest(self, request: Request, slug: FromPath[str]) -> Response:
        async def act(data: dict) -> str:
            saved = await collaboration.register_interest(
                actor_of(request),
                slug,
                str(data.get("organisation", "")),
                str(data.get("level", "")),
            )
            return saved["sentence"]

        return await self._act(request, slug, "interest", act)

    async def _for_organisation(
        self, request: Request, slug: str, form_name: str, service
    ) -> Response:
        """An action whose only input is the organisation it is taken for; the service says
        what it changed."""

        async def act(data: dict) -> str:
            return await service(actor_of(request), slug, str(data.get("organisation", "")))

        return await self._act(request, slug, form_name, act)

    @post("/{slug:str}/interest/withdraw", name="solution-interest-withdraw")
    async def withdraw_interest(self, request: Request, slug: FromPath[str]) -> Response:
        return await self._for_organisation(
            request, slug, "interest", collaboration.withdraw_interest
        )

    @post("/{slug:str}/pledge", name="solution-pledge")
    async def pledge(self, request: Request, slug: FromPath[str]) -> Response:
        async def act(data: dict) -> str:
            saved = await collaboration.pledge(
                actor_of(request),
                slug,
                str(data.get("organisation", "")),
                amount_pence=Pounds(str(data.get("amount") or "")),
                staff_days=str(data.get("staff_days") or "0"),
                note=str(data.get("note") or ""),
            )
            return saved["sentence"]

        return await self._act(request, slug, "pledge", act)

    @post("/{slug:str}/pledge/withdraw", name="solution-pledge-withdraw")
    async def withdraw_pledge(self, request: Request, slug: FromPath[str]) -> Response:
        return await self._for_organisation(request, slug, "pledge", collaboration.withdraw_pledge)

    @post("/{slug:str}/pledge/confirm", name="solution-pledge-confirm")
    async def confirm_pledge(self, request: Request, slug: FromPath[str]) -> Response:
        return await self._for_organisation(request, slug, "pledge", collaboration.confirm_pledge)

    @post("/{slug:str}/adoption", name="solution-adoption")
    async def record_adoption(self, request: Request, slug: FromPath[str]) -> Response:
        async def act(data: dict) -> str:
            saved = await collaboration.record_adoption(
                actor_of(request),
                slug,
                str(data.get("organisation", "")),
                str(data.get("status", "")),
                data.get("status_on") or None,
            )
            return saved["sentence"]

        return await self._act(request, slug, "adoption", act)

    @post("/{slug:str}/bought-through", name="solution-supply-link")
    async def link_supply(self, request: Request, slug: FromPath[str]) -> Response:
        async def act(data: dict) -> str:
            mine, theirs = await self._supply_sides(request, slug, data)
            lot = data.get("lot") or ""
            await catalogue.link_supply(actor_of(request), mine.slug, theirs.slug, lot)
            lot_text = lot.strip() if isinstance(lot, str) else ""
            return sentences.supply_linked(mine.title, theirs.title, lot_text)

        return await self._act(request, slug, "supply", act)

    @post("/{slug:str}/bought-through/remove", name="solution-supply-unlink")
    async def unlink_supply(self, request: Request, slug: FromPath[str]) -> Response:
        async def act(data: dict) -> str:
            mine, theirs = await self._supply_sides(request, slug, data)
            await catalogue.unlink_supply(
                actor_of(request), mine.slug, theirs.slug, data.get("lot") or ""
            )
            return sentences.supply_unlinked(mine.title, theirs.title)

        return await self._act(request, slug, "supply", act)

    async def _supply_sides(self, request: Request, slug: str, data: dict):
        """The platform or component and the procurement a link form names, whichever page
        it was sent from: the page's own solution is one side, the form names the other."""
        actor = actor_of(request)
        here = await catalogue.get_solution(slug, actor)
        other = data.get("other")
        if not isinstance(other, str) or not other.strip():
            field = "solution" if here.kind == "procurement" else "procurement"
            raise ValidationFailed({field: "Choose what it is bought through"})
        there = await catalogue.get_solution(other.strip()[:80], actor)
        return (there, here) if here.kind == "procurement" else (here, there)

    # -- registering and editing ------------------------------------------------------------

    async def _form(
        self,
        request: Request,
        *,
        kind: str,
        values: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
        solution: SolutionView | None = None,
        conflict: str = "",
    ) -> Template:
        actor = actor_of(request)
        action = "solution.create.procurement" if kind == "procurement" else "solution.create"
        values = {**values, **{name: as_list(values.get(name)) for name in MULTI_FIELDS}}
        # A new solution starts as a draft; the status is chosen once it exists.
        published = solution is not None and solution.status != "draft"
        statuses = [
            s for s in KINDS[kind].statuses if s != "retired" and not (published and s == "draft")
        ]
        if solution is None:
            statuses = []
        return page(
            request,
            "solutions/form.html",
            status_code=status_code,
            title=(
                f"Edit {solution.title}"
                if solution
                else f"Register a {SOLUTION_KINDS[kind].lower()}"
            ),
            kind=kind,
            descriptor=KINDS[kind],
            values=values,
            errors=errors,
            field_order=FORM_ORDER,
            solution=solution,
            conflict=conflict,
            owners=actor.organisations_for(action),
            organisations=await catalogue.organisation_choices(),
            formats=structured.FORMATS,
            statuses=statuses,
            service_areas=SERVICE_AREAS,
            characteristics=CHARACTERISTICS,
        )

    @get("/new", name="solution-new")
    async def new(self, request: Request) -> Response:
        signed_in_actor(request)
        kind = request.query_params.get("kind", "")
        if kind not in SOLUTION_KINDS:
            return page(
                request,
                "solutions/choose_kind.html",
                title="Register a solution",
                kinds=SOLUTION_KINDS,
            )
        return await self._form(request, kind=kind, values={}, errors={})

    @post("/new", name="solution-create")
    async def create(self, request: Request) -> Response:
        form = await form_data(request)
        kind = str(form.get("kind", ""))
        data = _solution_input(form, kind)
        data["status"] = "draft"  # a new solution is published from its page once it is ready
        try:
            created = await catalogue.create_solution(actor_of(request), data)
        except ValidationFailed as exc:
            if kind not in SOLUTION_KINDS:
                raise  # no form to show again: the error page names the field
            return await self._form(
                request, kind=kind, values=form, errors=exc.fields, status_code=422
            )
        return said(
            request,
            request.app.route_reverse("solution", slug=created.slug),
            sentences.solution_created(created.title, created.owner.name),
        )

    @get("/{slug:str}/edit", name="solution-edit")
    async def edit(self, request: Request, slug: FromPath[str]) -> Response:
        actor = signed_in_actor(request)
        view = await catalogue.editable_solution(actor, slug)
        return await self._form(
            request, kind=view.kind, values=_form_values(view), errors={}, solution=view
        )

    @post("/{slug:str}/edit", name="solution-save")
    async def save(self, request: Request, slug: FromPath[str]) -> Response:
        actor = actor_of(request)
        form = await form_data(request)
        current = await catalogue.editable_solution(actor, slug)
        data = _solution_input(form, current.kind)
        data.pop("kind", None)
        version = data.pop("version", "")
        errors: dict[str, str] = {}
        conflict = ""
        try:
            saved = await catalogue.update_solution(actor, slug, data, form_version(version))
            return said(
                request,
                request.app.route_reverse("solution", slug=saved.slug),
                sentences.solution_saved(saved.title),
            )
        except ValidationFailed as exc:
            errors = exc.fields
        except Conflict as exc:
            conflict = exc.message
        view = await catalogue.editable_solution(actor, slug)
        if conflict:
            # Their input is kept; the form now carries the latest version, so saving again
            # deliberately replaces the other person's changes with theirs.
            form["version"] = view.version
        return await self._form(
            request,
            kind=view.kind,
            values=form,
            errors=errors,
            status_code=409 if conflict else 422,
            solution=view,
            conflict=conflict,
        )

    @post("/{slug:str}/publish", name="solution-publish")
    async def publish(self, request: Request, slug: FromPath[str]) -> Redirect:
        version = (await form_data(request)).get("version", "")
        with _refusal_in_words():
            view = await catalogue.publish_solution(actor_of(request), slug, form_version(version))
        return said(
            request,
            request.app.route_reverse("solution", slug=slug),
            sentences.solution_published(view.title),
        )

    @get("/{slug:str}/retire", name="solution-retire-confirm")
    async def confirm_retire(self, request: Request, slug: FromPath[str]) -> Template:
        return await self._retire_page(request, slug)

    async def _retire_page(
        self,
        request: Request,
        slug: str,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        status_code: int = 200,
    ) -> Template:
        actor = signed_in_actor(request)
        view = await catalogue.editable_solution(actor, slug)
        if not actor.may("solution.retire", view.owner_id):
            raise PermissionDenied(
                f"You are not a member of {view.owner.name} with a role that allows this"
            )
        return page(
            request,
            "solutions/retire.html",
            status_code=status_code,
            title=f"Retire {view.title}?",
            breadcrumbs=_breadcrumbs(request, view, "Retire"),
            solution=view,
            errors=errors or {},
            field_order=["reason", "version"],
            values=values or {"version": view.version},
        )

    @post("/{slug:str}/retire", name="solution-retire")
    async def retire(self, request: Request, slug: FromPath[str]) -> Response:
        form = await form_data(request)
        try:
            view = await catalogue.retire_solution(
                actor_of(request), slug, form_version(form.get("version", "")), form.get("reason")
            )
        except ValidationFailed as exc:
            if "reason" not in exc.fields:  # an odd version: nothing on the page to fix
                raise ValidationFailed(exc.fields, " ".join(exc.fields.values())) from exc
            return await self._retire_page(
                request, slug, errors=exc.fields, values=form, status_code=422
            )
        return said(
            request,
            request.app.route_reverse("solution", slug=slug),
            sentences.solution_retired(view.title),
        )
