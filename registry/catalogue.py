"""Solutions: create, edit, publish and retire them, with the facts each kind must have.

Every write takes the `Actor` doing it, checks their membership of the owning organisation,
validates the whole record (reporting every problem at once), carries the version the caller
read (a stale one is refused with `Conflict`), and writes its audit event and search-outbox row
in the same transaction as the change. Solutions are retired, never deleted.

Input is a flat mapping: the common fields plus the kind's own (e.g. `reference`, `ends_on` for
a procurement), with organisations named by slug. `editable_fields` gives a solution back in
that same shape, so an edit form or a partial API update starts from what is stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from registry import audit, db, outbox
from registry.accounts import ANONYMOUS, Actor, require
from registry.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
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
    PUBLISHED_STATUS,
    SERVICE_AREAS,
    SOFTWARE_TYPES,
    SOLUTION_KINDS,
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
# Detail fields that name organisations by slug; stored as ids (or, for sponsors, slugs).
ORGANISATION_FIELDS = {"owner", "procurement_body", "operator"}
JSON_COLUMNS = {"service_areas", "characteristics", "tags", "links"}
DETAIL_JSON_COLUMNS = {"lots", "awarded_suppliers", "sponsors"}


def fields_of(kind: str) -> tuple[str, ...]:
    return COMMON_FIELDS + DETAIL_FIELDS[kind]


# -- validation -------------------------------------------------------------------------------


def _check(checker: Checker, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Convert and check every field of a `kind` solution; organisation slugs stay slugs."""
    c = checker
    common = {
        "slug": c.slug("slug", required=False),
        "title": c.text(
            "title", "Title", required=True, min_length=3, max_length=200, multiline=False
        ),
        "summary": c.text("summary", "Summary", required=True, max_length=280),
        "description": c.text("description", "Description", max_length=20_000),
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
            "reported_adopters", "Reported number of councils using it", maximum=400
        ),
        "reported_interested": c.integer(
            "reported_interested", "Reported number of councils interested", maximum=400
        ),
        "reported_note": c.text("reported_note", "Note on reported figures", max_length=300),
        "source": c.text("source", "Source", max_length=120, multiline=False),
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


async def _resolve_organisations(checker: Checker, common: dict, detail: dict) -> dict[str, dict]:
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


async def _free_slug(title: str) -> str:
    base = slugify(title)
    if len(base) < 3:
        base = f"{base}-solution"
    candidate, n = base, 1
    while await Solution.exists().where(Solution.slug == candidate):
        n += 1
        suffix = f"-{n}"
        candidate = base[: 80 - len(suffix)] + suffix
    return candidate


# -- reading ----------------------------------------------------------------------------------


def _may_see_drafts(actor: Actor, owner_id: int) -> bool:
    return actor.is_system or actor.is_digital_office or actor.role_in(owner_id) is not None


async def _row(slug: str) -> dict:
    row = await Solution.select().where(Solution.slug == slug).first().output(load_json=True)
    if row is None:
        raise NotFound(f"There is no solution called {slug!r}")
    return row


async def _detail(kind: str, solution_id: int) -> dict:
    table = DETAIL_TABLES[kind]
    row = await table.select().where(table.solution == solution_id).first().output(load_json=True)
    return row or {}


async def get_solution(slug: str, actor: Actor = ANONYMOUS) -> dict:
    """Everything stored about one solution. Drafts are visible only to their owner's members
    and the Digital Office; to anyone else they do not exist."""
    row = await _row(slug)
    if row["status"] == "draft" and not _may_see_drafts(actor, row["owner"]):
        raise NotFound(f"There is no solution called {slug!r}")
    return await _view(row)


async def _view(row: dict) -> dict:
    detail = await _detail(row["kind"], row["id"])
    org_ids = {row["owner"]}
    for name in ("procurement_body", "operator"):
        if detail.get(name):
            org_ids.add(detail[name])
    sponsors = detail.get("sponsors") or []
    orgs = await Organisation.select(
        Organisation.id,
        Organisation.slug,
        Organisation.name,
        Organisation.kind,
        Organisation.org_id,
    ).where(Organisation.id.is_in(list(org_ids)) | Organisation.slug.is_in(sponsors or [""]))
    by_id = {o["id"]: o for o in orgs}
    by_slug = {o["slug"]: o for o in orgs}

    def ref(org: dict | None) -> dict | None:
        return {"slug": org["slug"], "name": org["name"]} if org else None

    details: dict[str, Any] = {}
    for name in DETAIL_FIELDS[row["kind"]]:
        value = detail.get(name)
        if name in ("procurement_body", "operator"):
            value = ref(by_id.get(value)) if value else None
        elif name == "sponsors":
            value = [ref(by_slug[s]) for s in value or [] if s in by_slug]
        details[name] = value
    owner = by_id[row["owner"]]
    return {
        **{k: row[k] for k in COMMON_FIELDS if k != "owner"},
        "id": row["id"],
        "kind": row["kind"],
        "owner": owner["slug"],
        "owner_name": owner["name"],
        "owner_id": owner["id"],
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "details": details,
    }


