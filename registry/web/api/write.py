"""The JSON API's writes to solutions under /api/v1/solutions: create, edit, publish and
retire; register, change and withdraw interest; pledge, confirm and withdraw; record adoption.

Each is the page's action over JSON, through the same service call: the handler checks the
token's scope (a guard, before the body is read), passes the body to one service function and
answers with the solution as it now stands. The services decide who may act for which
organisation, exactly as they do for the pages.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, patch, post
from litestar.params import FromPath, JSONBody

from registry import catalogue, collaboration
from registry.web.api import requests, schemas
from registry.web.api.common import (
    NO_CSRF,
    WRITE_RESPONSES,
    WRITE_SECURITY,
    IdempotencyKey,
    acting,
    idempotent,
    token_of,
)
from registry.web.api.read import solution_detail

SOLUTION = "The solution as it now stands"


def _action(path: str, summary: str, scope: str, **extra: Any):
    return post(
        path,
        summary=summary,
        guards=[acting(scope)],
        status_code=200,
        responses=WRITE_RESPONSES,
        security=WRITE_SECURITY,
        response_description=SOLUTION,
        opt=NO_CSRF,
        **extra,
    )


class SolutionWritesApi(Controller):
    """The writes, joined with the reads into one controller of the same path (one route per
    path, so Litestar answers OPTIONS once)."""

    path = "/api/v1/solutions"
    tags = ["solutions"]

    @post(
        "/",
        summary="Register a solution (as a draft, or published)",
        guards=[acting("solutions")],
        status_code=201,
        responses=WRITE_RESPONSES,
        security=WRITE_SECURITY,
        response_description="The solution registered",
        opt=NO_CSRF,
    )
    async def create(
        self,
        request: Request,
        data: JSONBody[requests.SolutionInput],  # type: ignore[valid-type]
        idempotency_key: IdempotencyKey = None,
    ) -> Response[schemas.SolutionDetail]:
        actor = token_of(request)

        async def work() -> schemas.SolutionDetail:
            created = await catalogue.create_solution(actor, requests.present(data))
            return await solution_detail(actor, created.slug)

        async def answer(created_slug: str) -> schemas.SolutionDetail:
            return await solution_detail(actor, created_slug)

        return await idempotent(request, idempotency_key, data, 201, work, answer)

    @patch(
        "/{slug:str}",
        summary="Edit a solution: send the fields that change and the version you read",
        guards=[acting("solutions")],
        responses=WRITE_RESPONSES,
        security=WRITE_SECURITY,
        response_description=SOLUTION,
        opt=NO_CSRF,
    )
    async def edit(
        self,
        request: Request,
        slug: FromPath[str],
        data: JSONBody[requests.SolutionChanges],  # type: ignore[valid-type]
    ) -> schemas.SolutionDetail:
        actor = token_of(request)
        changes = requests.present(data)
        version = changes.pop("version")
        saved = await catalogue.update_solution(actor, slug, changes, version)
        return await solution_detail(actor, saved.slug)

    @_action("/{slug:str}/publish", "Publish a draft", "solutions")
    async def publish(
        self, request: Request, slug: FromPath[str], data: JSONBody[requests.VersionInput]
    ) -> schemas.SolutionDetail:
        actor = token_of(request)
        await catalogue.publish_solution(actor, slug, data.version)
        return await solution_detail(actor, slug)

    @_action("/{slug:str}/retire", "Retire a solution (it is kept, never deleted)", "solutions")
    async def retire(
        self, request: Request, slug: FromPath[str], data: JSONBody[requests.RetireInput]
    ) -> schemas.SolutionDetail:
        actor = token_of(request)
        await catalogue.retire_solution(actor, slug, data.version, data.reason)
        return await solution_detail(actor, slug)

    @_action(
        "/{slug:str}/interest",
        "Register an organisation's interest, or change its level (the same level again "
        "changes nothing)",
        "interest",
    )
    async def register_interest(
        self, request: Request, slug: FromPath[str], data: JSONBody[requests.InterestInput]
    ) -> schemas.SolutionDetail:
        actor = token_of(request)
        await collaboration.register_interest(actor, slug, data.organisation, data.level)
        return await solution_detail(actor, slug)

    @_action("/{slug:str}/interest/withdraw", "Withdraw an organisation's interest", "interest")
    async def withdraw_interest(
        self, request: Request, slug: FromPath[str], data: JSONBody[requests.ForOrganisation]
    ) -> schemas.SolutionDetail:
        actor = token_of(request)
        await collaboration.withdraw_interest(actor, slug, data.organisation)
        return await solution_detail(actor, slug)

    @_action(
        "/{slug:str}/pledge",
        "Pledge money (pence) and/or staff days, or change the active pledge",
        "sponsorship",
    )
    async def pledge(
        self,
        request: Request,
        slug: FromPath[str],
        data: JSONBody[requests.PledgeInput],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[schemas.SolutionDetail]:
        actor = token_of(request)

        async def work() -> schemas.SolutionDetail:
            await collaboration.pledge(
                actor,
                slug,
                data.organisation,
                amount_pence=data.amount_pence,
                staff_days=data.staff_days,
                note=data.note,
            )
            return await solution_detail(actor, slug)

        async def answer(_: str) -> schemas.SolutionDetail:
            return await solution_detail(actor, slug)

        return await idempotent(request, idempotency_key, data, 200, work, answer)

    @_action(
        "/{slug:str}/pledge/confirm",
        "Confirm an organisation's pledge (its administrators)",
        "sponsorship",
    )
    async def confirm_pledge(
        self, request: Request, slug: FromPath[str], data: JSONBody[requests.ForOrganisation]
    ) -> schemas.SolutionDetail:
        actor = token_of(request)
        await collaboration.confirm_pledge(actor, slug, data.organisation)
        return await solution_detail(actor, slug)

    @_action("/{slug:str}/pledge/withdraw", "Withdraw an organisation's pledge", "sponsorship")
    async def withdraw_pledge(
        self, request: Request, slug: FromPath[str], data: JSONBody[requests.ForOrganisation]
    ) -> schemas.SolutionDetail:
        actor = token_of(request)
        await collaboration.withdraw_pledge(actor, slug, data.organisation)
        return await solution_detail(actor, slug)

    @_action(
        "/{slug:str}/adoption",
        "Record that an organisation plans to use, uses or has stopped using a solution",
        "adoption",
    )
    async def record_adoption(
        self, request: Request, slug: FromPath[str], data: JSONBody[requests.AdoptionInput]
    ) -> schemas.SolutionDetail:
        actor = token_of(request)
        await collaboration.record_adoption(
            actor, slug, data.organisation, data.status, data.status_on
        )
        return await solution_detail(actor, slug)
