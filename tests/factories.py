"""Small factories for tests: organisations, users acting for them, and solutions of each kind.

They go through the same services as the application wherever a service exists, so a factory
cannot build a record the registry itself would refuse.
"""

from __future__ import annotations

import itertools
from typing import Any

from registry import accounts, catalogue
from registry.accounts import Actor
from registry.tables import Organisation

_counter = itertools.count(1)
SYSTEM = accounts.system_actor("test")
PASSWORD = "correct horse battery staple"

# The people of the shared organisation fixtures (tests/conftest.py), by the address they sign in
# with.
GLASGOW_OFFICER = "officer@glasgow.gov.uk"
FIFE_ADMIN = "admin@fife.gov.uk"
EDINBURGH_OFFICER = "officer@edinburgh.gov.uk"
EXCEL_BUYER = "buyer@scotland-excel.gov.uk"
CURATOR = "curator@digitaloffice.scot"


async def make_org(slug: str | None = None, kind: str = "council", **values: Any) -> dict:
    n = next(_counter)
    slug = slug or f"org-{n}"
    row = Organisation(
        slug=slug,
        name=values.pop("name", f"{slug.replace('-', ' ').title()} Council"),
        kind=kind,
        org_id=values.pop("org_id", None),
        **values,
    )
    await row.save()
    return await accounts.organisation_by_slug(slug)


async def make_actor(
    organisation: dict | None = None,
    role: str = "member",
    *,
    digital_office: bool = False,
    email: str | None = None,
) -> Actor:
    n = next(_counter)
    email = email or f"user{n}@example.gov.uk"
    await accounts.create_user(
        SYSTEM, email, f"User {n}", PASSWORD, is_digital_office=digital_office
    )
    if organisation is not None:
        await accounts.add_member(SYSTEM, email, organisation["slug"], role)
    user = await accounts.User.select(accounts.User.id).where(accounts.User.email == email).first()
    actor = await accounts.load_actor(user["id"])
    assert actor is not None
    return actor


def solution_data(kind: str, owner: str, **overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    base: dict[str, Any] = {
        "kind": kind,
        "title": f"Shared {kind} number {n}",
        "summary": f"A {kind} councils can reuse.",
        "owner": owner,
        "status": {
            "platform": "live",
            "procurement": "planned",
            "challenge": "open",
            "component": "available",
        }[kind],
        "service_areas": ["digital_and_ict"],
        "characteristics": ["collaborative"],
        "tags": ["reuse"],
    }
    if kind == "procurement":
        base |= {
            "procurement_body": owner,
            "call_off_method": "mini_competition",
            "starts_on": "2025-01-01",
            "ends_on": "2027-12-31",
            "max_suppliers": 3,
        }
    elif kind == "challenge":
        base |= {
            "problem_statement": "Citizens struggle to find the right service.",
            "stage": "open_for_applications",
        }
    elif kind == "component":
        base |= {"licence": "MIT", "software_type": "library", "development_status": "beta"}
    return base | overrides


async def make_solution(
    kind: str = "platform", owner: dict | None = None, **overrides
) -> catalogue.SolutionView:
    owner = owner or await make_org()
    return await catalogue.create_solution(SYSTEM, solution_data(kind, owner["slug"], **overrides))
