"""API tokens as people and operators make them: the account's tokens page (the secret shown
once, revoking, an administrator's view of their organisation's tokens), the `registry token
create` command, and the API reference page."""

from __future__ import annotations

from registry.tables import ApiToken
from tests.clients import run_registry
from tests.factories import FIFE_ADMIN, GLASGOW_OFFICER, make_actor, make_solution
from tests.web import csrf_token, heading, html, live_scripts, post_form, sign_in, text_of, texts


async def test_a_person_makes_a_token_sees_it_once_and_it_works(client, glasgow_officer):
    await sign_in(client, GLASGOW_OFFICER)
    made = await post_form(
        client,
        "/account/tokens",
        "/account/tokens",
        {
            "organisation": "glasgow-city",
            "name": "Contract register",
            "scopes": ["read", "interest"],
        },
    )
    assert made.status_code == 201, made.text
    secret = html(made).css_first("#token-secret").attributes["value"]
    assert secret.startswith("ssr_")
    # only a hash is kept, and the page never shows the secret again
    assert not await ApiToken.exists().where(ApiToken.token_hash == secret)
    again = await client.get("/account/tokens")
    assert secret not in again.text
    assert "Contract register" in text_of(again, "#own-tokens")
    listed = await client.get("/api/v1/solutions", headers={"Authorization": f"Bearer {secret}"})
    assert listed.status_code == 200


async def test_a_refused_token_form_says_why_and_makes_nothing(client, glasgow_officer):
    await sign_in(client, GLASGOW_OFFICER)
    refused = await post_form(
        client, "/account/tokens", "/account/tokens", {"organisation": "glasgow-city", "name": ""}
    )
    assert refused.status_code == 422
    assert {"Enter a name", "Select at least one scope"} <= set(
        texts(refused, ".ds_error-summary__list a")
    )
    assert await ApiToken.count() == 0


async def test_revoking_on_the_page_stops_the_token(client, glasgow_officer):
    from registry.accounts import tokens

    issued = await tokens.issue_token(
        glasgow_officer, "glasgow-city", {"name": "Old system", "scopes": ["read"]}
    )
    await sign_in(client, GLASGOW_OFFICER)
    page = await client.get("/account/tokens")
    response = await client.post(
        f"/account/tokens/{issued.token.id}/revoke",
        data={"_csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "The token has been revoked" in response.text
    bearer = {"Authorization": f"Bearer {issued.secret}"}
    assert (await client.get("/api/v1/solutions", headers=bearer)).status_code == 401


async def test_an_administrator_sees_and_revokes_the_organisations_tokens(client, fife, fife_admin):
    from registry.accounts import tokens

    member = await make_actor(fife, "member")
    issued = await tokens.issue_token(member, "fife", {"name": "Bookings sync", "scopes": ["read"]})
    await sign_in(client, FIFE_ADMIN)
    page = await client.get("/account/tokens")
    assert "Bookings sync" in text_of(page, "#organisation-fife-tokens")
    await client.post(
        f"/account/tokens/{issued.token.id}/revoke", data={"_csrf_token": csrf_token(page)}
    )
    assert (await tokens.tokens_of(member))[0].state == "revoked"


async def test_someone_elses_token_cannot_be_revoked(client, glasgow_officer, fife):
    from registry.accounts import tokens

    member = await make_actor(fife, "member")
    issued = await tokens.issue_token(member, "fife", {"name": "Fife's", "scopes": ["read"]})
    await sign_in(client, GLASGOW_OFFICER)
    page = await client.get("/account/tokens")
    response = await client.post(
        f"/account/tokens/{issued.token.id}/revoke", data={"_csrf_token": csrf_token(page)}
    )
    assert response.status_code == 404
    assert (await tokens.tokens_of(member))[0].state == "active"


async def test_the_account_page_links_to_the_tokens(client, glasgow_officer):
    await sign_in(client, GLASGOW_OFFICER)
    account = await client.get("/account")
    assert "/account/tokens" in [a.attributes.get("href") for a in html(account).css("a")]


async def test_the_command_makes_a_token_that_works(client, glasgow, fife, glasgow_officer):
    solution = await make_solution("platform", glasgow)
    made = run_registry(
        "token",
        "create",
        "--email",
        GLASGOW_OFFICER,
        "--organisation",
        "glasgow-city",
        "--scope",
        "interest",
        "--expires",
        "2099-12-31",
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    response = await client.post(
        f"/api/v1/solutions/{solution.slug}/interest",
        json={"organisation": "glasgow-city", "level": "following"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    refused = run_registry(
        "token", "create", "--email", GLASGOW_OFFICER, "--organisation", "fife", "--scope", "read"
    )
    assert refused.returncode == 1
    assert "not a member" in refused.stderr


async def test_the_api_reference_lists_every_operation_with_our_scripts_only(seeded_client):
    page = await seeded_client.get("/api")
    assert page.status_code == 200
    assert heading(page) == "The registry's API"
    rows = texts(page, ".registry-api-operations tbody tr")
    assert any("POST /api/v1/solutions/{slug}/pledge" in row for row in rows)
    assert any("GET /api/v1/programmes" in row for row in rows)
    assert live_scripts(page) == []
    viewer = await seeded_client.get("/assets/swagger-ui/swagger-ui-bundle.js")
    assert viewer.status_code == 200
    assert (await seeded_client.get("/static/api-reference.js")).status_code == 200
