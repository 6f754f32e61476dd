"""Writing through the JSON API with a token: every action of the pages, the same rules, and
the refusals a council's system meets (no token, another council's token, too few scopes, too
low a role, a revoked, expired or orphaned token, a cookie instead of a token, too many
requests), each changing nothing."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from registry import accounts
from registry.accounts import tokens
from registry.config import Settings
from registry.tables import ApiRateLimit, ApiToken, AuditEvent, Membership, Solution
from tests.clients import app_client
from tests.factories import SYSTEM, make_actor, make_solution, solution_data
from tests.web import csrf_token, sign_in

ALL_SCOPES = ["read", "interest", "sponsorship", "adoption", "solutions"]


async def token_for(actor, organisation_slug: str, *scopes: str, **extra) -> str:
    issued = await tokens.issue_token(
        actor, organisation_slug, {"name": "system", "scopes": list(scopes), **extra}
    )
    return issued.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def audit_count() -> int:
    return await AuditEvent.count()


@pytest.fixture
async def glasgow_token(glasgow_officer) -> str:
    return await token_for(glasgow_officer, "glasgow-city", *ALL_SCOPES)


@pytest.fixture
async def platform(fife, glasgow):
    """A live platform Fife owns, open to every council's interest and pledges."""
    return await make_solution("platform", fife, title="Shared booking platform")


# -- every page action over the API ---------------------------------------------------------------


