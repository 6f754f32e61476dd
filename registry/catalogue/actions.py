"""What an actor may do about a solution, decided in one place: which forms its page shows.

A form is shown only where it applies to the kind and status of the solution (no pledge form
on a platform that seeks no funding, no "record use" on a challenge still running) and to the
person (only the organisations they may act for, and no interest form for an organisation
that already uses it). The services enforce the rules themselves; this only spares people
forms that would refuse them, and says why a form is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.accounts import Actor, MembershipRef
from registry.catalogue.views import Activity, SolutionView

# Statuses in which a solution takes interest, pledges and use: published and not retired.
CLOSED = frozenset({"draft", "retired"})
# Where money or staff time can still make a difference without a funding target.
PLEDGING = {
    "challenge": frozenset({"open", "in_progress"}),
    "procurement": frozenset({"planned", "tendering"}),
}
# Statuses in which an organisation can use a solution (or plan to).
IN_USE = {
    "platform": frozenset({"in_development", "live"}),
    "procurement": frozenset({"awarded", "expired"}),
    "challenge": frozenset({"completed"}),
    "component": frozenset({"available"}),
}
# Statuses in which interest means something: not once a framework has expired.
INTEREST_ENDS = frozenset({"expired"})


@dataclass(frozen=True)
class Actions:
    """The organisations the actor may act for with each form (empty: no form), what they may
    do to the record itself, and why a form that people might look for is not shown."""

    interest: tuple[MembershipRef, ...] = ()
    pledge: tuple[MembershipRef, ...] = ()
    confirm: tuple[MembershipRef, ...] = ()
    adoption: tuple[MembershipRef, ...] = ()
    # Organisations the actor acts for that already have an interest or pledge to withdraw.
    member_of: tuple[MembershipRef, ...] = ()
    edit: bool = False
    retire: bool = False
    publish: bool = False
    link_supply: bool = False
    transfer: bool = False
    not_offered: tuple[str, ...] = ()

    @property
    def any_form(self) -> bool:
        return bool(self.interest or self.pledge or self.adoption)


def pledging_applies(solution: SolutionView) -> bool:
    if solution.status in CLOSED:
        return False
    return bool(solution.funding_target) or solution.status in PLEDGING.get(solution.kind, ())


def use_applies(solution: SolutionView) -> bool:
    return solution.status in IN_USE[solution.kind]


def interest_applies(solution: SolutionView) -> bool:
    return solution.status not in CLOSED | INTEREST_ENDS


def actions_for(actor: Actor, solution: SolutionView, activity: Activity) -> Actions:
    """The forms `actor` is offered on `solution`'s page, and what they may do to it."""
    owner = solution.owner_id
    edit = actor.signed_in and actor.may("solution.edit", owner) and solution.status != "retired"
    record = {
        "edit": edit,
        "retire": edit and actor.may("solution.retire", owner) and solution.status != "draft",
        "publish": edit and solution.status == "draft",
        "link_supply": edit and solution.kind in ("platform", "component", "procurement"),
        # moving a record between owners is the Digital Office's (`transfer_solution`)
        "transfer": edit and actor.is_digital_office,
    }
    if not actor.signed_in or solution.status in CLOSED:
        return Actions(**record)
    using = {a.organisation.slug for a in activity.adoptions if a.status == "live"}
    kind = solution.kind
    not_offered = []
    interest = ()
    if interest_applies(solution):
        interest = tuple(
            m for m in actor.organisations_for("interest.register") if m.slug not in using
        )
    pledge = confirm = ()
    if pledging_applies(solution):
        pledge = tuple(actor.organisations_for("sponsorship.pledge"))
        confirm = tuple(actor.organisations_for("sponsorship.confirm"))
    else:
        not_offered.append(f"This {_kind_word(kind)} is not seeking money or staff time.")
    adoption = ()
    if use_applies(solution):
        adoption = tuple(actor.organisations_for("adoption.record"))
    elif kind == "challenge":
        not_offered.append("Use can be recorded once the challenge is completed.")
    else:
        not_offered.append(f"Use can be recorded once this {_kind_word(kind)} is available.")
    return Actions(
        interest=interest,
        pledge=pledge,
        confirm=confirm,
        adoption=adoption,
        member_of=tuple(actor.organisations_for("interest.withdraw")),
        not_offered=tuple(not_offered),
        **record,
    )


def _kind_word(kind: str) -> str:
    return {"procurement": "procurement", "challenge": "challenge"}.get(kind, kind)
