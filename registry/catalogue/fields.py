"""What a solution of each kind is made of, and the checks its fields must pass.

Input is a flat mapping: the common fields plus the kind's own (`reference` and `ends_on` for a
procurement, `licence` for a component...), with organisations named by slug. `check_fields`
converts and checks every field of a kind at once, so a person sees all their mistakes
together; `resolve_organisations` turns the slugs into rows, reporting unknown ones by field.
"""

from __future__ import annotations

import re
from typing import Any

from registry.tables import (
    ChallengeDetail,
    ComponentDetail,
    Organisation,
    PlatformDetail,
    ProcurementDetail,
    Solution,
)
from registry.validation import Checker
from registry.vocabulary import (
    CALL_OFF_METHODS,
    CHALLENGE_STAGES,
    CHARACTERISTICS,
    DEVELOPMENT_STATUSES,
    HOSTING,
    SERVICE_AREAS,
    SOFTWARE_TYPES,
    STATUSES,
)

DETAIL_TABLES = {
    "procurement": ProcurementDetail,
    "challenge": ChallengeDetail,
    "component": ComponentDetail,
    "platform": PlatformDetail,
}
COMMON_FIELDS = (
    "slug",
    "title",
    "summary",
    "description",
    "owner",
    "status",
    "service_areas",
    "characteristics",
    "tags",
    "links",
    "contact_name",
    "contact_email",
    "funding_target",
    "reported_adopters",
    "reported_interested",
    "reported_note",
    "source",
)
DETAIL_FIELDS = {
    "procurement": (
        "procurement_body",
        "reference",
        "lots",
        "max_suppliers",
        "awarded_suppliers",
        "call_off_method",
        "starts_on",
        "ends_on",
        "estimated_value",
    ),
    "challenge": (
        "problem_statement",
        "sponsors",
        "stage",
        "application_deadline",
        "route_to_adoption",
    ),
    "component": ("licence", "repository_url", "software_type", "development_status"),
    "platform": ("operator", "hosting"),
}
# Facts that come from reference documents, which only the Digital Office's curators and the
# seed loader may set or change: a member who could set them could claim "400 councils use it"
# and rank first by adoption. Each with its label, for the refusal that names it.
CURATOR_FIELDS = {
    "reported_adopters": "Reported number of councils using it",
    "reported_interested": "Reported number of councils interested",
    "reported_note": "Note on reported figures",
    "source": "Source",
}
# Detail fields that name organisations by slug; stored as ids (or, for sponsors, slugs).
ORGANISATION_FIELDS = {"owner", "procurement_body", "operator"}
JSON_COLUMNS = {"service_areas", "characteristics", "tags", "links"}
DETAIL_JSON_COLUMNS = {"lots", "awarded_suppliers", "sponsors"}


def fields_of(kind: str) -> tuple[str, ...]:
    return COMMON_FIELDS + DETAIL_FIELDS[kind]


# -- validation -------------------------------------------------------------------------------