def editable_fields(view: Mapping) -> dict[str, Any]:
    """A solution in the flat input shape `create_solution` and `update_solution` take."""
    values = {k: view[k] for k in COMMON_FIELDS}
    for name, value in view["details"].items():
        if name in ("procurement_body", "operator"):
            value = value["slug"] if value else ""
        elif name == "sponsors":
            value = [s["slug"] for s in value]
        values[name] = value
    return values


async def list_solutions(
    *, kind: str | None = None, page: int = 1, per_page: int = 20, owner_id: int | None = None
) -> tuple[list[dict], int]:
    """Published solutions (not drafts) in title order, a page at a time, with the total."""
    where = Solution.status != "draft"
    if kind:
        where &= Solution.kind == kind
    if owner_id is not None:
        where &= Solution.owner == owner_id
    total = await Solution.count().where(where)
    rows = (
        await Solution.select(
            Solution.id,
            Solution.slug,
            Solution.kind,
            Solution.title,
            Solution.summary,
            Solution.status,
            Solution.updated_at,
            Solution.owner.slug.as_alias("owner"),
            Solution.owner.name.as_alias("owner_name"),
        )
        .where(where)
        .order_by(Solution.title)
        .order_by(Solution.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return rows, total


# -- writing ----------------------------------------------------------------------------------


def _columns(common: dict, detail: dict, orgs: dict[str, dict]) -> tuple[dict, dict]:
    cols = {k: v for k, v in common.items() if k != "owner"}
    cols["owner"] = orgs[common["owner"]]["id"]
    det = dict(detail)
    for name in ("procurement_body", "operator"):
        if name in det:
            det[name] = orgs[det[name]]["id"] if det[name] else None
    return cols, det


def _snapshot(common: dict, detail: dict) -> dict:
    return {**common, **detail}


async def create_solution(actor: Actor, data: Mapping[str, Any]) -> dict:
    checker = Checker(data)
    kind = checker.choice("kind", "Kind", SOLUTION_KINDS)
    checker.raise_if_invalid()
    common, detail = _check(checker, kind)
    if not common["owner"]:
        checker.fail("owner", "Select the organisation that owns this solution")
    orgs = await _resolve_organisations(checker, common, detail)
    owner = orgs.get(common["owner"])
    if owner is not None:
        require(actor, "solution.create", owner)
        if kind == "procurement":
            require(actor, "solution.create.procurement", owner)
    if common["status"] == "retired":
        checker.fail("status", "A new solution cannot start retired")
    if common["slug"] and await Solution.exists().where(Solution.slug == common["slug"]):
        checker.fail("slug", "Slug is already used by another solution; choose another")
    checker.raise_if_invalid()
    if not common["slug"]:
        common["slug"] = await _free_slug(common["title"])

    cols, det = _columns(common, detail, orgs)
    try:
        async with db.transaction():
            inserted = await Solution.insert(Solution(kind=kind, **cols))
            solution_id = inserted[0]["id"]
            table = DETAIL_TABLES[kind]
            await table.insert(table(solution=solution_id, **det))
            await audit.record(
                actor,
                "solution.create",
                "solution",
                solution_id,
                subject_slug=common["slug"],
                organisation_id=owner["id"],
                after={"kind": kind, **_snapshot(common, detail)},
            )
            await outbox.enqueue(solution_id)
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ValidationFailed(
                {"slug": "Slug is already used by another solution; choose another"}
            ) from exc
        raise
    return await get_solution(common["slug"], actor)


def _may_edit(actor: Actor, view: Mapping, action: str = "solution.edit") -> None:
    require(actor, action, {"id": view["owner_id"], "name": view["owner_name"]})


async def update_solution(
    actor: Actor, slug: str, changes: Mapping[str, Any], expected_version: int
) -> dict:
    """Apply `changes` (any subset of the fields) to the solution as of `expected_version`."""
    current = await get_solution(slug, actor)
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise ValidationFailed({"version": "Version must be the whole number you last read"})
    _may_edit(actor, current, "solution.edit")
    if current["status"] == "retired":
        raise Conflict(f"{current['title']} is retired and can no longer be changed")
    unknown = set(changes) - set(fields_of(current["kind"])) - {"kind", "version"}
    if unknown:
        raise ValidationFailed({name: "This field is not part of the solution" for name in unknown})
    if "kind" in changes and changes["kind"] != current["kind"]:
        raise ValidationFailed({"kind": "The kind of a solution cannot be changed"})
    if (
        "owner" in changes
        and changes["owner"] != current["owner"]
        and not (actor.is_system or actor.is_digital_office)
    ):
        raise ValidationFailed(
            {"owner": "Only the Digital Office can move a solution to another owner"}
        )

    before_input = editable_fields(current)
    merged = {**before_input, **changes}
    if not merged.get("slug"):
        merged["slug"] = current["slug"]
    checker = Checker(merged)
    common, detail = _check(checker, current["kind"])
    orgs = await _resolve_organisations(checker, common, detail)
    if common["status"] == "draft" and current["status"] != "draft":
        checker.fail("status", "A published solution cannot go back to draft")
    if common["slug"] != current["slug"] and await Solution.exists().where(
        Solution.slug == common["slug"]
    ):
        checker.fail("slug", "Slug is already used by another solution; choose another")
    checker.raise_if_invalid()
    if common["status"] == "retired":
        _may_edit(actor, current, "solution.retire")

    before, after = audit.changes(before_input, _snapshot(common, detail))
    if not after:
        return current
    cols, det = _columns(common, detail, orgs)
    now = dt.datetime.now(dt.UTC)
    try:
        async with db.transaction():
            updated = (
                await Solution.update(
                    {
                        **{getattr(Solution, k): v for k, v in cols.items()},
                        Solution.version: Solution.version + 1,
                        Solution.updated_at: now,
                    }
                )
                .where((Solution.id == current["id"]) & (Solution.version == expected_version))
                .returning(Solution.version)
            )
            if not updated:
                latest = (
                    await Solution.select(Solution.version)
                    .where(Solution.id == current["id"])
                    .first()
                )
                raise Conflict(
                    f"Someone else saved {current['title']} after you opened it (you had "
                    f"version {expected_version}, it is now version {latest['version']}). "
                    "Nothing was saved: review their changes and make yours again.",
                    {"version": "This solution changed since you read it"},
                )
            table = DETAIL_TABLES[current["kind"]]
            await table.update({getattr(table, k): v for k, v in det.items()}).where(
                table.solution == current["id"]
            )
            action = "solution.update"
            if common["status"] != current["status"]:
                action = {"retired": "solution.retire"}.get(common["status"], "solution.status")
                if current["status"] == "draft":
                    action = "solution.publish"
            await audit.record(
                actor,
                action,
                "solution",
                current["id"],
                subject_slug=common["slug"],
                organisation_id=cols["owner"],
                before=before,
                after=after,
            )
            await outbox.enqueue(current["id"])
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ValidationFailed(
                {"slug": "Slug is already used by another solution; choose another"}
            ) from exc
        raise
    return await get_solution(common["slug"], actor)


async def publish_solution(actor: Actor, slug: str, expected_version: int) -> dict:
    current = await get_solution(slug, actor)
    if current["status"] != "draft":
        raise Conflict(f"{current['title']} is already published")
    return await update_solution(
        actor, slug, {"status": PUBLISHED_STATUS[current["kind"]]}, expected_version
    )


async def retire_solution(actor: Actor, slug: str, expected_version: int) -> dict:
    return await update_solution(actor, slug, {"status": "retired"}, expected_version)


async def solution_ref(slug: str, actor: Actor = ANONYMOUS) -> dict:
    """The few columns collaboration needs, with the same draft visibility as `get_solution`."""
    row = (
        await Solution.select(
            Solution.id,
            Solution.slug,
            Solution.title,
            Solution.kind,
            Solution.status,
            Solution.owner,
        )
        .where(Solution.slug == slug)
        .first()
    )
    if row is None or (row["status"] == "draft" and not _may_see_drafts(actor, row["owner"])):
        raise NotFound(f"There is no solution called {slug!r}")
    return row


__all__ = [
    "PermissionDenied",
    "create_solution",
    "editable_fields",
    "get_solution",
    "list_solutions",
    "publish_solution",
    "retire_solution",
    "update_solution",
]


async def organisation_choices() -> list[dict]:
    """Every organisation, by name, for the organisation fields of the solution form."""
    return await Organisation.select(
        Organisation.slug, Organisation.name, Organisation.kind
    ).order_by(Organisation.name)


async def editable_solution(actor: Actor, slug: str) -> dict:
    """A solution the actor may edit (as `get_solution` gives it), or the refusal."""
    view = await get_solution(slug, actor)
    _may_edit(actor, view)
    if view["status"] == "retired":
        raise Conflict(f"{view['title']} is retired and can no longer be changed")
    return view
