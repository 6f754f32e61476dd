"""The JSON API against its own OpenAPI document, checked by schemathesis on the seeded catalogue.

Schemathesis reads /schema/openapi.json and sends each operation requests it generates from it,
valid and invalid, then runs all its checks on every answer: no server error, no status the
document does not list, every body in its documented shape (the registry's error shape
included), every schema-valid request accepted and every invalid one refused. The examples are
bounded so the whole contract runs in seconds on each database.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario
from schemathesis.specs.openapi.checks import positive_data_acceptance

from registry.catalogue import searching
from registry.catalogue.kinds import COMMON, KINDS
from registry.tables import Organisation, Solution
from registry.web.api.schemas import DETAILS, SolutionDetail
from registry.web.app import create_app
from search import MAX_TOTAL_HITS


@pytest.fixture
def api(seeded, seeded_index):
    # Synchronous, unlike the suite's other clients, because schemathesis sends its cases so.
    with TestClient(app=create_app(engine=seeded_index, database_pool=False)) as client:
        yield client


# The document the app serves at /schema/openapi.json, read once when the tests are collected
# (it depends only on the routes, not on the database or the search engine).
contract = schemathesis.openapi.from_dict(
    create_app(database_pool=False).openapi_schema.to_schema()
)


PAGING = (("page", 1), ("per_page", 20))


def beyond_the_paging_cap(case) -> bool:
    """A search (or a list in the search's order) whose page times per_page passes
    MAX_TOTAL_HITS: each number is within its bounds, but JSON Schema cannot state a rule across
    parameters, so the document says it in words and such a request is refused with 422 naming
    page."""
    if case.path not in ("/api/v1/search", "/api/v1/solutions") or not isinstance(case.query, dict):
        return False
    if case.path == "/api/v1/solutions" and not in_search_order(case.query):
        return False  # read from the database: every page is reachable
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return False  # an invalid request is refused whatever its paging
    # generated as numbers or, by the boundary phase, as the strings sent
    page, per_page = (str(case.query.get(name, default)) for name, default in PAGING)
    if not (page.isascii() and page.isdigit() and per_page.isascii() and per_page.isdigit()):
        return False
    page, per_page = int(page), int(per_page)
    return page >= 1 and 1 <= per_page <= 100 and page * per_page > MAX_TOTAL_HITS


def in_search_order(query: dict) -> bool:
    """The solutions' list takes the search's order (and its cap) with words or an order other
    than by title."""
    text = " ".join(str(query.get("q") or "").split())
    return bool(text) or query.get("sort") not in (None, "title")


def send(client: TestClient, case):
    """Send a generated request through the app's test client (the API takes no cookies, so a
    case never carries any)."""
    request = case.as_transport_kwargs(base_url=str(client.base_url))
    assert not request.pop("cookies", None)
    if isinstance(request.get("data"), bytes | str):  # a raw body, sent as it was generated
        request["content"] = request.pop("data")
    return client.request(**request)


@contract.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    # the app client is made once per operation and shared by its examples, on purpose
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_its_documented_contract(case, api):
    """Without a token: reads as anyone, and every write refused (401) before it changes the
    shared catalogue."""
    response = send(api, case)
    if beyond_the_paging_cap(case):
        assert response.status_code == 422
        assert set(response.json()["error"]["fields"]) == {"page"}
        # the one documented rule JSON Schema cannot carry; every other check still runs
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
    else:
        case.validate_response(response)  # every check schemathesis has


async def test_every_seeded_solution_and_organisation_answers_in_its_documented_shape(
    seeded, seeded_index
):
    """Generated slugs almost never exist, so every real record is checked here by name."""
    solutions = [r["slug"] for r in await Solution.select(Solution.slug)]
    organisations = [r["slug"] for r in await Organisation.select(Organisation.slug)]
    with TestClient(app=create_app(engine=seeded_index, database_pool=False)) as client:
        schema = schemathesis.openapi.from_dict(client.get("/schema/openapi.json").json())
        for path, slugs in (
            ("/api/v1/solutions/{slug}", solutions),
            ("/api/v1/organisations/{slug}", organisations),
        ):
            operation = schema[path]["GET"]
            for slug in slugs:
                case = operation.Case(path_parameters={"slug": slug})
                response = send(client, case)
                assert response.status_code == 200, (slug, response.text)
                case.validate_response(response)


def test_every_fact_of_a_solution_is_in_its_documented_shape():
    for kind in KINDS.values():
        assert DETAILS[kind.name].__struct_fields__ == tuple(f.name for f in kind.fields)
    assert {f.name for f in COMMON} <= set(SolutionDetail.__struct_fields__)


def test_the_document_lists_the_registrys_error_shape_and_enums(api):
    document = api.get("/schema/openapi.json").json()
    search = document["paths"]["/api/v1/search"]["get"]
    assert {"200", "422", "503"} <= set(search["responses"])
    error = search["responses"]["422"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorBody"}
    shape = document["components"]["schemas"]["ErrorDetail"]
    assert set(shape["required"]) == {"code", "message", "fields"}
    parameters = {p["name"]: p["schema"] for p in search["parameters"]}
    assert parameters["page"]["type"] == parameters["per_page"]["type"] == "integer"
    assert parameters["per_page"]["maximum"] == 100
    sort = parameters["sort"]
    assert set(searching.SORTS) <= set(sort.get("enum") or sort["oneOf"][0]["enum"])
    detail = document["paths"]["/api/v1/solutions/{slug}"]["get"]["responses"]
    assert "404" in detail


def test_options_and_a_method_not_allowed_name_every_method_of_the_path(api):
    """Reads and writes share paths (GET and PATCH a solution, GET and POST the list): the
    `Allow` of an OPTIONS answer names them all, as the document lists them."""
    document = api.get("/schema/openapi.json").json()
    for path, slug in (
        ("/api/v1/solutions", None),
        ("/api/v1/solutions/{slug}", "seemis"),
        ("/api/v1/programmes/{slug}", "telecare"),
        ("/api/v1/solutions/{slug}/interest", "seemis"),
    ):
        documented = {method.upper() for method in document["paths"][path]}
        answer = api.options(path.replace("{slug}", slug or ""))
        assert answer.status_code == 204
        assert set(answer.headers["allow"].split(", ")) == documented | {"OPTIONS"}, path


@pytest.mark.parametrize("path", ["/api/v1/solutions", "/api/v1/organisations"])
@pytest.mark.parametrize("query", ["kind=null", "kind=null&kind=null", "page=1&page=2"])
def test_a_list_refuses_values_its_schema_does_not_allow(api, path, query):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 422
    (name,) = response.json()["error"]["fields"]
    assert name == query.split("=")[0]


# -- every operation, reads and writes, with a token ---------------------------------------------

WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
async def token_api(db, search_index, glasgow, fife, digital_office):
    """The app over a small catalogue of the scratch database (writes change it), with a token
    that may do everything: a Digital Office curator administering Glasgow, all scopes. The
    rate limits are raised so the generated requests are never refused for their number."""
    import os

    from registry.accounts import tokens
    from registry.config import Settings
    from tests.factories import make_actor, make_solution
    from tests.test_api_writes import SYSTEM

    curator = await make_actor(glasgow, "org_admin", digital_office=True)
    await make_solution("platform", glasgow, slug="waste-app")
    await make_solution("platform", fife, slug="fife-bookings", status="draft")
    from registry import programmes

    await programmes.save_programme(
        SYSTEM,
        {"slug": "telecare", "title": "Telecare", "summary": "Digital.", "status": "active"},
        "digital-office",
    )
    issued = await tokens.issue_token(
        curator, "glasgow-city", {"name": "contract", "scopes": list(tokens.SCOPES)}
    )
    settings = Settings.from_env(
        {
            **os.environ,
            "REGISTRY_API_READS_PER_MINUTE": "1000000",
            "REGISTRY_API_WRITES_PER_MINUTE": "1000000",
        }
    )
    app = create_app(settings, engine=search_index, database_pool=False)
    with TestClient(app=app) as client:
        client.token = issued.secret  # type: ignore[attr-defined]
        yield client


def leaves_out_the_token(case) -> bool:
    """A case schemathesis made to see a request without its Authorization refused (401)."""
    data = case.meta.phase.data if case.meta is not None else None
    return (
        isinstance(data, CoveragePhaseData)
        and (data.parameter or "").lower() == "authorization"
        and data.scenario == CoverageScenario.MISSING_PARAMETER
    )


@contract.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_its_contract_with_a_token(case, token_api):
    if not leaves_out_the_token(case):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token_api.token}"}
    response = send(token_api, case)
    excluded = []
    if case.method.upper() in WRITES or beyond_the_paging_cap(case):
        # A write's body is checked against the registry's own rules too (an owner that
        # exists, a slug not taken, an end after a start), which a schema cannot state: a
        # schema-valid body may still be refused with 422 naming the field. Every other check
        # runs.
        excluded.append(positive_data_acceptance)
    case.validate_response(response, excluded_checks=excluded)
