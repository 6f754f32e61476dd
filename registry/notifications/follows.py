"""Following: a signed-in person follows a solution, an organisation, a programme or a saved
search, and says how they are told (immediately, or in a daily or weekly digest).

One follow per person and thing (a unique index holds it under concurrency): following again
changes how they are told. Each follow and unfollow is a change with its audit event. A draft
cannot be followed; a saved search is a discover query string checked as the discover page
checks it, kept in one canonical form and named by its follower.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry import changes
from registry.accounts import Actor, organisation_by_slug, require_signed_in
from registry.catalogue import solution_ref
from registry.errors import Conflict, NotFound, ValidationFailed
from registry.notifications.recipients import DELIVERIES
from registry.notifications.searches import canonical, parse_saved
from registry.programmes.progress import programme_row
from registry.tables import Follow, Organisation, Programme, Solution
from registry.validation import Checker

FOLLOW_TARGETS = {
    "solution": "Solution",
    "organisation": "Organisation",
    "programme": "Programme",
    "search": "Saved search",
}
MAX_FOLLOWS = 500  # per person: enough for anyone, and bounds what each change reads


@dataclass(frozen=True)
class FollowView:
    id: int
    target_type: str
    slug: str  # the solution's, organisation's or programme's; empty for a saved search
    title: str  # what is followed, or the saved search's name
    query: str  # a saved search's query string
    delivery: str


async def _target(actor: Actor, target_type: str, target: str, name: str) -> tuple[int, str, str]:
    """The followed thing's id, the stored query and name, once it is known to be followable."""
    if target_type == "solution":
        solution = await solution_ref(target, actor)
        if solution["status"] == "draft":
            raise Conflict(f"{solution['title']} is not published yet, so it cannot be followed")
        return solution["id"], "", ""
    if target_type == "organisation":
        return (await organisation_by_slug(target))["id"], "", ""
    if target_type == "programme":
        return (await programme_row(target))["id"], "", ""
    checker = Checker({"name": name})
    name = checker.text(
        "name", "Name of the search", required=True, max_length=120, multiline=False
    )
    checker.raise_if_invalid()
    return 0, canonical(parse_saved(target)), name


async def follow(
    actor: Actor, target_type: str, target: str, delivery: str, name: str = ""
) -> FollowView:
    """Follow a solution, organisation or programme (by slug) or a search (a discover query
    string, with a name), told as `delivery` says; following again changes only that."""
    require_signed_in(actor)
    checker = Checker({"target_type": target_type, "delivery": delivery})
    target_type = checker.choice("target_type", "What to follow", FOLLOW_TARGETS)
    delivery = checker.choice("delivery", "How to be told", DELIVERIES)
    checker.raise_if_invalid()
    if not isinstance(target, str) or not target.strip():
        raise ValidationFailed({"target": "Say what to follow"})
    target_id, query, name = await _target(actor, target_type, target.strip(), name)
    where = (
        (Follow.user == actor.user_id)
        & (Follow.target_type == target_type)
        & (Follow.target_id == target_id)
        & (Follow.query == query)
    )

    async def work() -> dict:
        async with changes.change(actor, "follow.add", "follow") as change:
            exists = await Follow.exists().where(where)
            if (
                not exists
                and await Follow.count().where(Follow.user == actor.user_id) >= MAX_FOLLOWS
            ):
                raise Conflict(
                    f"You follow {MAX_FOLLOWS} things already: stop following some first"
                )
            values = {"delivery": delivery} | ({"name": name} if target_type == "search" else {})
            saved = await changes.save_row(
                Follow,
                where,
                values,
                on_insert={
                    "user": actor.user_id,
                    "target_type": target_type,
                    "target_id": target_id,
                    "query": query,
                },
            )
            if not saved.changed:
                return change.unchanged(saved.row)
            change.subject_id = saved.row["id"]
            change.before = {"delivery": saved.before["delivery"]} if saved.before else None
            change.after = {"target_type": target_type, "target": target, "delivery": delivery}
            return saved.row

    row = await changes.retrying_races(work)
    return (await _views([row]))[0]


async def unfollow(actor: Actor, follow_id: int) -> None:
    """Stop one of the actor's own follows."""
    require_signed_in(actor)
    async with changes.change(actor, "follow.remove", "follow", follow_id) as change:
        removed = (
            await Follow.delete()
            .where((Follow.id == follow_id) & (Follow.user == actor.user_id))
            .returning(Follow.target_type, Follow.target_id, Follow.query)
        )
        if not removed:
            raise NotFound("You do not follow that")
        change.before = removed[0]


async def follows_of(actor: Actor) -> list[FollowView]:
    """The actor's follows, by kind and then by title."""
    require_signed_in(actor)
    rows = await Follow.select().where(Follow.user == actor.user_id).order_by(Follow.id)
    views = await _views(rows)
    order = list(FOLLOW_TARGETS)
    return sorted(views, key=lambda v: (order.index(v.target_type), v.title.casefold()))


async def follow_of(actor: Actor, target_type: str, slug: str) -> FollowView | None:
    """The actor's follow of one solution, organisation or programme, if any (for the follow
    form on its page)."""
    if not actor.signed_in or target_type not in ("solution", "organisation", "programme"):
        return None
    for view in await follows_of(actor):
        if view.target_type == target_type and view.slug == slug:
            return view
    return None


async def _views(rows: list[dict]) -> list[FollowView]:
    names: dict[str, dict[int, tuple[str, str]]] = {}
    for target_type, table in (
        ("solution", Solution),
        ("organisation", Organisation),
        ("programme", Programme),
    ):
        ids = sorted({r["target_id"] for r in rows if r["target_type"] == target_type})
        title = table.name if table is Organisation else table.title
        found = await table.select(table.id, table.slug, title.as_alias("title")).where(
            table.id.is_in(ids or [0])
        )
        names[target_type] = {f["id"]: (f["slug"], f["title"]) for f in found}
    views = []
    for row in rows:
        slug, title = names.get(row["target_type"], {}).get(row["target_id"], ("", row["name"]))
        views.append(
            FollowView(row["id"], row["target_type"], slug, title, row["query"], row["delivery"])
        )
    return views
