"""Who is acting, and the one rule every service asks first: may this actor do this for that
organisation?

An `Actor` is a signed-in user with their memberships, anonymous, or the seed loader and
maintenance commands. Services never trust an organisation named in input; they look up the
actor's role in that organisation and refuse with `PermissionDenied` when it does not allow the
action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from registry.errors import PermissionDenied
from registry.vocabulary import ROLES

ANY_ROLE = frozenset(ROLES)
# Which membership roles allow which action for the organisation acted for.
PERMISSIONS: dict[str, frozenset[str]] = {
    "interest.register": ANY_ROLE,
    "interest.withdraw": ANY_ROLE,
    "sponsorship.pledge": ANY_ROLE,
    "sponsorship.withdraw": ANY_ROLE,
    "sponsorship.confirm": frozenset({"org_admin"}),
    "adoption.record": ANY_ROLE,
    "solution.create": ANY_ROLE,
    "solution.create.procurement": frozenset({"procurement", "org_admin"}),
    "solution.edit": ANY_ROLE,
    "solution.retire": frozenset({"procurement", "org_admin"}),
    "membership.manage": frozenset({"org_admin"}),
}
# Actions the Digital Office's curators may take on any solution or organisation, whoever owns
# it: curating records and keeping any organisation's memberships. Acting *for* an organisation
# (interest, pledges, adoption) is never among them.
CURATION = frozenset({"solution.edit", "solution.retire", "membership.manage"})


@dataclass(frozen=True)
class MembershipRef:
    organisation_id: int
    slug: str
    name: str
    kind: str
    role: str


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    roles: Mapping[int, str] = field(default_factory=dict)  # organisation id -> role
    is_digital_office: bool = False
    is_system: bool = False
    display_name: str = ""
    memberships: tuple[MembershipRef, ...] = ()

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def organisations_for(self, action: str) -> list[MembershipRef]:
        """The organisations this actor may take `action` for, by name."""
        return [m for m in self.memberships if self.may(action, m.organisation_id)]

    def role_in(self, organisation_id: int) -> str | None:
        return self.roles.get(organisation_id)

    def may(self, action: str, organisation_id: int) -> bool:
        if self.is_system:
            return True
        if self.is_digital_office and action in CURATION:
            return True
        role = self.role_in(organisation_id)
        return role is not None and role in PERMISSIONS[action]


ANONYMOUS = Actor(user_id=None, label="anonymous")


def system_actor(label: str = "system") -> Actor:
    """The seed loader and maintenance commands: never reachable from a web request."""
    return Actor(user_id=None, label=label, is_system=True)


def require(actor: Actor, action: str, organisation: Mapping) -> None:
    if not actor.may(action, organisation["id"]):
        require_signed_in(actor)
        raise PermissionDenied(
            f"You are not a member of {organisation['name']} with a role that allows this"
        )


def require_signed_in(actor: Actor) -> None:
    """Refuse someone who is not signed in (the seed loader and commands pass): the first check
    of every service that acts for an organisation, before it reads any input."""
    if actor.user_id is None and not actor.is_system:
        raise PermissionDenied("Sign in to do this")


def require_digital_office(actor: Actor) -> None:
    if not (actor.is_system or actor.is_digital_office):
        raise PermissionDenied("Only Digital Office staff can do this")
