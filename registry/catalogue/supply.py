"""Bought through: the one link between a platform or component and a joint procurement (and
its lot) through which a council can buy it. Both pages show it, the platform's as "Bought
through" and the procurement's as "Supplies"; the owners of either side (and the Digital
Office's curators) keep it, and every change writes its audit event on the solution side, in
the same transaction, with both search documents queued.
"""

from __future__ import annotations

from registry import db
from registry.accounts import Actor, require_signed_in
from registry.catalogue.reading import solution_ref
from registry.changes import to_solution
from registry.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.tables import Solution, SupplyRoute
from registry.validation import Checker

BOUGHT_KINDS = ("platform", "component")


async def _sides(actor: Actor, solution_slug: str, procurement_slug: str) -> tuple[dict, dict]:
    """The solution and the procurement, once the actor is known to keep one of them."""
    require_signed_in(actor)
    checker = Checker({"solution": solution_slug, "procurement": procurement_slug})
    solution_slug = checker.slug("solution", "Solution")
    procurement_slug = checker.slug("procurement", "Procurement")
    checker.raise_if_invalid()
    solution = await solution_ref(solution_slug, actor)
    procurement = await solution_ref(procurement_slug, actor)
    if not (
        actor.may("solution.edit", solution["owner"])
        or actor.may("solution.edit", procurement["owner"])
    ):
        raise PermissionDenied(
            "Only the owners of the solution or of the procurement can change how it is bought"
        )
    if solution["kind"] not in BOUGHT_KINDS:
        raise ValidationFailed(
            {"solution": "Only a platform or a component is bought through a procurement"}
        )
    if procurement["kind"] != "procurement":
        raise ValidationFailed({"procurement": "Choose a joint procurement"})
    return solution, procurement


def _lot(raw: object) -> str:
    checker = Checker({"lot": raw})
    lot = checker.text("lot", "Lot", max_length=200, multiline=False)
    checker.raise_if_invalid()
    return lot


async def link_supply(
    actor: Actor, solution_slug: str, procurement_slug: str, lot: object = ""
) -> bool:
    """Record that `solution_slug` can be bought through `procurement_slug` (on `lot`); False
    when that link was already there."""
    solution, procurement = await _sides(actor, solution_slug, procurement_slug)
    lot = _lot(lot)
    if "retired" in (solution["status"], procurement["status"]):
        raise Conflict("A retired solution or procurement takes no new links")
    key = (
        (SupplyRoute.solution == solution["id"])
        & (SupplyRoute.procurement == procurement["id"])
        & (SupplyRoute.lot == lot)
    )
    try:
        async with to_solution(actor, "supply.link", solution["id"], solution["slug"]) as change:
            if await SupplyRoute.exists().where(key):
                return change.unchanged(False)
            await SupplyRoute.insert(
                SupplyRoute(
                    solution=solution["id"],
                    procurement=procurement["id"],
                    lot=lot,
                    created_by=actor.user_id,
                )
            )
            change.reindex(procurement["id"])
            change.after = {"procurement": procurement["slug"], "lot": lot}
    except Exception as exc:
        if db.is_unique_violation(exc):  # the same link made at the same moment
            return False
        raise
    return True


async def unlink_supply(
    actor: Actor, solution_slug: str, procurement_slug: str, lot: object = ""
) -> None:
    solution, procurement = await _sides(actor, solution_slug, procurement_slug)
    lot = _lot(lot)
    async with to_solution(actor, "supply.unlink", solution["id"], solution["slug"]) as change:
        removed = (
            await SupplyRoute.delete()
            .where(
                (SupplyRoute.solution == solution["id"])
                & (SupplyRoute.procurement == procurement["id"])
                & (SupplyRoute.lot == lot)
            )
            .returning(SupplyRoute.id)
        )
        if not removed:
            raise NotFound(f"{solution['title']} is not linked to {procurement['title']}")
        change.reindex(procurement["id"])
        change.before = {"procurement": procurement["slug"], "lot": lot}


MAX_CHOICES = 500


async def supply_choices(kind: str) -> list[dict]:
    """What a `kind` solution's page offers to link to: published procurements for a platform
    or component, published platforms and components for a procurement (by title, at most
    MAX_CHOICES)."""
    other = ["procurement"] if kind in BOUGHT_KINDS else list(BOUGHT_KINDS)
    return (
        await Solution.select(Solution.slug, Solution.title)
        .where(Solution.kind.is_in(other) & Solution.status.not_in(["draft", "retired"]))
        .order_by(Solution.title)
        .limit(MAX_CHOICES)
    )
