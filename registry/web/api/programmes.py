"""The JSON API's programmes (read by anyone; changed by Digital Office curators with a token
of the `programmes` scope) and the history of solutions, programmes and organisations.

Programme writes go through `registry.programmes` (which refuses anyone but a curator) and
answer with the programme as it now stands, its milestones' progress computed when read.
History comes from `registry.history`, which decides what each reader may see: a token with
the `read` scope reads as its person, anyone else as the public does.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from registry import history, programmes
from registry.indexing.documents import fold
from registry.programmes import ProgrammeView
from registry.web.api import requests, schemas
from registry.web.api.common import (
    NO_CSRF,
    READ_SECURITY,
    TOKEN_RESPONSES,
    WRITE_RESPONSES,
    WRITE_SECURITY,
    acting,
    actor_of,
    error,
    token_of,
)
from registry.web.api.read import (
    _NOT_NULL,
    MAX_VALUE_LENGTH,
    Page,
    PerPage,
    _as_given,
    _name,
    _one_value,
    _solution_ref,
    listing,
)

NOT_FOUND = error("Nothing has that slug")
INVALID = error("A parameter is not valid: `fields` names each one with the reason")
READ_RESPONSES = {400: error("The request could not be read"), 404: NOT_FOUND, **TOKEN_RESPONSES}
HistoryPageNumber = Annotated[
    int,
    QueryParameter(
        ge=1,
        le=history.MAX_PAGE,
        description=f"Page number, from 1; history is listed {history.MAX_PAGE} pages deep",
    ),
]


def programme_item(view: ProgrammeView) -> schemas.ProgrammeItem:
    return schemas.ProgrammeItem(
        slug=view.slug,
        title=view.title,
        summary=view.summary,
        status=view.status,
        owner=_name(view.owner),
        starts_on=view.starts_on,
        ends_on=view.ends_on,
        updated_at=view.updated_at,
        url=f"/api/v1/programmes/{view.slug}",
    )


def programme_detail(view: ProgrammeView) -> schemas.ProgrammeDetail:
    return schemas.ProgrammeDetail(
        **{
            name: getattr(programme_item(view), name)
            for name in schemas.ProgrammeItem.__struct_fields__
        },
        description=view.description,
        version=view.version,
        source=view.source,
        created_at=view.created_at,
        solutions=[_solution_ref(ref) for ref in view.solutions],
        milestones=[
            schemas.Milestone(
                slug=m.slug,
                title=m.title,
                description=m.description,
                due_on=m.due_on,
                metric=m.metric,
                solution=_solution_ref(m.solution) if m.solution else None,
                target_value=m.target_value,
                target_unit=m.target_unit,
                target_status=m.target_status,
                position=m.position,
                source=m.source,
                progress=schemas.Progress(
                    current=m.progress.current,
                    target=m.progress.target,
                    percent=m.progress.percent,
                    met=m.progress.met,
                    as_of=m.progress.as_of,
                    note=m.progress.note,
                    overdue=m.progress.overdue,
                ),
            )
            for m in view.milestones
        ],
    )


def history_page(view: history.History) -> schemas.HistoryPage:
    return schemas.HistoryPage(
        subject_type=view.subject_type,  # type: ignore[arg-type]
        slug=view.slug,
        title=view.title,
        events=[
            schemas.HistoryEvent(
                at=event.at,
                what=event.what,
                who=event.who,
                changes=[
                    schemas.FieldChange(label=c.label, before=c.before, after=c.after)
                    for c in event.changes
                ],
                subject=(
                    schemas.HistorySubject(
                        type=event.subject.route,  # type: ignore[arg-type]
                        slug=event.subject.slug,
                        title=event.subject.title,
                    )
                    if event.subject
                    else None
                ),
            )
            for event in view.events
        ],
        page=view.page,
        per_page=view.per_page,
        total=view.total,
    )


def _change(path: str, summary: str, method=post, **extra):
    return method(
        path,
        summary=summary,
        guards=[acting("programmes")],
        status_code=200,
        responses=WRITE_RESPONSES,
        security=WRITE_SECURITY,
        response_description="The programme as it now stands",
        opt=NO_CSRF,
        **extra,
    )


class ProgrammesApi(Controller):
    path = "/api/v1/programmes"
    tags = ["programmes"]

    @listing("List programmes, by title")
    async def list(
        self,
        request: Request,
        page: Page = 1,
        per_page: PerPage = 20,
        status: Annotated[
            schemas.ProgrammeStatus | None,  # type: ignore[name-defined]
            QueryParameter(
                description="Only programmes with this status",
                schema_extra=_one_value(schemas.ProgrammeStatus),
            ),
        ] = None,
        owner: Annotated[
            str | None,
            QueryParameter(
                max_length=MAX_VALUE_LENGTH,
                description="Only programmes this organisation (slug) runs",
                schema_extra=_NOT_NULL["string"],
            ),
        ] = None,
    ) -> schemas.ProgrammePage:
        _as_given(request, {"status": schemas.PROGRAMME_STATUSES})
        views = [
            view
            for view in await programmes.list_programmes()
            if (status is None or view.status == status)
            and (owner is None or fold(view.owner.slug) == fold(owner))
        ]
        start = (page - 1) * per_page
        return schemas.ProgrammePage(
            items=[programme_item(v) for v in views[start : start + per_page]],
            total=len(views),
            page=page,
            per_page=per_page,
        )

    @get(
        "/{slug:str}",
        summary="One programme with its solutions and milestones, each with its progress",
        responses=READ_RESPONSES,
        security=READ_SECURITY,
    )
    async def detail(self, slug: FromPath[str]) -> schemas.ProgrammeDetail:
        return programme_detail(await programmes.get_programme(slug))

    @get(
        "/{slug:str}/history",
        summary="What changed in a programme, newest first",
        responses={**READ_RESPONSES, 422: INVALID},
        security=READ_SECURITY,
    )
    async def history(
        self, request: Request, slug: FromPath[str], page: HistoryPageNumber = 1
    ) -> schemas.HistoryPage:
        return history_page(await history.programme_history(actor_of(request), slug, page))

    @_change("/{slug:str}", "Create a programme, or replace what it says", method=put)
    async def save(
        self, request: Request, slug: FromPath[str], data: JSONBody[requests.ProgrammeInput]
    ) -> schemas.ProgrammeDetail:
        values = {**requests.present(data), "slug": slug}
        owner = values.pop("owner")
        saved = await programmes.save_programme(token_of(request), values, owner)
        return programme_detail(await programmes.get_programme(saved["slug"]))

    @_change("/{slug:str}/solutions", "Link solutions to a programme")
    async def link(
        self, request: Request, slug: FromPath[str], data: JSONBody[requests.LinkSolutionsInput]
    ) -> schemas.ProgrammeDetail:
        await programmes.link_solutions(token_of(request), slug, data.solutions)
        return programme_detail(await programmes.get_programme(slug))

    @_change(
        "/{slug:str}/milestones/{milestone:str}",
        "Create a milestone, or replace what it says",
        method=put,
    )
    async def save_milestone(
        self,
        request: Request,
        slug: FromPath[str],
        milestone: FromPath[str],
        data: JSONBody[requests.MilestoneInput],
    ) -> schemas.ProgrammeDetail:
        values = {**requests.present(data), "slug": milestone}
        await programmes.save_milestone(token_of(request), slug, values)
        return programme_detail(await programmes.get_programme(slug))

    @_change(
        "/{slug:str}/milestones/{milestone:str}/figures",
        "Record a figure for a milestone whose target is a recorded figure",
    )
    async def record_figure(
        self,
        request: Request,
        slug: FromPath[str],
        milestone: FromPath[str],
        data: JSONBody[requests.FigureInput],
    ) -> schemas.ProgrammeDetail:
        await programmes.record_figure(token_of(request), slug, milestone, requests.present(data))
        return programme_detail(await programmes.get_programme(slug))


class HistoryApi(Controller):
    tags = ["history"]

    @get(
        "/api/v1/solutions/{slug:str}/history",
        summary="What happened to a solution, newest first",
        responses={**READ_RESPONSES, 422: INVALID},
        security=READ_SECURITY,
    )
    async def solution(
        self, request: Request, slug: FromPath[str], page: HistoryPageNumber = 1
    ) -> schemas.HistoryPage:
        return history_page(await history.solution_history(actor_of(request), slug, page))

    @get(
        "/api/v1/organisations/{slug:str}/history",
        summary="An organisation's activity: what it did and what was done to its record",
        responses={**READ_RESPONSES, 422: INVALID},
        security=READ_SECURITY,
    )
    async def organisation(
        self, request: Request, slug: FromPath[str], page: HistoryPageNumber = 1
    ) -> schemas.HistoryPage:
        return history_page(await history.organisation_history(actor_of(request), slug, page))
