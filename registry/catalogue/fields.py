"""Checking a solution's fields, as the kind descriptor (`kinds.py`) says each is checked.

Input is a flat mapping: the common fields plus the kind's own (`reference` and `ends_on` for a
procurement, `licence` for a component...), with organisations named by slug. `check_fields`
converts and checks every field of a kind at once, so a person sees all their mistakes
together; `resolve_organisations` turns the slugs into rows, reporting unknown ones by field.
"""

from __future__ import annotations

import re
from typing import Any

from registry.catalogue import structured
from registry.catalogue.kinds import COMMON, KINDS, status_options
from registry.tables import Organisation, Solution
from registry.validation import Checker

# Names derived from the kind descriptor (registry/catalogue/kinds.py) for the modules that
# read and write rows: which table holds a kind's facts, which fields it has, which are lists
# (JSON columns) and which name organisations.
DETAIL_TABLES = {name: kind.detail_table for name, kind in KINDS.items()}
COMMON_FIELDS = tuple(f.name for f in COMMON)
DETAIL_FIELDS = {name: tuple(f.name for f in kind.fields) for name, kind in KINDS.items()}
# Facts that come from reference documents, which only the Digital Office's curators and the
# seed loader may set or change: a member who could set them could claim "400 councils use it"
# and rank first by adoption. Each with its label, for the refusal that names it.
CURATOR_FIELDS = {f.name: f.label for f in COMMON if f.curator_only}
# Fields naming one organisation by slug, stored as its id.
ORGANISATION_FIELDS = {
    f.name for kind in KINDS.values() for f in kind.all_fields if f.type == "organisation"
}
JSON_COLUMNS = {f.name for f in COMMON if f.is_json}
DETAIL_JSON_COLUMNS = {f.name for kind in KINDS.values() for f in kind.fields if f.is_json}
# Markdown fields, each stored with its sanitised HTML beside it in `<name>_html`.
MARKDOWN_FIELDS = tuple(f.name for f in COMMON if f.type == "markdown")


def fields_of(kind: str) -> tuple[str, ...]:
    return COMMON_FIELDS + DETAIL_FIELDS[kind]


# -- validation -------------------------------------------------------------------------------


def check_fields(checker: Checker, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Convert and check every field of a `kind` solution, as its descriptor says, then the
    kind's rules across fields; organisation slugs stay slugs."""
    common: dict[str, Any] = {}
    descriptor = KINDS[kind]
    for f in COMMON:
        if f.type == "notes":
            common[f.name] = structured.check_notes(
                checker, f.name, f.label, descriptor.noted, max_items=f.max_items
            )
        elif f.name == "status":
            status = checker.choice("status", f.label, status_options(kind), required=False)
            common["status"] = status or "draft"
        else:
            common[f.name] = f.check(checker)
    detail = {f.name: f.check(checker) for f in descriptor.fields}
    for rule in descriptor.rules:
        rule(checker, detail)
    return common, detail


async def resolve_organisations(
    checker: Checker, kind: str, common: dict, detail: dict
) -> dict[str, dict]:
    """Look up every organisation a `kind` record names; unknown slugs become field errors."""
    values = {**common, **detail}
    named = [f for f in KINDS[kind].all_fields if f.names_organisation and values.get(f.name)]
    slugs: set[str] = set()
    for f in named:
        slugs |= set(values[f.name]) if f.is_list else {values[f.name]}
    found = {}
    if slugs:
        rows = await Organisation.select(
            Organisation.id, Organisation.slug, Organisation.name, Organisation.kind
        ).where(Organisation.slug.is_in(list(slugs)))
        found = {row["slug"]: row for row in rows}
    for f in named:
        if f.is_list:
            unknown = [s for s in values[f.name] if s not in found]
            if unknown:
                checker.fail(
                    f.name,
                    f"{f.label} must be organisations in the registry: {', '.join(unknown)}",
                )
        elif values[f.name] not in found:
            checker.fail(f.name, f"{f.label} must be an organisation in the registry")
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
