"""From audit events to notifications: which recorded changes are worth telling, to whom, in
what words.

`queue_for` runs inside the transaction of every change, right after its audit event is
recorded (`registry.changes`), so a notification exists exactly when its change does. An action
with no rule here tells nobody, so actions added later are safe until someone writes their
rule. A draft is private to its owner: changes to one tell only the owner's members.

Some events are derived as the change is written: demand gathering (the configured number of
councils intending to adopt one solution that is not itself a joint procurement), a funding
target reached and a new or newly published solution matching a saved search. Each derived
once-only signal is remembered in `SignalSent`, under a unique key, so it is never given twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from registry.config import get_settings
from registry.notifications.recipients import Event, Recipients
from registry.notifications.searches import matching_searches
from registry.tables import (
    Interest,
    Organisation,
    Programme,
    SignalSent,
    Solution,
    Sponsorship,
    SupplyRoute,
)
from registry.wording import label, long_date, money

if TYPE_CHECKING:
    from registry.changes import Change

Rule = Callable[["Change"], Awaitable[None]]
RULES: dict[str, Rule] = {}
DIGITAL_OFFICE_SLUG = "digital-office"
# Solutions that take no part in gathering demand: drafts are private, retired ones are over.
NOT_CURRENT = ("draft", "retired")


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        for action in actions:
            RULES[action] = function
        return function

    return register


async def queue_for(change: Change) -> None:
    """The hook `registry.changes` calls after recording a change's audit event."""
    handler = RULES.get(change.action)
    if handler is not None:
        await handler(change)


# -- what is read ------------------------------------------------------------------------------


async def _solution(solution_id: int | None) -> dict | None:
    if solution_id is None:
        return None
    return (
        await Solution.select(
            Solution.id,
            Solution.slug,
            Solution.title,
            Solution.kind,
            Solution.status,
            Solution.owner,
            Solution.owner.name.as_alias("owner_name"),
            Solution.funding_target,
        )
        .where(Solution.id == solution_id)
        .first()
    )


async def _organisation_name(organisation_id: int | None, fallback: str = "") -> str:
    if organisation_id is None:
        return fallback
    row = (
        await Organisation.select(Organisation.name)
        .where(Organisation.id == organisation_id)
        .first()
    )
    return row["name"] if row else fallback


def solution_path(slug: str) -> str:
    return f"/solutions/{slug}"


def _about_solution(solution: Mapping[str, Any], kind: str, text: str) -> Event:
    return Event(
        kind, "solution", solution["slug"], solution["title"], text, solution_path(solution["slug"])
    )


async def _tell_about_solution(
    change: Change, solution: Mapping[str, Any], event: Event, *, acting_for: int | None = None
) -> None:
    """The owner's members; unless the solution is a draft, also its followers, the owner's
    and (for interest, pledges and adoption) the acting organisation's followers."""
    people = await Recipients().members_of([solution["owner"]])
    if solution["status"] != "draft":
        await people.followers_of("solution", [solution["id"]])
        await people.followers_of("organisation", [solution["owner"], acting_for])
    await people.queue(event, caused_by=change.actor.user_id)


def _after(change: Change) -> Mapping[str, Any]:
    return change.after or {}


# -- interest, pledges, adoption ------------------------------------------------------------------


@rule("interest.register", "interest.withdraw")
async def _interest(change: Change) -> None:
    solution = await _solution(change.subject_id)
    if solution is None:
        return
    org = await _organisation_name(change.organisation_id, "An organisation")
    title = solution["title"]
    if change.action == "interest.withdraw":
        text = f"{org} withdrew its interest in {title}."
    elif change.before:
        text = (
            f"{org} changed its interest in {title} from "
            f"{label(change.before.get('level'), 'level').lower()} to "
            f"{label(_after(change).get('level'), 'level').lower()}."
        )
    else:
        text = (
            f"{org} registered interest in {title}: "
            f"{label(_after(change).get('level'), 'level').lower()}."
        )
    kind = "interest.withdrawn" if change.action == "interest.withdraw" else "interest.registered"
    event = _about_solution(solution, kind, text)
    await _tell_about_solution(change, solution, event, acting_for=change.organisation_id)
    if _after(change).get("level") == "intends_to_adopt":
        await _demand_gathering(change, solution)


