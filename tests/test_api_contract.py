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
    """A search whose page times per_page passes MAX_TOTAL_HITS: each number is within its
    bounds, but JSON Schema cannot state a rule across two parameters, so the document says it
    in words and such a request is refused with 422 naming page."""
    if case.path != "/api/v1/search" or not isinstance(case.query, dict):
        return False
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return False  # an invalid request is refused whatever its paging
    # generated as numbers or, by the boundary phase, as the strings sent
    page, per_page = (str(case.query.get(name, default)) for name, default in PAGING)
    if not (page.isascii() and page.isdigit() and per_page.isascii() and per_page.isdigit()):
        return False
    page, per_page = int(page), int(per_page)
    return 1 <= page <= MAX_TOTAL_HITS and 1 <= per_page <= 100 and page * per_page > MAX_TOTAL_HITS


def send(client: TestClient, case):
    """Send a generated request through the app's test client (the API takes no cookies, so a
    case never carries any)."""
    request = case.as_transport_kwargs(base_url=str(client.base_url))
    assert not request.pop("cookies", None)
    return client.request(**request)


@contract.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    # the app client is made once per operation and shared by its examples, on purpose
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_its_documented_contract(case, api):
    response = send(api, case)
    if beyond_the_paging_cap(case):
        assert response.status_code == 422
        assert set(response.json()["error"]["fields"]) == {"page"}
        # the one documented rule JSON Schema cannot carry; every other check still runs
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
    else:
        case.validate_response(response)  # every check schemathesis has is on by default


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


@pytest.mark.parametrize("path", ["/api/v1/solutions", "/api/v1/organisations"])
@pytest.mark.parametrize("query", ["kind=null", "kind=null&kind=null", "page=1&page=2"])
def test_a_list_refuses_values_its_schema_does_not_allow(api, path, query):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 422
    (name,) = response.json()["error"]["fields"]
    assert name == query.split("=")[0]
