"""Reading what councils do about solutions: who uses a solution, who is interested and what is
pledged, and, from the other side, what an organisation owns, uses, wants and sponsors.

Only active rows count (a withdrawn interest or pledge is history, kept but not shown), and an
organisation's side names published solutions only. A pledge's note is written for the
solution's owner, so `solution_with_activity` blanks it for anyone else. The writes live in
`registry.collaboration`.
"""

from __future__ import annotations

from dataclasses import replace

from registry import db
from registry.accounts import Actor
from registry.catalogue.reading import get_solution
from registry.catalogue.views import (
    Activity,
    Adopter,
    Interested,
    InterestIn,
    OrganisationActivity,
    OrganisationRef,
    Pledge,
    PledgeTo,
    SolutionRef,
    SolutionWithActivity,
    Use,
)
from registry.tables import Adoption, Interest, Solution, Sponsorship
from registry.vocabulary import INTEREST_LEVELS

_ORG_COLUMNS = ("slug", "name", "kind", "org_id")
_SOLUTION_COLUMNS = ("slug", "title", "kind", "status")


def _joined(foreign_key, names: tuple[str, ...], prefix: str) -> tuple:
    """Columns of a joined table, aliased. Built once: Piccolo builds a joined column afresh on
    every attribute access, which cost a solution page most of a millisecond."""
    return tuple(getattr(foreign_key, name).as_alias(prefix + name) for name in names)


_ADOPTER = _joined(Adoption.organisation, _ORG_COLUMNS, "organisation_")
_INTERESTED = _joined(Interest.organisation, _ORG_COLUMNS, "organisation_")
_SPONSOR = _joined(Sponsorship.organisation, _ORG_COLUMNS, "organisation_")
_ADOPTED = _joined(Adoption.solution, _SOLUTION_COLUMNS, "solution_")
_INTERESTED_IN = _joined(Interest.solution, _SOLUTION_COLUMNS, "solution_")
_SPONSORED = _joined(Sponsorship.solution, _SOLUTION_COLUMNS, "solution_")


def _organisation(row: dict) -> OrganisationRef:
    return OrganisationRef(
        row["organisation_slug"],
        row["organisation_name"],
        row["organisation_kind"],
        row["organisation_org_id"],
    )


def _solution(row: dict) -> SolutionRef:
    return SolutionRef(
        row["solution_slug"], row["solution_title"], row["solution_kind"], row["solution_status"]
    )


def _by_name(item) -> str:
    return item.organisation.name


def _by_title(item) -> str:
    return item.title if isinstance(item, SolutionRef) else item.solution.title


async def solution_activity(solution_id: int) -> Activity:
    """Who uses a solution, who is interested at which level, and what is pledged (notes
    included: `solution_with_activity` decides who reads them)."""
    adoption_rows = await Adoption.select(
        Adoption.status,
        Adoption.status_on,
        *_ADOPTER,
    ).where(Adoption.solution == solution_id)
    interest_rows = await Interest.select(
        Interest.level,
        Interest.registered_at,
        *_INTERESTED,
    ).where((Interest.solution == solution_id) & Interest.withdrawn_at.is_null())
    pledge_rows = await Sponsorship.select(
        Sponsorship.amount_pence,
        Sponsorship.staff_days,
        Sponsorship.status,
        Sponsorship.note,
        *_SPONSOR,
    ).where((Sponsorship.solution == solution_id) & (Sponsorship.status != "withdrawn"))
    adoptions = sorted(
        (Adopter(_organisation(r), r["status"], r["status_on"]) for r in adoption_rows),
        key=_by_name,
    )
    interests = sorted(
        (Interested(_organisation(r), r["level"], r["registered_at"]) for r in interest_rows),
        key=_by_name,
    )
    pledges = sorted(
        (
            Pledge(_organisation(r), r["amount_pence"], r["staff_days"], r["status"], r["note"])
            for r in pledge_rows
        ),
        key=_by_name,
    )
    live = [a for a in adoptions if a.status == "live"]
    return Activity(
        adoptions=tuple(adoptions),
        interests=tuple(interests),
        pledges=tuple(pledges),
        adoption_count=len(live),
        councils_live=sum(1 for a in live if a.organisation.kind == "council"),
        interest_count=len(interests),
        interest_by_level={
            level: sum(1 for i in interests if i.level == level) for level in INTEREST_LEVELS
        },
        pledged_pence=sum(p.amount_pence for p in pledges),
        confirmed_pence=sum(p.amount_pence for p in pledges if p.status == "confirmed"),
        staff_days=sum(p.staff_days for p in pledges),
    )


async def organisation_activity(organisation_id: int) -> OrganisationActivity:
    """What an organisation uses, is interested in, sponsors and owns (published solutions
    only)."""
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
        Solution.slug, Solution.title, Solution.kind, Solution.status
    ).where((Solution.owner == organisation_id) & (Solution.status != "draft"))
    return OrganisationActivity(
        owns=tuple(
            sorted(
                (SolutionRef(r["slug"], r["title"], r["kind"], r["status"]) for r in owns),
                key=_by_title,
            )
        ),
        uses=tuple(
            sorted((Use(_solution(r), r["status"], r["status_on"]) for r in uses), key=_by_title)
        ),
        interests=tuple(
            sorted(
                (InterestIn(_solution(r), r["level"], r["registered_at"]) for r in interests),
                key=_by_title,
            )
        ),
        pledges=tuple(
            sorted(
                (
                    PledgeTo(
                        _solution(r),
                        r["amount_pence"],
                        r["staff_days"],
                        r["status"],
                        r["pledged_at"],
                    )
                    for r in pledges
                ),
                key=_by_title,
            )
        ),
    )


async def solution_with_activity(slug: str, actor: Actor) -> SolutionWithActivity:
    """A solution as `get_solution` gives it, with who uses, wants and funds it; a pledge's
    note only where `actor` may read it."""
    async with db.reading():
        solution = await get_solution(slug, actor)
        activity = await solution_activity(solution.id)
    pledges = tuple(
        pledge
        if may_read_pledge_note(actor, solution.owner_id, pledge.organisation.slug)
        else replace(pledge, note=None)
        for pledge in activity.pledges
    )
    return SolutionWithActivity(solution, replace(activity, pledges=pledges))


def may_read_pledge_note(actor: Actor, owner_id: int, pledger_slug: str) -> bool:
    """A pledge's note is written for the solution's owner: only they, the pledging
    organisation's members and the Digital Office's curators read it, as the pledge form
    says."""
    return (
        actor.is_system
        or actor.is_digital_office
        or actor.role_in(owner_id) is not None
        or any(m.slug == pledger_slug for m in actor.memberships)
    )
