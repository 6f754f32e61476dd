"""Writing solutions: create, edit, publish and retire.

Every write takes the `Actor` doing it and checks their membership of the owning organisation
before reading a single field of the input (an anonymous caller is refused at once), validates
the whole record (reporting every problem at once), carries the version the caller
read (a stale one is refused with `Conflict`), and writes its audit event and search-outbox row
in the same transaction as the change. Solutions are retired, never deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from typing import Any

from registry import audit, db, markdown
from registry.accounts import Actor, require, require_digital_office, require_signed_in
from registry.catalogue.fields import (
    CURATOR_FIELDS,
    DETAIL_TABLES,
    MARKDOWN_FIELDS,
    ORGANISATION_FIELDS,
    check_fields,
    fields_of,
    free_slug,
    resolve_organisations,
)
from registry.catalogue.kinds import KINDS
from registry.catalogue.reading import editable_fields, get_solution
from registry.catalogue.views import SolutionView
from registry.changes import change as new_change
from registry.changes import to_solution
from registry.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.organisations import organisation_by_slug
from registry.tables import Solution
from registry.validation import Checker
from registry.vocabulary import SOLUTION_KINDS

# One answer for every slug in use, whether or not the actor may see the solution holding it,
# so that choosing a slug never tells anyone an unpublished draft exists.
SLUG_TAKEN = "That web address name is taken; choose another"

# -- who may write ----------------------------------------------------------------------------


async def _may_create(actor: Actor, data: Mapping[str, Any]) -> None:
    """Refuse a creation before validating anything: by the actor's role in the owner the input
    names, or, where it names no organisation in the registry, by whether they may register a
    solution for any organisation at all (the missing owner is then reported with the rest)."""
    require_signed_in(actor)
    owner_slug = data.get("owner")
    owner = None
    if isinstance(owner_slug, str) and 0 < len(owner_slug.strip()) <= 80:
        with contextlib.suppress(NotFound):
            owner = await organisation_by_slug(owner_slug.strip())
    if owner is not None:
        require(actor, "solution.create", owner)
        if data.get("kind") == "procurement":
            require(actor, "solution.create.procurement", owner)
    elif not (actor.is_system or actor.organisations_for("solution.create")):
        raise PermissionDenied("You are not a member of an organisation that registers solutions")


def _refuse_curator_fields(
    actor: Actor, checker: Checker, data: Mapping[str, Any], current: Mapping[str, Any]
) -> None:
    """Only curators and the seed loader set the reported facts; anyone else may send them only
    unchanged (an edit form or API client sending back what it read), or empty on creation."""
    if actor.is_system or actor.is_digital_office:
        return
    for name, label in CURATOR_FIELDS.items():
        if name in data and not _same_value(data[name], current.get(name)):
            checker.fail(name, f"{label} can be set only by the Digital Office")


def _same_value(sent: Any, stored: Any) -> bool:
    if sent is None or (isinstance(sent, str) and not sent.strip()):
        return stored is None or stored == ""
    if isinstance(sent, str) and stored is not None and not isinstance(stored, str):
        return sent.strip() == str(stored)
    return sent == stored


# -- writing ----------------------------------------------------------------------------------


def _columns(common: dict, detail: dict, orgs: dict[str, dict]) -> tuple[dict, dict]:
    cols = {k: v for k, v in common.items() if k != "owner"}
    cols["owner"] = orgs[common["owner"]]["id"]
    det = dict(detail)
    for name in ORGANISATION_FIELDS & set(det):
        det[name] = orgs[det[name]]["id"] if det[name] else None
    return cols, det


def _snapshot(common: dict, detail: dict) -> dict:
    return {**common, **detail}


async def create_solution(actor: Actor, data: Mapping[str, Any]) -> SolutionView:
    await _may_create(actor, data)
    checker = Checker(data)
    _refuse_curator_fields(actor, checker, data, {})
    kind = checker.choice("kind", "Kind", SOLUTION_KINDS)
    checker.raise_if_invalid()
    common, detail = check_fields(checker, kind)
    if not common["owner"]:
        checker.fail("owner", "Select the organisation that owns this solution")
    orgs = await resolve_organisations(checker, kind, common, detail)
    owner = orgs.get(common["owner"])
    if owner is not None:
        # Already required of the owner as sent; the slug as checked (trimmed) is the one used.
        require(actor, "solution.create", owner)
        if kind == "procurement":
            require(actor, "solution.create.procurement", owner)
    if common["status"] == "retired":
        checker.fail("status", "A new solution cannot start retired")
    if common["slug"] and await Solution.exists().where(Solution.slug == common["slug"]):
        checker.fail("slug", SLUG_TAKEN)
    checker.raise_if_invalid()
    if not common["slug"]:
        common["slug"] = await free_slug(common["title"])

    cols, det = _columns(common, detail, orgs)
    for name in MARKDOWN_FIELDS:
        cols[f"{name}_html"] = await markdown.render_when_saving(cols[name])
    try:
        async with new_change(
            actor,
            "solution.create",
            "solution",
            subject_slug=common["slug"],
            organisation_id=owner["id"],
        ) as change:
            inserted = await Solution.insert(Solution(kind=kind, **cols))
            solution_id = inserted[0]["id"]
            table = DETAIL_TABLES[kind]
            await table.insert(table(solution=solution_id, **det))
            change.subject_id = solution_id
            change.after = {"kind": kind, **_snapshot(common, detail)}
            change.reindex(solution_id)
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ValidationFailed({"slug": SLUG_TAKEN}) from exc
        raise
    return await get_solution(common["slug"], actor)


def _may_edit(actor: Actor, view: SolutionView, action: str = "solution.edit") -> None:
    require(actor, action, {"id": view.owner_id, "name": view.owner.name})


async def update_solution(
    actor: Actor,
    slug: str,
    changes: Mapping[str, Any],
    expected_version: int,
    *,
    reason: str = "",
) -> SolutionView:
    """Apply `changes` (any subset of the fields) to the solution as of `expected_version`;
    a `reason` (checked by the caller) goes into the audit event with them."""
    require_signed_in(actor)
    current = await get_solution(slug, actor)
    _may_edit(actor, current, "solution.edit")
    if changes.get("status") == "retired":
        _may_edit(actor, current, "solution.retire")
    if current.status == "retired":
        raise Conflict(f"{current.title} is retired and can no longer be changed")
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise ValidationFailed({"version": "Version must be the whole number you last read"})
    unknown = set(changes) - set(fields_of(current.kind)) - {"kind", "version"}
    if unknown:
        raise ValidationFailed({name: "This field is not part of the solution" for name in unknown})
    if "kind" in changes and changes["kind"] != current.kind:
        raise ValidationFailed({"kind": "The kind of a solution cannot be changed"})
    if (
        "owner" in changes
        and changes["owner"] != current.owner.slug
        and not (actor.is_system or actor.is_digital_office)
    ):
        raise ValidationFailed(
            {"owner": "Only the Digital Office can move a solution to another owner"}
        )

    before_input = editable_fields(current)
    merged = {**before_input, **changes}
    if not merged.get("slug"):
        merged["slug"] = current.slug
    checker = Checker(merged)
    _refuse_curator_fields(actor, checker, changes, before_input)
    common, detail = check_fields(checker, current.kind)
    orgs = await resolve_organisations(checker, current.kind, common, detail)
    if common["status"] == "draft" and current.status != "draft":
        checker.fail("status", "A published solution cannot go back to draft")
    if common["slug"] != current.slug and await Solution.exists().where(
        Solution.slug == common["slug"]
    ):
        checker.fail("slug", SLUG_TAKEN)
    checker.raise_if_invalid()
    if common["status"] == "retired":
        _may_edit(actor, current, "solution.retire")

    before, after = audit.changes(before_input, _snapshot(common, detail))
    if not after:
        return current
    cols, det = _columns(common, detail, orgs)
    for name in MARKDOWN_FIELDS:
        if name in after:
            cols[f"{name}_html"] = await markdown.render_when_saving(cols[name])
    action = "solution.update"
    if common["status"] != current.status:
        action = {"retired": "solution.retire"}.get(common["status"], "solution.status")
        if current.status == "draft":
            action = "solution.publish"
    now = dt.datetime.now(dt.UTC)
    try:
        async with to_solution(
            actor, action, current.id, common["slug"], organisation_id=cols["owner"]
        ) as change:
            updated = (
                await Solution.update(
                    {
                        **{getattr(Solution, k): v for k, v in cols.items()},
                        Solution.version: Solution.version + 1,
                        Solution.updated_at: now,
                    }
                )
                .where((Solution.id == current.id) & (Solution.version == expected_version))
                .returning(Solution.version)
            )
            if not updated:
                latest = (
                    await Solution.select(Solution.version).where(Solution.id == current.id).first()
                )
                raise Conflict(
                    f"Someone else saved {current.title} after you opened it (you had "
                    f"version {expected_version}, it is now version {latest['version']}). "
                    "Nothing was saved: review their changes and make yours again.",
                    {"version": "This solution changed since you read it"},
                )
            table = DETAIL_TABLES[current.kind]
            await table.update({getattr(table, k): v for k, v in det.items()}).where(
                table.solution == current.id
            )
            change.before, change.after = before, after
            if reason:
                change.after = {**after, "reason": reason}
    except Exception as exc:
        if db.is_unique_violation(exc):
            raise ValidationFailed({"slug": SLUG_TAKEN}) from exc
        raise
    return await get_solution(common["slug"], actor)


async def publish_solution(actor: Actor, slug: str, expected_version: int) -> SolutionView:
    require_signed_in(actor)
    current = await get_solution(slug, actor)
    _may_edit(actor, current)
    if current.status != "draft":
        raise Conflict(f"{current.title} is already published")
    return await update_solution(
        actor, slug, {"status": KINDS[current.kind].published_status}, expected_version
    )


async def retire_solution(
    actor: Actor, slug: str, expected_version: int, reason: Any = None
) -> SolutionView:
    """Retire a solution, saying why: the reason is kept in its audit event."""
    require_signed_in(actor)
    current = await get_solution(slug, actor)
    _may_edit(actor, current, "solution.retire")
    checker = Checker({"reason": reason})
    reason = checker.text("reason", "Reason for retiring", required=True, max_length=500)
    checker.raise_if_invalid()
    return await update_solution(
        actor, slug, {"status": "retired"}, expected_version, reason=reason
    )


async def editable_solution(actor: Actor, slug: str) -> SolutionView:
    """A solution the actor may edit (as `get_solution` gives it), or the refusal."""
    require_signed_in(actor)
    view = await get_solution(slug, actor)
    _may_edit(actor, view)
    if view.status == "retired":
        raise Conflict(f"{view.title} is retired and can no longer be changed")
    return view


async def transfer_solution(
    actor: Actor, slug: str, new_owner_slug: str, expected_version: int | None
) -> SolutionView:
    """Move a solution to another owning organisation: the Digital Office's curators only.
    Audited with the owner before and after, and its search document follows (the owner is a
    facet). Interest, pledges and adoption stay where they are: they belong to the councils
    that recorded them."""
    require_digital_office(actor)
    current = await get_solution(slug, actor)
    if current.status == "retired":
        raise Conflict(f"{current.title} is retired and can no longer be changed")
    checker = Checker({"owner": new_owner_slug})
    owner_slug = checker.slug("owner", "New owner")
    checker.raise_if_invalid()
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise ValidationFailed({"version": "Version must be the whole number you last read"})
    try:
        owner = await organisation_by_slug(owner_slug)
    except NotFound:
        raise ValidationFailed(
            {"owner": "New owner must be an organisation in the registry"}
        ) from None
    if owner["id"] == current.owner_id:
        raise ValidationFailed({"owner": f"{owner['name']} already owns {current.title}"})
    async with to_solution(
        actor, "solution.transfer", current.id, current.slug, organisation_id=owner["id"]
    ) as change:
        updated = (
            await Solution.update(
                {
                    Solution.owner: owner["id"],
                    Solution.version: Solution.version + 1,
                    Solution.updated_at: dt.datetime.now(dt.UTC),
                }
            )
            .where((Solution.id == current.id) & (Solution.version == expected_version))
            .returning(Solution.id)
        )
        if not updated:
            raise Conflict(
                f"{current.title} changed after you opened it: nothing was moved. Look at it "
                "again, then move it.",
                {"version": "This solution changed since you read it"},
            )
        change.before = {"owner": current.owner.slug}
        change.after = {"owner": owner["slug"]}
    return await get_solution(slug, actor)


async def transferable_solution(actor: Actor, slug: str) -> SolutionView:
    """A solution a curator may move to another owner (as `get_solution` gives it), or the
    refusal: anyone else is refused before the solution is looked up."""
    require_digital_office(actor)
    view = await get_solution(slug, actor)
    if view.status == "retired":
        raise Conflict(f"{view.title} is retired and can no longer be changed")
    return view
