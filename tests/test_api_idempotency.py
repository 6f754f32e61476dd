"""Retries with an Idempotency-Key when the first request is still running, or died before it
answered: a retry racing the first gets 409 and changes nothing; a claim that never finished
is taken over after `tokens.UNFINISHED_CLAIM`, and the work is done once."""

from __future__ import annotations

import asyncio
import datetime as dt

import msgspec
import pytest

from registry.accounts import tokens
from registry.tables import ApiIdempotency, ApiToken, AuditEvent
from registry.web.api import requests
from registry.web.api.common import request_digest
from tests.factories import make_solution
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