async def _demand_gathering(change: Change, solution: Mapping[str, Any]) -> None:
    """Tell the owner, the councils and the Digital Office once, when the configured number of
    councils intend to adopt a solution that is neither a joint procurement nor bought through
    one."""
    if solution["kind"] == "procurement" or solution["status"] in NOT_CURRENT:
        return
    if await SupplyRoute.exists().where(SupplyRoute.solution == solution["id"]):
        return
    threshold = get_settings().demand_threshold
    councils = await Interest.select(
        Interest.organisation, Interest.organisation.name.as_alias("name")
    ).where(
        (Interest.solution == solution["id"])
        & Interest.withdrawn_at.is_null()
        & (Interest.level == "intends_to_adopt")
        & (Interest.organisation.kind == "council")
    )
    if len(councils) < threshold:
        return
    key = f"demand:{solution['id']}"
    if await SignalSent.exists().where(SignalSent.key == key):
        return
    # A concurrent change that got here first makes this insert fail on the unique key; the
    # services retry such a change, and the retry finds the signal given.
    await SignalSent.insert(SignalSent(key=key))
    names = sorted((c["name"] for c in councils), key=str.casefold)
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    text = (
        f"Demand is gathering for {solution['title']}: {len(names)} councils intend to adopt it "
        f"({listed}), and no joint procurement is linked to it. This is the moment to plan "
        "together before anyone tenders alone."
    )
    event = _about_solution(solution, "demand.gathering", text)
    digital_office = await Organisation.select(Organisation.id).where(
        Organisation.slug == DIGITAL_OFFICE_SLUG
    )
    people = await Recipients().members_of([solution["owner"]])
    await people.members_of([c["organisation"] for c in councils])
    await people.digital_office([row["id"] for row in digital_office])
    await people.queue(event, caused_by=change.actor.user_id)


def _pledge_words(values: Mapping[str, Any]) -> str:
    parts = []
    if values.get("amount_pence"):
        parts.append(money(values["amount_pence"]))
    if values.get("staff_days"):
        days = values["staff_days"]
        parts.append(f"{days} staff day{'s' if days != 1 else ''}")
    return " and ".join(parts) or "nothing"


@rule("sponsorship.pledge", "sponsorship.confirm", "sponsorship.withdraw")
async def _pledge(change: Change) -> None:
    solution = await _solution(change.subject_id)
    if solution is None:
        return
    org = await _organisation_name(change.organisation_id, "An organisation")
    title, after = solution["title"], _after(change)
    if change.action == "sponsorship.confirm":
        kind, text = (
            "pledge.confirmed",
            f"{org}'s pledge of {_pledge_words(after)} to {title} is confirmed.",
        )
    elif change.action == "sponsorship.withdraw":
        kind, text = "pledge.withdrawn", f"{org} withdrew its pledge to {title}."
    elif change.before:
        kind = "pledge.changed"
        text = (
            f"{org} changed its pledge to {title} from {_pledge_words(change.before)} "
            f"to {_pledge_words(after)}."
        )
    else:
        kind, text = "pledge.made", f"{org} pledged {_pledge_words(after)} to {title}."
    event = _about_solution(solution, kind, text)
    await _tell_about_solution(change, solution, event, acting_for=change.organisation_id)
    if change.action != "sponsorship.withdraw":
        await _funding_target(change, solution)


async def _funding_target(change: Change, solution: Mapping[str, Any]) -> None:
    target = solution["funding_target"]
    if not target or solution["status"] in NOT_CURRENT:
        return
    rows = await Sponsorship.select(Sponsorship.amount_pence).where(
        (Sponsorship.solution == solution["id"]) & (Sponsorship.status != "withdrawn")
    )
    pledged = sum(r["amount_pence"] for r in rows)
    key = f"funding:{solution['id']}"
    if pledged < target or await SignalSent.exists().where(SignalSent.key == key):
        return
    await SignalSent.insert(SignalSent(key=key))
    text = (
        f"{solution['title']} has reached its funding target of {money(target)}: "
        f"{money(pledged)} is pledged."
    )
    event = _about_solution(solution, "funding.reached", text)
    await _tell_about_solution(change, solution, event)


@rule("adoption.record")
async def _adoption(change: Change) -> None:
    solution = await _solution(change.subject_id)
    if solution is None:
        return
    org = await _organisation_name(change.organisation_id, "An organisation")
    after = _after(change)
    when = f" ({long_date(after['status_on'])})" if after.get("status_on") else ""
    status = label(after.get("status"), "adoption_status").lower()
    text = f"{org} recorded its use of {solution['title']}: {status}{when}."
    event = _about_solution(solution, "adoption.recorded", text)
    await _tell_about_solution(change, solution, event, acting_for=change.organisation_id)


# -- solutions ----------------------------------------------------------------------------------


