"""Interest, sponsorship and adoption: how councils signal demand, co-fund and record use.

Each action is taken by an `Actor` for one organisation, and only through a membership of that
organisation whose role allows it. Interest and pledges are "one active row per organisation
and solution": registering again updates the row (idempotent), and a partial unique index in
the database holds the rule even when two requests race; the loser of a race retries and finds
the winner's row. Withdrawing keeps the row with its withdrawal time, so history stays true.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from registry import audit, db, outbox
from registry.accounts import Actor, organisation_by_slug, require
from registry.catalogue import solution_ref
from registry.errors import Conflict, NotFound, PermissionDenied
from registry.tables import Adoption, Interest, Sponsorship
from registry.validation import MAX_STAFF_DAYS, Checker
from registry.vocabulary import ADOPTION_STATUSES, INTEREST_LEVELS

T = TypeVar("T")
RACE_RETRIES = 8


async def _retrying_races(work: Callable[[], Awaitable[T]]) -> T:
    """Run a transaction again when a concurrent one inserted the same active row first."""
    for attempt in range(RACE_RETRIES):
        try:
            return await work()
        except Exception as exc:
            if not db.is_unique_violation(exc) or attempt == RACE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _open_for_collaboration(solution: dict) -> None:
    if solution["status"] == "draft":
        raise Conflict(f"{solution['title']} is not published yet")
    if solution["status"] == "retired":
        raise Conflict(f"{solution['title']} is retired: it takes no new interest or pledges")


async def _target(actor: Actor, solution_slug: str, organisation_slug: str, action: str):
    """The solution and the organisation acted for, once the actor is known to be allowed to
    act for it; every service here calls this before reading any other input."""
    if not (actor.signed_in or actor.is_system):
        # Refused before anything is looked up, with the refusal `require` gives them.
        require(actor, action, {"id": None, "name": ""})
    solution = await solution_ref(solution_slug, actor)
    organisation = await organisation_by_slug(organisation_slug)
    require(actor, action, organisation)
    return solution, organisation


# -- interest ---------------------------------------------------------------------------------


async def register_interest(
    actor: Actor, solution_slug: str, organisation_slug: str, level: str
) -> dict:
    """Record that an organisation is following, exploring or intends to adopt a solution.

    Registering again changes the level of the one active interest; the same level again
    changes nothing."""
    solution, organisation = await _target(
        actor, solution_slug, organisation_slug, "interest.register"
    )
    checker = Checker({"level": level})
    level = checker.choice("level", "Level of interest", INTEREST_LEVELS)
    checker.raise_if_invalid()
    _open_for_collaboration(solution)
    active = (
        (Interest.solution == solution["id"])
        & (Interest.organisation == organisation["id"])
        & Interest.withdrawn_at.is_null()
    )

    async def work() -> dict:
        async with db.transaction():
            existing = await Interest.select().where(active).first()
            if existing and existing["level"] == level:
                return existing
            now = dt.datetime.now(dt.UTC)
            if existing:
                await Interest.update({Interest.level: level, Interest.updated_at: now}).where(
                    Interest.id == existing["id"]
                )
                interest_id, before = existing["id"], {"level": existing["level"]}
            else:
                inserted = await Interest.insert(
                    Interest(
                        solution=solution["id"],
                        organisation=organisation["id"],
                        level=level,
                        registered_by=actor.user_id,
                    )
                )
                interest_id, before = inserted[0]["id"], None
            await audit.record(
                actor,
                "interest.register",
                "solution",
                solution["id"],
                subject_slug=solution["slug"],
                organisation_id=organisation["id"],
                before=before,
                after={"organisation": organisation["slug"], "level": level},
            )
            await outbox.enqueue(solution["id"])
            return await Interest.select().where(Interest.id == interest_id).first()

    row = await _retrying_races(work)
    return {**row, "organisation_slug": organisation["slug"], "solution_slug": solution["slug"]}


async def withdraw_interest(actor: Actor, solution_slug: str, organisation_slug: str) -> None:
    solution, organisation = await _target(
        actor, solution_slug, organisation_slug, "interest.withdraw"
    )
    async with db.transaction():
        withdrawn = (
            await Interest.update({Interest.withdrawn_at: dt.datetime.now(dt.UTC)})
            .where(
                (Interest.solution == solution["id"])
                & (Interest.organisation == organisation["id"])
                & Interest.withdrawn_at.is_null()
            )
            .returning(Interest.id, Interest.level)
        )
        if not withdrawn:
            raise NotFound(f"{organisation['name']} has no interest in {solution['title']}")
        await audit.record(
            actor,
            "interest.withdraw",
            "solution",
            solution["id"],
            subject_slug=solution["slug"],
            organisation_id=organisation["id"],
            before={"organisation": organisation["slug"], "level": withdrawn[0]["level"]},
        )
        await outbox.enqueue(solution["id"])


# -- sponsorship ------------------------------------------------------------------------------


async def pledge(
    actor: Actor,
    solution_slug: str,
    organisation_slug: str,
    *,
    amount_pence: Any = 0,
    staff_days: Any = 0,
    note: str = "",
) -> dict:
    """Pledge money (whole pence) and/or staff days. Pledging again replaces the amounts of the
    active pledge; a confirmed pledge whose amounts change goes back to pledged."""
    solution, organisation = await _target(
        actor, solution_slug, organisation_slug, "sponsorship.pledge"
    )
    checker = Checker({"amount_pence": amount_pence, "staff_days": staff_days, "note": note})
    amount = checker.pence("amount_pence", "Amount") or 0
    days = checker.integer("staff_days", "Staff days", maximum=MAX_STAFF_DAYS) or 0
    note = checker.text("note", "Note", max_length=500)
    if not checker.errors and amount == 0 and days == 0:
        checker.fail("amount_pence", "Enter an amount of money, a number of staff days, or both")
    checker.raise_if_invalid()
    _open_for_collaboration(solution)
    active = (
        (Sponsorship.solution == solution["id"])
        & (Sponsorship.organisation == organisation["id"])
        & (Sponsorship.status != "withdrawn")
    )

    async def work() -> dict:
        async with db.transaction():
            existing = await Sponsorship.select().where(active).first()
            now = dt.datetime.now(dt.UTC)
            if existing:
                unchanged = (existing["amount_pence"], existing["staff_days"]) == (amount, days)
                if unchanged and existing["note"] == note:
                    return existing
                status = existing["status"] if unchanged else "pledged"
                await Sponsorship.update(
                    {
                        Sponsorship.amount_pence: amount,
                        Sponsorship.staff_days: days,
                        Sponsorship.note: note,
                        Sponsorship.status: status,
                        Sponsorship.updated_at: now,
                    }
                ).where(Sponsorship.id == existing["id"])
                pledge_id = existing["id"]
                before = {k: existing[k] for k in ("amount_pence", "staff_days", "status")}
            else:
                inserted = await Sponsorship.insert(
                    Sponsorship(
                        solution=solution["id"],
                        organisation=organisation["id"],
                        amount_pence=amount,
                        staff_days=days,
                        note=note,
                        status="pledged",
                        pledged_by=actor.user_id,
                    )
                )
                pledge_id, before, status = inserted[0]["id"], None, "pledged"
            await audit.record(
                actor,
                "sponsorship.pledge",
                "solution",
                solution["id"],
                subject_slug=solution["slug"],
                organisation_id=organisation["id"],
                before=before,
                after={
                    "organisation": organisation["slug"],
                    "amount_pence": amount,
                    "staff_days": days,
                    "status": status,
                },
            )
            await outbox.enqueue(solution["id"])
            return await Sponsorship.select().where(Sponsorship.id == pledge_id).first()

    return await _retrying_races(work)


async def _change_pledge(
    actor: Actor, solution_slug: str, organisation_slug: str, action: str, status: str
) -> None:
    solution, organisation = await _target(actor, solution_slug, organisation_slug, action)
    changes: dict = {Sponsorship.status: status, Sponsorship.updated_at: dt.datetime.now(dt.UTC)}
    if status == "withdrawn":
        changes[Sponsorship.withdrawn_at] = dt.datetime.now(dt.UTC)
    # A confirmed pledge is the organisation's commitment: undoing it takes the role that
    # confirms. The statuses go into the update itself, so a confirmation landing between a
    # check and the write cannot be undone by someone without that role.
    may_undo_confirmation = actor.may("sponsorship.confirm", organisation["id"])
    if status == "confirmed" or not may_undo_confirmation:
        from_statuses = ["pledged"]
    else:
        from_statuses = ["pledged", "confirmed"]
    async with db.transaction():
        changed = (
            await Sponsorship.update(changes)
            .where(
                (Sponsorship.solution == solution["id"])
                & (Sponsorship.organisation == organisation["id"])
                & Sponsorship.status.is_in(from_statuses)
            )
            .returning(Sponsorship.amount_pence, Sponsorship.staff_days)
        )
        if not changed:
            confirmed = await Sponsorship.exists().where(
                (Sponsorship.solution == solution["id"])
                & (Sponsorship.organisation == organisation["id"])
                & (Sponsorship.status == "confirmed")
            )
            if confirmed and status == "withdrawn":
                raise PermissionDenied(
                    f"{organisation['name']}'s pledge for {solution['title']} is confirmed: "
                    "only an organisation administrator of "
                    f"{organisation['name']} can withdraw it"
                )
            raise NotFound(
                f"{organisation['name']} has no {' or '.join(from_statuses)} pledge for "
                f"{solution['title']}"
            )
        await audit.record(
            actor,
            action,
            "solution",
            solution["id"],
            subject_slug=solution["slug"],
            organisation_id=organisation["id"],
            after={"organisation": organisation["slug"], "status": status, **changed[0]},
        )
        await outbox.enqueue(solution["id"])


async def confirm_pledge(actor: Actor, solution_slug: str, organisation_slug: str) -> None:
    await _change_pledge(
        actor, solution_slug, organisation_slug, "sponsorship.confirm", "confirmed"
    )


async def withdraw_pledge(actor: Actor, solution_slug: str, organisation_slug: str) -> None:
    await _change_pledge(
        actor, solution_slug, organisation_slug, "sponsorship.withdraw", "withdrawn"
    )


# -- adoption ---------------------------------------------------------------------------------


async def record_adoption(
    actor: Actor,
    solution_slug: str,
    organisation_slug: str,
    status: str,
    status_on: Any = None,
) -> dict:
    """Record that an organisation plans to use, uses, or has stopped using a solution."""
    solution, organisation = await _target(
        actor, solution_slug, organisation_slug, "adoption.record"
    )
    checker = Checker({"status": status, "status_on": status_on})
    status = checker.choice("status", "Adoption status", ADOPTION_STATUSES)
    status_on = checker.date("status_on", "Date")
    checker.raise_if_invalid()
    if solution["status"] == "draft":
        raise Conflict(f"{solution['title']} is not published yet")
    if solution["status"] == "retired" and status != "retired":
        raise Conflict(f"{solution['title']} is retired: record only that its use has ended")
    key = (Adoption.solution == solution["id"]) & (Adoption.organisation == organisation["id"])

    async def work() -> dict:
        async with db.transaction():
            existing = await Adoption.select().where(key).first()
            if existing and (existing["status"], existing["status_on"]) == (status, status_on):
                return existing
            if existing:
                await Adoption.update(
                    {
                        Adoption.status: status,
                        Adoption.status_on: status_on,
                        Adoption.updated_at: dt.datetime.now(dt.UTC),
                    }
                ).where(Adoption.id == existing["id"])
                before = {"status": existing["status"], "status_on": existing["status_on"]}
            else:
                await Adoption.insert(
                    Adoption(
                        solution=solution["id"],
                        organisation=organisation["id"],
                        status=status,
                        status_on=status_on,
                        recorded_by=actor.user_id,
                    )
                )
                before = None
            await audit.record(
                actor,
                "adoption.record",
                "solution",
                solution["id"],
                subject_slug=solution["slug"],
                organisation_id=organisation["id"],
                before=before,
                after={
                    "organisation": organisation["slug"],
                    "status": status,
                    "status_on": status_on,
                },
            )
            await outbox.enqueue(solution["id"])
            return await Adoption.select().where(key).first()

    return await _retrying_races(work)


# -- reading ----------------------------------------------------------------------------------

_ORG_COLUMNS = ("slug", "name", "kind", "org_id")


def _joined(foreign_key, names: tuple[str, ...], prefix: str = "") -> tuple:
    """Columns of a joined table, aliased. Built once: Piccolo builds a joined column afresh on
    every attribute access, which cost a solution page most of a millisecond."""
    return tuple(getattr(foreign_key, name).as_alias(prefix + name) for name in names)


_ADOPTER = _joined(Adoption.organisation, _ORG_COLUMNS)
_INTERESTED = _joined(Interest.organisation, _ORG_COLUMNS)
_SPONSOR = _joined(Sponsorship.organisation, _ORG_COLUMNS)
_SOLUTION_COLUMNS = ("slug", "title", "kind", "status")
_ADOPTED = _joined(Adoption.solution, _SOLUTION_COLUMNS, "solution_")
_INTERESTED_IN = _joined(Interest.solution, _SOLUTION_COLUMNS, "solution_")
_SPONSORED = _joined(Sponsorship.solution, _SOLUTION_COLUMNS, "solution_")


async def solution_activity(solution_id: int) -> dict:
    """Who uses a solution, who is interested at which level, and what is pledged."""
    adoptions = await Adoption.select(
        Adoption.status,
        Adoption.status_on,
        *_ADOPTER,
    ).where(Adoption.solution == solution_id)
    interests = await Interest.select(
        Interest.level,
        Interest.registered_at,
        *_INTERESTED,
    ).where((Interest.solution == solution_id) & Interest.withdrawn_at.is_null())
    pledges = await Sponsorship.select(
        Sponsorship.amount_pence,
        Sponsorship.staff_days,
        Sponsorship.status,
        Sponsorship.note,
        *_SPONSOR,
    ).where((Sponsorship.solution == solution_id) & (Sponsorship.status != "withdrawn"))
    by_name = lambda row: row["name"]  # noqa: E731
    adoptions.sort(key=by_name)
    interests.sort(key=by_name)
    pledges.sort(key=by_name)
    live = [a for a in adoptions if a["status"] == "live"]
    return {
        "adoptions": adoptions,
        "interests": interests,
        "pledges": pledges,
        "adoption_count": len(live),
        "councils_live": sum(1 for a in live if a["kind"] == "council"),
        "interest_count": len(interests),
        "interest_by_level": {
            level: sum(1 for i in interests if i["level"] == level) for level in INTEREST_LEVELS
        },
        "pledged_pence": sum(p["amount_pence"] for p in pledges),
        "confirmed_pence": sum(p["amount_pence"] for p in pledges if p["status"] == "confirmed"),
        "staff_days": sum(p["staff_days"] for p in pledges),
    }


async def organisation_activity(organisation_id: int) -> dict:
    """What an organisation uses, is interested in and sponsors (published solutions only)."""
    from registry.tables import Solution

    uses = await Adoption.select(Adoption.status, Adoption.status_on, *_ADOPTED).where(
        (Adoption.organisation == organisation_id) & (Adoption.solution.status != "draft")
    )
    interests = await Interest.select(
        Interest.level, Interest.registered_at, *_INTERESTED_IN
    ).where(
        (Interest.organisation == organisation_id)
        & Interest.withdrawn_at.is_null()
        & (Interest.solution.status != "draft")
    )
    pledges = await Sponsorship.select(
        Sponsorship.amount_pence,
        Sponsorship.staff_days,
        Sponsorship.status,
        Sponsorship.pledged_at,
        *_SPONSORED,
    ).where(
        (Sponsorship.organisation == organisation_id)
        & (Sponsorship.status != "withdrawn")
        & (Sponsorship.solution.status != "draft")
    )
    owns = await Solution.select(
        Solution.slug.as_alias("solution_slug"),
        Solution.title.as_alias("solution_title"),
        Solution.kind.as_alias("solution_kind"),
        Solution.status.as_alias("solution_status"),
    ).where((Solution.owner == organisation_id) & (Solution.status != "draft"))
    by_title = lambda row: row["solution_title"]  # noqa: E731
    return {
        "uses": sorted(uses, key=by_title),
        "interests": sorted(interests, key=by_title),
        "pledges": sorted(pledges, key=by_title),
        "owns": sorted(owns, key=by_title),
    }


async def solution_with_activity(slug: str, actor: Actor) -> dict:
    """A solution as `catalogue.get_solution` gives it, with who uses, wants and funds it."""
    from registry.catalogue import get_solution

    async with db.reading():
        solution = await get_solution(slug, actor)
        activity = await solution_activity(solution["id"])
    for pledge in activity["pledges"]:
        if not may_read_pledge_note(actor, solution["owner_id"], pledge["slug"]):
            pledge["note"] = None
    return {**solution, "activity": activity}


def may_read_pledge_note(actor: Actor, owner_id: int, pledger_slug: str) -> bool:
    """A pledge's note is written for the solution's owner: only they, the pledging
    organisation's members and the Digital Office's curators read it. Nobody is told on the form
    that it is public, so it is not."""
    return (
        actor.is_system
        or actor.is_digital_office
        or actor.role_in(owner_id) is not None
        or any(m.slug == pledger_slug for m in actor.memberships)
    )
