"""Interest, sponsorship and adoption: how councils signal demand, co-fund and record use.
(Reading them back is `registry.catalogue.activity`.)

Each action is taken by an `Actor` for one organisation, and only through a membership of that
organisation whose role allows it. Interest and pledges are "one active row per organisation
and solution": registering again updates the row (idempotent), and a partial unique index in
the database holds the rule even when two requests race; the loser of a race retries and finds
the winner's row. Withdrawing keeps the row with its withdrawal time, so history stays true.

Signals stay true together: recording an organisation's use as live ends its open interest in
the same transaction (an organisation using a solution is no longer demand for it), and an
organisation already using a solution cannot register interest in it. Each service returns the
sentence that says what it changed (`registry.catalogue.sentences`), for the page's notice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from registry import changes
from registry.accounts import Actor, organisation_by_slug, require, require_signed_in
from registry.catalogue import sentences, solution_ref
from registry.errors import Conflict, NotFound, PermissionDenied
from registry.tables import Adoption, Interest, Sponsorship
from registry.validation import MAX_STAFF_DAYS, Checker
from registry.vocabulary import ADOPTION_STATUSES, INTEREST_LEVELS


def _open_for_collaboration(solution: dict) -> None:
    if solution["status"] == "draft":
        raise Conflict(f"{solution['title']} is not published yet")
    if solution["status"] == "retired":
        raise Conflict(f"{solution['title']} is retired: it takes no new interest or pledges")


async def _target(actor: Actor, solution_slug: str, organisation_slug: str, action: str):
    """The solution and the organisation acted for, once the actor is known to be allowed to
    act for it; every service here calls this before reading any other input."""
    require_signed_in(actor)  # before anything is looked up
    solution = await solution_ref(solution_slug, actor)
    organisation = await organisation_by_slug(organisation_slug)
    require(actor, action, organisation)
    return solution, organisation


def _change(actor: Actor, action: str, solution: dict, organisation: dict):
    """A change one organisation makes to what is recorded about a solution."""
    return changes.to_solution(
        actor, action, solution["id"], solution["slug"], organisation_id=organisation["id"]
    )


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
        async with _change(actor, "interest.register", solution, organisation) as change:
            if await _uses(solution, organisation):
                raise Conflict(
                    f"{organisation['name']} already uses {solution['title']}: interest is for "
                    "organisations that do not use it yet"
                )
            saved = await changes.save_row(
                Interest,
                active,
                {"level": level},
                on_insert={
                    "solution": solution["id"],
                    "organisation": organisation["id"],
                    "registered_by": actor.user_id,
                },
                on_update={"updated_at": dt.datetime.now(dt.UTC)},
            )
            if not saved.changed:
                return change.unchanged(saved.row)
            change.before = {"level": saved.before["level"]} if saved.before else None
            change.after = {"organisation": organisation["slug"], "level": level}
            return saved.row

    row = await changes.retrying_races(work)
    return {
        **row,
        "organisation_slug": organisation["slug"],
        "solution_slug": solution["slug"],
        "sentence": sentences.interest_registered(organisation["name"], solution["title"], level),
    }


async def _uses(solution: dict, organisation: dict) -> bool:
    return await Adoption.exists().where(
        (Adoption.solution == solution["id"])
        & (Adoption.organisation == organisation["id"])
        & (Adoption.status == "live")
    )


async def withdraw_interest(actor: Actor, solution_slug: str, organisation_slug: str) -> str:
    solution, organisation = await _target(
        actor, solution_slug, organisation_slug, "interest.withdraw"
    )
    async with _change(actor, "interest.withdraw", solution, organisation) as change:
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
        change.before = {"organisation": organisation["slug"], "level": withdrawn[0]["level"]}
    return sentences.interest_withdrawn(organisation["name"], solution["title"])


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

    def values(existing: dict | None) -> dict:
        # A confirmed pledge stays confirmed only while its amounts do.
        same_amounts = existing is not None and (
            (existing["amount_pence"], existing["staff_days"]) == (amount, days)
        )
        status = existing["status"] if same_amounts else "pledged"
        return {"amount_pence": amount, "staff_days": days, "note": note, "status": status}

    async def work() -> dict:
        async with _change(actor, "sponsorship.pledge", solution, organisation) as change:
            saved = await changes.save_row(
                Sponsorship,
                active,
                values,
                on_insert={
                    "solution": solution["id"],
                    "organisation": organisation["id"],
                    "pledged_by": actor.user_id,
                },
                on_update={"updated_at": dt.datetime.now(dt.UTC)},
            )
            if not saved.changed:
                return change.unchanged({**saved.row, "before": saved.row})
            # The note stays out of the audit trail: it is for the owner and the pledger only.
            pledged = ("amount_pence", "staff_days", "status")
            if saved.before:
                change.before = {k: saved.before[k] for k in pledged}
            change.after = {"organisation": organisation["slug"]} | {
                k: saved.row[k] for k in pledged
            }
            return {**saved.row, "before": saved.before}

    row = await changes.retrying_races(work)
    before = row.pop("before", None)
    was = (before["amount_pence"], before["staff_days"]) if before else None
    return {
        **row,
        "sentence": sentences.pledge_recorded(
            organisation["name"],
            solution["title"],
            amount,
            days,
            was,
            unconfirmed=bool(before) and before["status"] == "confirmed" != row["status"],
        ),
    }


async def _change_pledge(
    actor: Actor, solution_slug: str, organisation_slug: str, action: str, status: str
) -> str:
    solution, organisation = await _target(actor, solution_slug, organisation_slug, action)
    new_values: dict = {
        Sponsorship.status: status,
        Sponsorship.updated_at: dt.datetime.now(dt.UTC),
    }
    if status == "withdrawn":
        new_values[Sponsorship.withdrawn_at] = dt.datetime.now(dt.UTC)
    # A confirmed pledge is the organisation's commitment: undoing it takes the role that
    # confirms. The statuses go into the update itself, so a confirmation landing between a
    # check and the write cannot be undone by someone without that role.
    may_undo_confirmation = actor.may("sponsorship.confirm", organisation["id"])
    if status == "confirmed" or not may_undo_confirmation:
        from_statuses = ["pledged"]
    else:
        from_statuses = ["pledged", "confirmed"]
    async with _change(actor, action, solution, organisation) as change:
        changed = (
            await Sponsorship.update(new_values)
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
        change.after = {"organisation": organisation["slug"], "status": status, **changed[0]}
    said = sentences.pledge_confirmed if status == "confirmed" else sentences.pledge_withdrawn
    return said(organisation["name"], solution["title"])


async def confirm_pledge(actor: Actor, solution_slug: str, organisation_slug: str) -> str:
    return await _change_pledge(
        actor, solution_slug, organisation_slug, "sponsorship.confirm", "confirmed"
    )


async def withdraw_pledge(actor: Actor, solution_slug: str, organisation_slug: str) -> str:
    return await _change_pledge(
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
    """Record that an organisation plans to use, uses, or has stopped using a solution. Use
    recorded as live ends the organisation's open interest in it, in the same change."""
    solution, organisation = await _target(
        actor, solution_slug, organisation_slug, "adoption.record"
    )
    return await write_adoption(actor, solution, organisation, status, status_on)