@rule(
    "solution.create", "solution.update", "solution.publish", "solution.retire", "solution.status"
)
async def _solution_changed(change: Change) -> None:
    solution = await _solution(change.subject_id)
    if solution is None:
        return
    title, owner = solution["title"], solution["owner_name"]
    if change.action == "solution.create":
        if solution["status"] == "draft":
            return  # a draft is news to nobody but its authors
        kind, text = "solution.registered", f"{owner} registered {title}."
    elif change.action == "solution.publish":
        kind, text = "solution.published", f"{owner} published {title}."
    elif change.action == "solution.retire":
        kind, text = "solution.retired", f"{title} was retired."
    elif change.action == "solution.status":
        status = label(solution["status"], "status").lower()
        kind, text = "solution.status", f"{title} is now {status}."
    else:
        if solution["status"] == "draft":
            return
        kind, text = "solution.edited", f"{title} was edited."
    event = _about_solution(solution, kind, text)
    await _tell_about_solution(change, solution, event)
    if change.action in ("solution.create", "solution.publish"):
        await _saved_searches(change, solution)


async def _saved_searches(change: Change, solution: Mapping[str, Any]) -> None:
    for follow in await matching_searches(solution["id"]):
        people = Recipients()
        people.add(follow["user"], f"follow:{follow['id']}", follow["delivery"])
        text = f"{solution['title']} is new and matches your saved search “{follow['name']}”."
        event = _about_solution(solution, "search.match", text)
        await people.queue(event, caused_by=change.actor.user_id)


# -- programmes ---------------------------------------------------------------------------------


async def _programme(programme_id: int | None) -> dict | None:
    if programme_id is None:
        return None
    return (
        await Programme.select(Programme.id, Programme.slug, Programme.title, Programme.status)
        .where(Programme.id == programme_id)
        .first()
    )


def programme_path(slug: str) -> str:
    return f"/programmes/{slug}"


async def tell_programme_followers(
    programme: Mapping[str, Any], kind: str, text: str, caused_by: int | None = None
) -> None:
    event = Event(
        kind,
        "programme",
        programme["slug"],
        programme["title"],
        text,
        programme_path(programme["slug"]),
    )
    people = await Recipients().followers_of("programme", [programme["id"]])
    await people.queue(event, caused_by=caused_by)


@rule("programme.update", "programme.status", "programme.close", "programme.transfer")
async def _programme_changed(change: Change) -> None:
    """One edit can change the status and the owner at once: each is told."""
    after = _after(change)
    if "status" not in after and "owner" not in after:
        return
    programme = await _programme(change.subject_id)
    if programme is None:
        return
    if "status" in after:
        status = label(after["status"], "programme_status").lower()
        text = f"{programme['title']} is now {status}."
        await tell_programme_followers(programme, "programme.status", text, change.actor.user_id)
    if "owner" in after:
        old, new = await _owners(change)
        text = f"{programme['title']} moved from {old['name']} to {new['name']}."
        event = Event(
            "programme.transfer",
            "programme",
            programme["slug"],
            programme["title"],
            text,
            programme_path(programme["slug"]),
        )
        people = await Recipients().members_of([old["id"], new["id"]])
        await people.followers_of("programme", [programme["id"]])
        await people.queue(event, caused_by=change.actor.user_id)


async def _owner(value: Any) -> dict:
    """An owner as audit events record it: an organisation's id or its slug."""
    column = Organisation.id if isinstance(value, int) else Organisation.slug
    row = await Organisation.select(Organisation.id, Organisation.name).where(column == value)
    return row[0] if row else {"id": None, "name": "another organisation"}


async def _owners(change: Change) -> tuple[dict, dict]:
    before = change.before or {}
    return await _owner(before.get("owner")), await _owner(_after(change).get("owner"))


@rule("solution.transfer")
async def _solution_transferred(change: Change) -> None:
    """Both owners' members, and the solution's followers, are told once."""
    solution = await _solution(change.subject_id)
    if solution is None:
        return
    old, new = await _owners(change)
    text = f"{solution['title']} moved from {old['name']} to {new['name']}."
    event = _about_solution(solution, "solution.transferred", text)
    people = await Recipients().members_of([old["id"], new["id"]])
    if solution["status"] != "draft":
        await people.followers_of("solution", [solution["id"]])
    await people.queue(event, caused_by=change.actor.user_id)


@rule("milestone.figure")
async def _figure(change: Change) -> None:
    programme = await _programme(change.subject_id)
    if programme is None:
        return
    after = _after(change)
    value = after.get("value")
    figure = f"{value:,}" if isinstance(value, int) else str(value)
    text = (
        f"A figure was recorded for {programme['title']} ({after.get('milestone')}): {figure}"
        f" as of {long_date(after.get('as_of'))}."
    )
    await tell_programme_followers(programme, "programme.figure", text, change.actor.user_id)
