"""The kind descriptor is the one home of a kind's fields: every field of every kind is asked
for by the form, shown on the detail page (as its own row of the facts list, or as a part of
the row it joins) and given by the JSON API, so a field added to the descriptor cannot be
forgotten by a page. An empty fact is shown as "Not known", never left out."""

from __future__ import annotations

import pytest

from registry.catalogue.kinds import COMMON, KINDS, Field
from tests.factories import make_actor, make_org, make_solution
from tests.web import html, sign_in

OWNER_EMAIL = "owner@kinds.example.gov.uk"


def example(field: Field, organisation: str) -> object:
    """A value a person could enter for `field`: every field of a kind filled in."""
    values = {
        "line": f"Example {field.name.replace('_', ' ')}",
        "text": "Example paragraph",
        "markdown": "1. Example *step*",
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
        "dated_links": [
            {"title": f"Example {field.name}", "url": "https://example.org/d", "as_of": "2021-01"}
        ],
        "lots": [{"name": "Lot 1: software", "suppliers": ["Example Supplier Ltd"]}],
        "notes": {"contact_name": "Example note on the contact"},
    }
    if field.name == "maintenance_type":
        return "contract"  # so the contractor and the date it names are asked for too
    if field.type == "choice":
        return next(iter(field.options or {}))
    if field.type == "choices":
        return [next(iter(field.options or {}))]
    return values[field.type]


def facts_list(page) -> dict[str, str]:
    """The facts list's rows: each key with the words of its value."""
    rows = {}
    for row in page.css("#facts + .ds_summary-list .ds_summary-list__item"):
        key = " ".join(row.css_first("dt").text().split())
        rows[key] = " ".join(row.css_first("dd").text(separator=" ").split())
    return rows


@pytest.mark.parametrize("kind", list(KINDS))
async def test_every_field_of_a_kind_is_on_its_form_its_page_and_in_the_api(client, kind):
    descriptor = KINDS[kind]
    owner = await make_org("kind-owner", name="Kind Owner Council")
    await make_actor(owner, "org_admin", email=OWNER_EMAIL)
    editable = [f for f in descriptor.all_fields if not f.curator_only]
    filled = {
        f.name: example(f, owner["slug"])
        for f in descriptor.all_fields
        if f.shown or f.joins or f.type == "notes"
    }
    if kind in ("procurement", "challenge"):  # it ends after it starts
        filled |= {"starts_on": "2025-01-01", "ends_on": "2027-12-31"}
    solution = await make_solution(kind, owner, **filled)

    await sign_in(client, OWNER_EMAIL)
    form = html(await client.get(f"/solutions/{solution.slug}/edit"))
    asked = {node.attributes.get("name") for node in form.css("input, textarea, select")}
    for field in editable:
        if field.name != "owner":  # the owner is moved by the Digital Office only
            assert field.name in asked, f"the {kind} form does not ask for {field.name}"

    page = html(await client.get(f"/solutions/{solution.slug}"))
    facts = facts_list(page)
    for lead in descriptor.facts:
        label = descriptor.label_of(lead)
        assert label in facts, f"the {kind} page does not show {lead.name}: {list(facts)}"
        assert facts[label] != "Not known", f"the {kind} page lost {lead.name}"
        for part in descriptor.parts_of(lead)[1:]:
            shown = str(filled[part.name])
            if part.type == "date":
                shown = "30 June 2025"
            assert shown in facts[label], f"the {kind} page does not show {part.name}"
    assert "Example note on the contact" in facts["Contact"]

    api = (await client.get(f"/api/v1/solutions/{solution.slug}")).json()
    given = {**api, **(api.get("details") or {})}
    for field in (*COMMON, *descriptor.fields):
        if not field.curator_only:
            assert field.name in given, f"the API does not give {field.name} of a {kind}"
    for name in filled:
        assert given[name] not in (None, "", [], {}), f"the API lost {name}"


@pytest.mark.parametrize("kind", list(KINDS))
async def test_an_empty_fact_is_shown_as_not_known_never_left_out(client, kind):
    descriptor = KINDS[kind]
    solution = await make_solution(kind)
    facts = facts_list(html(await client.get(f"/solutions/{solution.slug}")))
    for lead in descriptor.facts:
        assert descriptor.label_of(lead) in facts, f"{lead.name} is missing from a {kind}"
    for name in ("contact_name", "charging_model", "eligibility", "how_to_join", "sources"):
        label = descriptor.label_of(next(f for f in COMMON if f.name == name))
        assert facts[label] == "Not known", (name, facts[label])
    if descriptor.supply_label:
        assert facts[descriptor.supply_label] == "Not known"