async def write_adoption(
    actor: Actor,
    solution: dict,
    organisation: dict,
    status: str,
    status_on: Any = None,
    *,
    source: str = "",
) -> dict:
    """`record_adoption` once the caller has decided the actor may record it: the page's own
    form checks membership of the organisation; a proposal from a publiccode.yml file's
    `usedBy` is confirmed by the component's owner (`source` then says so in the audit event).
    `solution` is a `solution_ref` row, `organisation` an `organisation_by_slug` one."""
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
        async with _change(actor, "adoption.record", solution, organisation) as change:
            saved = await changes.save_row(
                Adoption,
                key,
                {"status": status, "status_on": status_on},
                on_insert={
                    "solution": solution["id"],
                    "organisation": organisation["id"],
                    "recorded_by": actor.user_id,
                },
                on_update={"updated_at": dt.datetime.now(dt.UTC)},
            )
            ended = ""
            if status == "live":
                withdrawn = (
                    await Interest.update({Interest.withdrawn_at: dt.datetime.now(dt.UTC)})
                    .where(
                        (Interest.solution == solution["id"])
                        & (Interest.organisation == organisation["id"])
                        & Interest.withdrawn_at.is_null()
                    )
                    .returning(Interest.level)
                )
                ended = withdrawn[0]["level"] if withdrawn else ""
            if not saved.changed and not ended:
                return change.unchanged({**saved.row, "ended_interest": ""})
            if saved.before:
                change.before = {k: saved.before[k] for k in ("status", "status_on")}
            change.after = {
                "organisation": organisation["slug"],
                "status": status,
                "status_on": status_on,
            }
            if ended:
                change.after["interest_ended"] = ended
            if source:
                change.after["source"] = source
            return {**saved.row, "ended_interest": ended}

    row = await changes.retrying_races(work)
    return {
        **row,
        "sentence": sentences.adoption_recorded(
            organisation["name"], solution["title"], status, row["ended_interest"]
        ),
    }