def check_fields(checker: Checker, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Convert and check every field of a `kind` solution; organisation slugs stay slugs."""
    c = checker
    common = {
        "slug": c.slug("slug", required=False),
        "title": c.text(
            "title", "Title", required=True, min_length=3, max_length=200, multiline=False
        ),
        "summary": c.text("summary", "Summary", required=True, max_length=280),
        "description": c.markdown("description", "Description", max_length=20_000),
        "owner": c.slug("owner", "Owner"),
        "status": c.choice("status", "Status", {s: s for s in STATUSES[kind]}, required=False)
        or "draft",
        "service_areas": c.choices("service_areas", "Service areas", SERVICE_AREAS),
        "characteristics": c.choices("characteristics", "Characteristics", CHARACTERISTICS),
        "tags": [t.lower() for t in c.string_list("tags", "Tags", max_items=20, max_length=40)],
        "links": c.links("links"),
        "contact_name": c.text("contact_name", "Contact name", max_length=120, multiline=False),
        "contact_email": c.email("contact_email", "Contact email"),
        "funding_target": c.pence("funding_target", "Funding target"),
        "reported_adopters": c.integer(
            "reported_adopters", CURATOR_FIELDS["reported_adopters"], maximum=400
        ),
        "reported_interested": c.integer(
            "reported_interested", CURATOR_FIELDS["reported_interested"], maximum=400
        ),
        "reported_note": c.text("reported_note", CURATOR_FIELDS["reported_note"], max_length=300),
        "source": c.text("source", CURATOR_FIELDS["source"], max_length=120, multiline=False),
    }
    if kind == "procurement":
        detail = {
            "procurement_body": c.slug("procurement_body", "Procurement body"),
            "reference": c.text("reference", "Reference", max_length=100, multiline=False),
            "lots": c.string_list("lots", "Lots", max_items=50, max_length=200),
            "max_suppliers": c.integer(
                "max_suppliers", "Maximum number of suppliers", minimum=1, maximum=1000
            ),
            "awarded_suppliers": c.string_list(
                "awarded_suppliers", "Awarded suppliers", max_items=200, max_length=200
            ),
            "call_off_method": c.choice("call_off_method", "Call-off method", CALL_OFF_METHODS),
            "starts_on": c.date("starts_on", "Start date"),
            "ends_on": c.date("ends_on", "End date"),
            "estimated_value": c.pence("estimated_value", "Estimated value"),
        }
        if detail["starts_on"] and detail["ends_on"] and detail["ends_on"] < detail["starts_on"]:
            c.fail("ends_on", "End date must be the same as or after the start date")
        maximum, awarded = detail["max_suppliers"], detail["awarded_suppliers"]
        if maximum is not None and len(awarded) > maximum:
            c.fail(
                "awarded_suppliers",
                f"Awarded suppliers lists {len(awarded)} but the framework allows at most "
                f"{maximum}",
            )
    elif kind == "challenge":
        detail = {
            "problem_statement": c.text(
                "problem_statement", "Problem statement", required=True, max_length=5000
            ),
            "sponsors": c.string_list("sponsors", "Sponsors", max_items=20, max_length=80),
            "stage": c.choice("stage", "Stage", CHALLENGE_STAGES),
            "application_deadline": c.date("application_deadline", "Application deadline"),
            "route_to_adoption": c.text("route_to_adoption", "Route to adoption", max_length=5000),
        }
    elif kind == "component":
        detail = {
            "licence": c.licence("licence"),
            "repository_url": c.url("repository_url", "Repository address"),
            "software_type": c.choice("software_type", "Software type", SOFTWARE_TYPES),
            "development_status": c.choice(
                "development_status", "Development status", DEVELOPMENT_STATUSES
            ),
        }
    else:
        detail = {
            "operator": c.slug("operator", "Operator", required=False),
            "hosting": c.choice("hosting", "Hosting", HOSTING, required=False),
        }
    return common, detail


async def resolve_organisations(checker: Checker, common: dict, detail: dict) -> dict[str, dict]:
    """Look up every organisation the record names; unknown slugs become field errors."""
    wanted = {
        name: value
        for name, value in {**common, **detail}.items()
        if name in ORGANISATION_FIELDS and value
    }
    sponsors = detail.get("sponsors", [])
    slugs = set(wanted.values()) | set(sponsors)
    found = {}
    if slugs:
        rows = await Organisation.select(
            Organisation.id, Organisation.slug, Organisation.name, Organisation.kind
        ).where(Organisation.slug.is_in(list(slugs)))
        found = {row["slug"]: row for row in rows}
    labels = {"owner": "Owner", "procurement_body": "Procurement body", "operator": "Operator"}
    for name, value in wanted.items():
        if value not in found:
            checker.fail(name, f"{labels[name]} must be an organisation in the registry")
    unknown = [s for s in sponsors if s not in found]
    if unknown:
        checker.fail(
            "sponsors", f"Sponsors must be organisations in the registry: {', '.join(unknown)}"
        )
    return found


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].rstrip("-") or "solution"


async def free_slug(title: str) -> str:
    base = slugify(title)
    if len(base) < 3:
        base = f"{base}-solution"
    candidate, n = base, 1
    while await Solution.exists().where(Solution.slug == candidate):
        n += 1
        suffix = f"-{n}"
        candidate = base[: 80 - len(suffix)] + suffix
    return candidate