async def test_interest_is_registered_changed_and_withdrawn(client, platform, glasgow_token):
    path = f"/api/v1/solutions/{platform.slug}/interest"
    body = {"organisation": "glasgow-city", "level": "exploring"}
    first = await client.post(path, json=body, headers=bearer(glasgow_token))
    assert first.status_code == 200, first.text
    assert [(i["organisation"]["slug"], i["level"]) for i in first.json()["interests"]] == [
        ("glasgow-city", "exploring")
    ]
    changed = await client.post(
        path, json={**body, "level": "intends_to_adopt"}, headers=bearer(glasgow_token)
    )
    assert [i["level"] for i in changed.json()["interests"]] == ["intends_to_adopt"]
    withdrawn = await client.post(
        f"{path}/withdraw", json={"organisation": "glasgow-city"}, headers=bearer(glasgow_token)
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["interests"] == []
    assert (await client.get(f"/api/v1/solutions/{platform.slug}")).json()["interests"] == []


async def test_a_pledge_is_made_changed_confirmed_and_withdrawn(client, platform, glasgow):
    admin = await make_actor(glasgow, "org_admin")
    secret = await token_for(admin, "glasgow-city", "sponsorship")
    path = f"/api/v1/solutions/{platform.slug}/pledge"
    made = await client.post(
        path,
        json={"organisation": "glasgow-city", "amount_pence": 250_000, "note": "From reserves"},
        headers=bearer(secret),
    )
    assert made.status_code == 200, made.text
    assert made.json()["sponsorship"]["pledged_pence"] == 250_000
    changed = await client.post(
        path,
        json={"organisation": "glasgow-city", "amount_pence": 300_000, "staff_days": 5},
        headers=bearer(secret),
    )
    assert changed.json()["sponsorship"]["staff_days"] == 5
    confirmed = await client.post(
        f"{path}/confirm", json={"organisation": "glasgow-city"}, headers=bearer(secret)
    )
    assert confirmed.json()["sponsorship"]["confirmed_pence"] == 300_000
    withdrawn = await client.post(
        f"{path}/withdraw", json={"organisation": "glasgow-city"}, headers=bearer(secret)
    )
    assert withdrawn.json()["sponsorship"]["pledges"] == []


async def test_adoption_is_recorded(client, platform, glasgow_token):
    response = await client.post(
        f"/api/v1/solutions/{platform.slug}/adoption",
        json={"organisation": "glasgow-city", "status": "live", "status_on": "2025-04-01"},
        headers=bearer(glasgow_token),
    )
    assert response.status_code == 200, response.text
    (adoption,) = response.json()["adoptions"]
    assert (adoption["organisation"]["slug"], adoption["status"], adoption["status_on"]) == (
        "glasgow-city",
        "live",
        "2025-04-01",
    )


async def test_a_solution_is_registered_edited_published_and_retired(client, glasgow):
    buyer = await make_actor(glasgow, "procurement")
    secret = await token_for(buyer, "glasgow-city", "solutions", "read")
    data = solution_data("component", "glasgow-city", status="draft", title="Pothole reporter")
    created = await client.post("/api/v1/solutions", json=data, headers=bearer(secret))
    assert created.status_code == 201, created.text
    slug, version = created.json()["slug"], created.json()["version"]
    assert created.json()["status"] == "draft"
    # a draft is the owner's: the public cannot read it, the token (read scope) can
    assert (await client.get(f"/api/v1/solutions/{slug}")).status_code == 404
    assert (
        await client.get(f"/api/v1/solutions/{slug}", headers=bearer(secret))
    ).status_code == 200

    edited = await client.patch(
        f"/api/v1/solutions/{slug}",
        json={"version": version, "summary": "Report potholes once, for every council."},
        headers=bearer(secret),
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["summary"] == "Report potholes once, for every council."
    stale = await client.patch(
        f"/api/v1/solutions/{slug}",
        json={"version": version, "summary": "An edit based on what was read before"},
        headers=bearer(secret),
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["fields"] == {"version": "This solution changed since you read it"}

    version = edited.json()["version"]
    published = await client.post(
        f"/api/v1/solutions/{slug}/publish", json={"version": version}, headers=bearer(secret)
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "available"
    retired = await client.post(
        f"/api/v1/solutions/{slug}/retire",
        json={"version": published.json()["version"]},
        headers=bearer(secret),
    )
    assert retired.status_code == 422
    assert "reason" in retired.text
    retired = await client.post(
        f"/api/v1/solutions/{slug}/retire",
        json={"version": published.json()["version"], "reason": "Replaced by a national one"},
        headers=bearer(secret),
    )
    assert retired.json()["status"] == "retired"
    assert (await client.get(f"/api/v1/solutions/{slug}")).json()["status"] == "retired"


async def test_a_refused_solution_names_its_fields_and_saves_nothing(client, glasgow_token):
    response = await client.post(
        "/api/v1/solutions",
        json={"kind": "platform", "owner": "glasgow-city", "title": "x", "summary": ""},
        headers=bearer(glasgow_token),
    )
    assert response.status_code == 422
    assert {"title", "summary"} <= set(response.json()["error"]["fields"])
    assert await Solution.count() == 0


async def test_a_body_with_an_unknown_field_or_wrong_type_is_refused(
    client, platform, glasgow_token
):
    path = f"/api/v1/solutions/{platform.slug}/interest"
    for body in (
        {"organisation": "glasgow-city", "level": "exploring", "colour": "red"},
        {"organisation": "glasgow-city", "level": "keen"},
        {"organisation": 7, "level": "exploring"},
    ):
        response = await client.post(path, json=body, headers=bearer(glasgow_token))
        assert response.status_code in (400, 422), (body, response.text)
        assert response.json()["error"]["code"] in ("invalid", "bad_request")


async def test_programmes_milestones_and_figures_are_kept_by_curators(client, digital_office):
    curator = await make_actor(digital_office, "org_admin", digital_office=True)
    secret = await token_for(curator, "digital-office", "programmes", "solutions")
    solution = await make_solution("platform", digital_office, title="Digital telecare hub")
    saved = await client.put(
        "/api/v1/programmes/telecare",
        json={
            "title": "Digital telecare",
            "summary": "Analogue to digital telecare by 2025.",
            "owner": "digital-office",
            "status": "active",
        },
        headers=bearer(secret),
    )
    assert saved.status_code == 200, saved.text
    linked = await client.post(
        "/api/v1/programmes/telecare/solutions",
        json={"solutions": [solution.slug]},
        headers=bearer(secret),
    )
    assert [s["slug"] for s in linked.json()["solutions"]] == [solution.slug]
    milestone = await client.put(
        "/api/v1/programmes/telecare/milestones/boxes",
        json={
            "title": "Digital alarm boxes deployed",
            "metric": "recorded",
            "target_value": 1000,
            "target_unit": "boxes",
        },
        headers=bearer(secret),
    )
    assert milestone.status_code == 200, milestone.text
    figure = await client.post(
        "/api/v1/programmes/telecare/milestones/boxes/figures",
        json={"value": 250, "as_of": "2025-01-31", "source": "Council returns"},
        headers=bearer(secret),
    )
    assert figure.status_code == 200, figure.text
    (boxes,) = figure.json()["milestones"]
    assert (boxes["progress"]["current"], boxes["progress"]["percent"]) == (250, 25)
    read = (await client.get("/api/v1/programmes/telecare")).json()
    assert read["milestones"][0]["progress"]["current"] == 250
    listed = (await client.get("/api/v1/programmes")).json()
    assert [p["slug"] for p in listed["items"]] == ["telecare"]
    history = (await client.get("/api/v1/programmes/telecare/history")).json()
    assert "Figure recorded" in [event["what"] for event in history["events"]]


async def test_history_of_a_solution_and_an_organisation(client, platform, glasgow_token):
    await client.post(
        f"/api/v1/solutions/{platform.slug}/interest",
        json={"organisation": "glasgow-city", "level": "following"},
        headers=bearer(glasgow_token),
    )
    solution = (await client.get(f"/api/v1/solutions/{platform.slug}/history")).json()
    assert solution["events"][0]["what"] == "Glasgow City Council registered interest"
    # people are named to readers with a token, not to the public
    assert solution["events"][0]["who"].startswith("Someone at")
    named = await client.get(
        f"/api/v1/solutions/{platform.slug}/history", headers=bearer(glasgow_token)
    )
    assert not named.json()["events"][0]["who"].startswith("Someone at")
    organisation = (await client.get("/api/v1/organisations/glasgow-city/history")).json()
    assert organisation["events"][0]["subject"]["slug"] == platform.slug
    too_deep = await client.get("/api/v1/organisations/glasgow-city/history?page=41")
    assert too_deep.status_code == 422


# -- refusals -----------------------------------------------------------------------------------


async def test_a_glasgow_token_cannot_act_for_fife(client, platform, glasgow_token):
    before = await audit_count()
    for path, body in (
        ("interest", {"organisation": "fife", "level": "exploring"}),
        ("pledge", {"organisation": "fife", "amount_pence": 100}),
        ("adoption", {"organisation": "fife", "status": "live"}),
    ):
        response = await client.post(
            f"/api/v1/solutions/{platform.slug}/{path}", json=body, headers=bearer(glasgow_token)
        )
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "forbidden"
    created = await client.post(
        "/api/v1/solutions", json=solution_data("platform", "fife"), headers=bearer(glasgow_token)
    )
    assert created.status_code == 403
    edited = await client.patch(
        f"/api/v1/solutions/{platform.slug}",
        json={"version": platform.version, "title": "Taken over by Glasgow"},
        headers=bearer(glasgow_token),
    )
    assert edited.status_code == 403
    assert await audit_count() == before
    detail = (await client.get(f"/api/v1/solutions/{platform.slug}")).json()
    assert (detail["title"], detail["interests"], detail["adoptions"]) == (
        "Shared booking platform",
        [],
        [],
    )


async def test_a_token_acts_only_for_its_own_organisation(client, platform, glasgow, edinburgh):
    """Someone in two councils: their Glasgow token cannot act for Edinburgh."""
    person = await make_actor(glasgow, "member")
    await accounts.add_member(SYSTEM, person.label, "city-of-edinburgh", "member")
    person = await accounts.load_actor(person.user_id)
    secret = await token_for(person, "glasgow-city", "interest")
    response = await client.post(
        f"/api/v1/solutions/{platform.slug}/interest",
        json={"organisation": "city-of-edinburgh", "level": "exploring"},
        headers=bearer(secret),
    )
    assert response.status_code == 403


@pytest.mark.parametrize("how", ["revoked", "expired", "left", "deactivated", "unknown"])
async def test_a_token_that_no_longer_works_is_refused(client, platform, glasgow_officer, how):
    secret = await token_for(glasgow_officer, "glasgow-city", "interest")
    if how == "revoked":
        await tokens.revoke_token(glasgow_officer, (await tokens.tokens_of(glasgow_officer))[0].id)
    elif how == "expired":
        await ApiToken.update(
            {ApiToken.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
        ).where(ApiToken.user == glasgow_officer.user_id)
    elif how == "left":
        await Membership.delete().where(Membership.user == glasgow_officer.user_id)
    elif how == "deactivated":
        await accounts.User.update({accounts.User.is_active: False}).where(
            accounts.User.id == glasgow_officer.user_id
        )
    else:
        secret = secret[:-4] + "AAAA"
    before = await audit_count()
    response = await client.post(
        f"/api/v1/solutions/{platform.slug}/interest",
        json={"organisation": "glasgow-city", "level": "exploring"},
        headers=bearer(secret),
    )
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorised"
    # reading with it is refused as well, rather than silently read as anyone
    assert (await client.get("/api/v1/solutions", headers=bearer(secret))).status_code == 401
    assert await audit_count() == before


async def test_a_token_loses_what_its_person_loses_at_once(client, platform, glasgow):
    admin = await make_actor(glasgow, "org_admin")
    secret = await token_for(admin, "glasgow-city", "sponsorship")
    path = f"/api/v1/solutions/{platform.slug}/pledge"
    await client.post(
        path, json={"organisation": "glasgow-city", "amount_pence": 500}, headers=bearer(secret)
    )
    await make_actor(glasgow, "org_admin")  # someone else stays administrator
    await accounts.add_member(SYSTEM, admin.label, "glasgow-city", "member")  # demoted
    confirm = await client.post(
        f"{path}/confirm", json={"organisation": "glasgow-city"}, headers=bearer(secret)
    )
    assert confirm.status_code == 403
    detail = (await client.get(f"/api/v1/solutions/{platform.slug}")).json()
    assert detail["sponsorship"]["confirmed_pence"] == 0


async def test_a_cookie_cannot_write_through_the_api(client, platform, glasgow_officer):
    from tests.factories import GLASGOW_OFFICER

    await sign_in(client, GLASGOW_OFFICER)
    page = await client.get(f"/solutions/{platform.slug}")
    before = await audit_count()
    response = await client.post(
        f"/api/v1/solutions/{platform.slug}/interest",
        json={"organisation": "glasgow-city", "level": "exploring"},
        headers={"x-csrftoken": csrf_token(page)},
    )
    assert response.status_code == 401
    assert "cookie" in response.json()["error"]["message"]
    assert await audit_count() == before
    # the same cookie still reads as its person, as the pages do
    assert (await client.get(f"/api/v1/solutions/{platform.slug}")).status_code == 200


async def test_a_retried_create_with_the_same_key_creates_one_solution(client, glasgow_token):
    data = solution_data("platform", "glasgow-city", title="Waste collection app")
    headers = {**bearer(glasgow_token), "Idempotency-Key": "5d0f6c1e-create-1"}
    first = await client.post("/api/v1/solutions", json=data, headers=headers)
    again = await client.post("/api/v1/solutions", json=data, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await Solution.count() == 1
    other = await client.post(
        "/api/v1/solutions", json={**data, "title": "Another app"}, headers=headers
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["error"]["fields"]
    assert await Solution.count() == 1


async def test_a_retried_pledge_with_the_same_key_is_made_once(client, platform, glasgow_token):
    headers = {**bearer(glasgow_token), "Idempotency-Key": "pledge-2025-04"}
    body = {"organisation": "glasgow-city", "amount_pence": 10_000}
    for _ in range(3):
        response = await client.post(
            f"/api/v1/solutions/{platform.slug}/pledge", json=body, headers=headers
        )
        assert response.status_code == 200
    events = await AuditEvent.count().where(AuditEvent.action == "sponsorship.pledge")
    assert events == 1


async def test_a_failed_request_leaves_its_key_free_for_the_retry(client, glasgow_token):
    headers = {**bearer(glasgow_token), "Idempotency-Key": "retry-after-fixing"}
    data = solution_data("platform", "glasgow-city", title="Library catalogue")
    refused = await client.post("/api/v1/solutions", json={**data, "summary": ""}, headers=headers)
    assert refused.status_code == 422
    # a different body under the same key is fine once the first one failed
    created = await client.post("/api/v1/solutions", json=data, headers=headers)
    assert created.status_code == 201


async def _window_started(seconds_ago: int) -> None:
    """Move every write window back in time, as if its first request came that long ago."""
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago)
    await ApiRateLimit.update({ApiRateLimit.window_started_at: started}).where(
        ApiRateLimit.key.like("%:write")
    )


async def test_too_many_writes_are_refused_with_when_to_retry(db, search_index, glasgow_officer):
    await make_solution("platform", await accounts.organisation_by_slug("glasgow-city"))
    slug = (await Solution.select(Solution.slug).first())["slug"]
    secret = await token_for(glasgow_officer, "glasgow-city", "interest", "read")
    settings = Settings.from_env(
        {**os.environ, "REGISTRY_API_WRITES_PER_MINUTE": "2", "REGISTRY_API_READS_PER_MINUTE": "5"}
    )
    body = {"organisation": "glasgow-city", "level": "following"}
    async with app_client(search_index, settings) as client:
        path = f"/api/v1/solutions/{slug}/interest"
        first = await client.post(path, json=body, headers=bearer(secret))
        assert first.headers["ratelimit-policy"] == '"writes";q=2;w=60'
        assert first.headers["ratelimit"].startswith('"writes";r=1;t=')
        await client.post(path, json=body, headers=bearer(secret))
        refused = await client.post(path, json=body, headers=bearer(secret))
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_requests"
        assert refused.headers["ratelimit"].startswith('"writes";r=0;')
        # Retry-After counts down to the end of the window: 50 seconds into it, about 10 remain
        await _window_started(seconds_ago=50)
        later = await client.post(path, json=body, headers=bearer(secret))
        assert later.status_code == 429
        assert 9 <= int(later.headers["retry-after"]) <= 11
        assert later.headers["ratelimit"].endswith(f";t={later.headers['retry-after']}")
        # once the window is over, writing is allowed again
        await _window_started(seconds_ago=61)
        again = await client.post(path, json=body, headers=bearer(secret))
        assert again.status_code == 200
        # reads have a limit of their own, and are still allowed
        read = await client.get(f"/api/v1/solutions/{slug}", headers=bearer(secret))
        assert read.status_code == 200
        assert read.headers["ratelimit-policy"] == '"reads";q=5;w=60'


async def test_the_write_limit_holds_across_parallel_requests(db, glasgow_officer):
    """The counting is one conditional update: however the requests interleave, no more than
    the limit pass."""
    import asyncio

    secret = await token_for(glasgow_officer, "glasgow-city", "interest")
    actor = await tokens.actor_for_token(secret, allow_demo=True)
    results = await asyncio.gather(
        *(tokens.count_request(actor.token_id, "write", 5) for _ in range(12))
    )
    assert sum(state.allowed for state in results) == 5
