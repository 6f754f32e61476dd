"""The kind descriptor is the one home of a kind's fields: every field of every kind is asked
for by the form, shown on the detail page and given by the JSON API, so a field added to the
descriptor cannot be forgotten by a page."""

from __future__ import annotations

import pytest

from registry.catalogue.kinds import COMMON, KINDS, Field
from tests.factories import make_actor, make_org, make_solution
from tests.web import html, sign_in

OWNER_EMAIL = "owner@kinds.example.gov.uk"


def example(field: Field, organisation: str) -> object:
    """A value a person could enter for `field`: every field of a kind filled in."""
    values = {
        "line": "Example words",
        "text": "Example paragraph",
        "markdown": "Example *paragraph*",
        "date": "2025-06-30",
        "pence": 123_450,
        "count": 3,
        "url": "https://example.org/code",
        "email": "team@example.gov.uk",
        "licence": "MIT",
        "organisation": organisation,
        "organisations": [organisation],
        "lines": ["First entry", "Second entry"],
        "links": [{"title": "Guidance", "url": "https://example.org/guidance"}],
    }
    if field.type == "choice":
        return next(iter(field.options or {}))
    if field.type == "choices":
        return [next(iter(field.options or {}))]
    return values[field.type]


@pytest.mark.parametrize("kind", list(KINDS))
async def test_every_field_of_a_kind_is_on_its_form_its_page_and_in_the_api(client, kind):
    descriptor = KINDS[kind]
    owner = await make_org("kind-owner", name="Kind Owner Council")
    await make_actor(owner, "org_admin", email=OWNER_EMAIL)
    filled = {f.name: example(f, owner["slug"]) for f in descriptor.fields}
    if kind == "procurement":  # a framework ends after it starts
        filled |= {"starts_on": "2025-01-01", "ends_on": "2027-12-31"}
    solution = await make_solution(kind, owner, **filled)

    await sign_in(client, OWNER_EMAIL)
    form = html(await client.get(f"/solutions/{solution.slug}/edit"))
    asked = {node.attributes.get("name") for node in form.css("input, textarea, select")}
    for field in descriptor.fields:
        assert field.name in asked, f"the {kind} form does not ask for {field.name}"

    page = html(await client.get(f"/solutions/{solution.slug}"))
    facts = {
        " ".join(node.text().split())
        for node in page.css("#facts + .ds_summary-list .ds_summary-list__key")
    }
    for field in descriptor.fields:
        if field.shown:
            assert field.fact_label in facts, f"the {kind} page does not show {field.name}: {facts}"

    api = (await client.get(f"/api/v1/solutions/{solution.slug}")).json()
    given = {**api, **(api.get("details") or {})}
    for field in (*COMMON, *descriptor.fields):
        if not field.curator_only:
            assert field.name in given, f"the API does not give {field.name} of a {kind}"
    for field in descriptor.fields:  # every one of them was filled in
        assert given[field.name] not in (None, "", [], {}), f"the API lost {field.name}"
