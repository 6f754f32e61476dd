"""Retries with an Idempotency-Key when the first request is still running, or died before it
answered: a retry racing the first gets 409 and changes nothing; a claim that never finished
is taken over after `tokens.UNFINISHED_CLAIM`, and the work is done once."""

from __future__ import annotations

import asyncio
import datetime as dt

import msgspec
import pytest

from registry import catalogue, changes
from registry.accounts import tokens
from registry.tables import ApiIdempotency, ApiToken, AuditEvent, Solution
from registry.web.api import requests
from registry.web.api.common import request_digest
from tests.factories import make_solution, solution_data
from tests.test_api_writes import ALL_SCOPES, bearer, token_for

BODY = {"organisation": "glasgow-city", "amount_pence": 25_000}


@pytest.fixture
async def glasgow_token(glasgow_officer) -> str:
    return await token_for(glasgow_officer, "glasgow-city", *ALL_SCOPES)


@pytest.fixture
async def platform(fife, glasgow):
    return await make_solution("platform", fife, title="Shared booking platform")


async def _pledges() -> int:
    return await AuditEvent.count().where(AuditEvent.action == "sponsorship.pledge")


async def _claim_left_by_another_request(slug: str, key: str) -> None:
    """The claim a request for the same pledge makes when it starts: what is left behind when
    its process dies before it answers."""
    token = await ApiToken.select(ApiToken.id).first()
    body = msgspec.convert(BODY, requests.PledgeInput)
    digest = request_digest("POST", f"/api/v1/solutions/{slug}/pledge", body)
    assert await tokens.reserve_idempotency(token["id"], key, digest) is None


async def _claimed_ago(seconds: float) -> None:
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    await ApiIdempotency.update({ApiIdempotency.created_at: started}).where(
        ApiIdempotency.status == 0
    )


async def test_a_retry_while_the_first_is_running_is_refused_and_changes_nothing(
    client, platform, glasgow_token
):
    await _claim_left_by_another_request(platform.slug, "pledge-running")
    headers = {**bearer(glasgow_token), "Idempotency-Key": "pledge-running"}
    path = f"/api/v1/solutions/{platform.slug}/pledge"
    retry = await client.post(path, json=BODY, headers=headers)
    assert retry.status_code == 409
    assert "still being handled" in retry.json()["error"]["message"]
    assert await _pledges() == 0
    # still refused while the claim is younger than the bound
    await _claimed_ago(tokens.UNFINISHED_CLAIM.total_seconds() - 5)
    assert (await client.post(path, json=BODY, headers=headers)).status_code == 409
    assert await _pledges() == 0


async def test_a_claim_whose_request_died_is_taken_over_and_the_pledge_made_once(
    client, platform, glasgow_token
):
    await _claim_left_by_another_request(platform.slug, "pledge-crashed")
    await _claimed_ago(tokens.UNFINISHED_CLAIM.total_seconds() + 1)
    headers = {**bearer(glasgow_token), "Idempotency-Key": "pledge-crashed"}
    path = f"/api/v1/solutions/{platform.slug}/pledge"
    taken = await client.post(path, json=BODY, headers=headers)
    assert taken.status_code == 200, taken.text
    again = await client.post(path, json=BODY, headers=headers)
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == taken.json()
    assert await _pledges() == 1


async def test_retries_racing_each_other_make_one_pledge(client, platform, glasgow_token):
    headers = {**bearer(glasgow_token), "Idempotency-Key": "pledge-race"}
    path = f"/api/v1/solutions/{platform.slug}/pledge"
    answers = await asyncio.gather(
        *(client.post(path, json=BODY, headers=headers) for _ in range(6))
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {200, 409}
    assert 200 in statuses
    assert await _pledges() == 1
    settled = await client.post(path, json=BODY, headers=headers)
    assert settled.status_code == 200
    assert settled.headers["idempotent-replayed"] == "true"


async def test_a_claim_that_is_taken_over_by_one_retry_is_not_taken_by_another(
    client, platform, glasgow_token
):
    await _claim_left_by_another_request(platform.slug, "pledge-two-takers")
    await _claimed_ago(tokens.UNFINISHED_CLAIM.total_seconds() + 1)
    token = await ApiToken.select(ApiToken.id).first()
    body = msgspec.convert(BODY, requests.PledgeInput)
    digest = request_digest("POST", f"/api/v1/solutions/{platform.slug}/pledge", body)
    first, second = await asyncio.gather(
        tokens.reserve_idempotency(token["id"], "pledge-two-takers", digest),
        tokens.reserve_idempotency(token["id"], "pledge-two-takers", digest),
        return_exceptions=True,
    )
    outcomes = sorted([type(first).__name__, type(second).__name__])
    assert outcomes == ["Conflict", "NoneType"]


async def test_a_create_that_died_after_its_change_is_answered_not_done_again(
    client, glasgow_officer, glasgow_token
):
    """The first request's solution was committed, then its process died before it kept the
    answer: the retry answers with that solution at once, and there is still one."""
    data = solution_data("platform", "glasgow-city", title="Waste collection app")
    key = "create-died-after-commit"
    token = await ApiToken.select(ApiToken.id).first()
    digest = request_digest(
        "POST", "/api/v1/solutions", msgspec.convert(data, requests.SolutionInput)
    )
    assert await tokens.reserve_idempotency(token["id"], key, digest) is None

    async def as_the_api_marks_it(change) -> None:
        await tokens.work_done(token["id"], key, change.subject_slug)

    marking = changes.when_written.set(as_the_api_marks_it)
    try:
        created = await catalogue.create_solution(glasgow_officer, data)
    finally:
        changes.when_written.reset(marking)
    # ...and here the first request's process died, its answer never kept

    headers = {**bearer(glasgow_token), "Idempotency-Key": key}
    retry = await client.post("/api/v1/solutions", json=data, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["slug"] == created.slug
    assert await Solution.count() == 1
    again = await client.post("/api/v1/solutions", json=data, headers=headers)
    assert again.json() == retry.json()
    assert await Solution.count() == 1


async def test_a_failed_create_leaves_its_key_free_and_nothing_done(client, glasgow_token):
    data = solution_data("platform", "no-such-council", title="Waste collection app")
    headers = {**bearer(glasgow_token), "Idempotency-Key": "create-refused"}
    refused = await client.post("/api/v1/solutions", json=data, headers=headers)
    assert refused.status_code == 422, refused.text
    assert "owner" in refused.json()["error"]["fields"]
    assert await ApiIdempotency.count() == 0
    assert await Solution.count() == 0
