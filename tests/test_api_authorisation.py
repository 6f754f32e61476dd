"""Who may write through the API, as the page tests ask of the pages: every write operation by
(no token, another organisation's token, a token without the operation's scope, a token whose
person's role is too low), each refused with its status and nothing written.

The role column applies where a role above member is needed (confirming a pledge, retiring,
registering a joint procurement, programmes); where any member may act, a member's token is
the lowest there is and is allowed (the other tests show it).
"""

from __future__ import annotations

import pytest

from registry.tables import AuditEvent
from tests.factories import SYSTEM, make_actor, make_solution, solution_data
from tests.test_api_writes import ALL_SCOPES, bearer, token_for


def _operations(slug: str, version: int) -> dict[str, tuple[str, str, dict, str | None]]:
    """name -> (method, path, body, the role too low for it or None)."""
    solution = f"/api/v1/solutions/{slug}"
    fife = {"organisation": "fife"}
    programme = {
        "title": "Telecare",
        "summary": "Digital telecare.",
        "owner": "fife",
        "status": "active",
    }
    return {
        "create": ("POST", "/api/v1/solutions", solution_data("platform", "fife"), None),
        "create procurement": (
            "POST",
            "/api/v1/solutions",
            solution_data("procurement", "fife"),
            "member",
        ),
        "edit": ("PATCH", solution, {"version": version, "title": "A new title"}, None),
        "publish": ("POST", f"{solution}/publish", {"version": version}, None),
        "retire": (
            "POST",
            f"{solution}/retire",
            {"version": version, "reason": "Replaced"},
            "member",
        ),
        "interest": ("POST", f"{solution}/interest", {**fife, "level": "exploring"}, None),
        "withdraw interest": ("POST", f"{solution}/interest/withdraw", fife, None),
        "pledge": ("POST", f"{solution}/pledge", {**fife, "amount_pence": 100}, None),
        "confirm pledge": ("POST", f"{solution}/pledge/confirm", fife, "member"),
        "withdraw pledge": ("POST", f"{solution}/pledge/withdraw", fife, None),
        "adoption": ("POST", f"{solution}/adoption", {**fife, "status": "live"}, None),
        "save programme": ("PUT", "/api/v1/programmes/telecare", programme, "org_admin"),
        "link solutions": (
            "POST",
            "/api/v1/programmes/telecare/solutions",
            {"solutions": [slug]},
            "org_admin",
        ),
        "save milestone": (
            "PUT",
            "/api/v1/programmes/telecare/milestones/boxes",
            {"title": "Boxes", "metric": "recorded", "target_value": 10, "target_unit": "boxes"},
            "org_admin",
        ),
        "record figure": (
            "POST",
            "/api/v1/programmes/telecare/milestones/boxes/figures",
            {"value": 3, "as_of": "2025-01-01", "source": "Council returns"},
            "org_admin",
        ),
    }


SCOPE_OF = {
    "create": "solutions",
    "create procurement": "solutions",
    "edit": "solutions",
    "publish": "solutions",
    "retire": "solutions",
    "interest": "interest",
    "withdraw interest": "interest",
    "pledge": "sponsorship",
    "confirm pledge": "sponsorship",
    "withdraw pledge": "sponsorship",
    "adoption": "adoption",
    "save programme": "programmes",
    "link solutions": "programmes",
    "save milestone": "programmes",
    "record figure": "programmes",
}
OPERATIONS = list(SCOPE_OF)


@pytest.fixture
async def fife_draft(fife, glasgow, digital_office):
    from registry import programmes

    await programmes.save_programme(
        SYSTEM,
        {"slug": "telecare", "title": "Telecare", "summary": "Digital.", "status": "active"},
        "digital-office",
    )
    await programmes.save_milestone(
        SYSTEM,
        "telecare",
        {
            "slug": "boxes",
            "title": "Boxes",
            "metric": "recorded",
            "target_value": 10,
            "target_unit": "boxes",
        },
    )
    return {
        "draft": await make_solution("platform", fife, status="draft"),
        "published": await make_solution("platform", fife),
    }


async def _refused(client, operation: str, solutions, headers: dict) -> tuple[int, int]:
    """Publishing is tried on a draft, everything else on a published solution."""
    if isinstance(solutions, dict):
        solutions = solutions["draft" if operation == "publish" else "published"]
    method, path, body, _ = _operations(solutions.slug, solutions.version)[operation]
    before = await AuditEvent.count()
    response = await client.request(method, path, json=body, headers=headers)
    assert response.json()["error"]["message"]
    return response.status_code, await AuditEvent.count() - before


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_no_token_is_refused_with_401(client, fife_draft, operation):
    assert await _refused(client, operation, fife_draft, {}) == (401, 0)


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_another_organisations_token_is_refused_with_403(
    client, fife_draft, glasgow_officer, operation
):
    secret = await token_for(glasgow_officer, "glasgow-city", *ALL_SCOPES)
    status, written = await _refused(client, operation, fife_draft, bearer(secret))
    # Fife's draft is Fife's alone: to anyone else it does not exist
    assert (status, written) == ((404, 0) if operation == "publish" else (403, 0))


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_a_token_without_the_scope_is_refused_with_403(client, fife_draft, fife, operation):
    curator_admin = await make_actor(fife, "org_admin", digital_office=True)
    scopes = [s for s in [*ALL_SCOPES, "programmes"] if s != SCOPE_OF[operation]]
    secret = await token_for(curator_admin, "fife", *scopes)
    assert await _refused(client, operation, fife_draft, bearer(secret)) == (403, 0)


@pytest.mark.parametrize(
    "operation",
    [name for name in OPERATIONS if _operations("x", 1)[name][3] is not None],
)
async def test_a_role_too_low_is_refused_with_403(client, fife_draft, fife, operation):
    role = _operations("x", 1)[operation][3]
    person = await make_actor(fife, role)
    scopes = [s for s in ALL_SCOPES]  # all a non-curator may have
    secret = await token_for(person, "fife", *scopes)
    if operation == "confirm pledge":  # a pledge to confirm
        await client.post(
            f"/api/v1/solutions/{fife_draft['published'].slug}/pledge",
            json={"organisation": "fife", "amount_pence": 100},
            headers=bearer(secret),
        )
    assert await _refused(client, operation, fife_draft, bearer(secret)) == (403, 0)


async def test_only_curators_can_have_the_programmes_scope(fife_admin):
    from registry.accounts import tokens
    from registry.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        await tokens.issue_token(fife_admin, "fife", {"name": "x", "scopes": ["programmes"]})
    assert set(refused.value.fields) == {"scopes"}
