"""The typed read models of the catalogue: what reading a solution, its activity or an
organisation's part in the catalogue gives back.

They are frozen dataclasses, so pages, the JSON API and exports read them by attribute and
none of them can change what a service returned. Each names only what a reader may see, in the
users' words: the internal row ids a service needs to act again (`id`, `owner_id`) are kept out
of the compared and printed fields, and nothing here names a kind's own facts (`details` maps
them, built by walking `kinds.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.catalogue.structured import as_of_words


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    """An organisation named by another record: its slug and name, and (where the reader needs
    to tell councils apart) its kind and identifier."""

    slug: str
    name: str
    kind: str = ""
    org_id: str | None = None


@dataclass(frozen=True, slots=True)
class SolutionRef:
    """A solution named by another record."""

    slug: str
    title: str
    kind: str
    status: str


@dataclass(frozen=True, slots=True)
class SolutionSummary:
    """A published solution as a listing shows it: a line of results, an API list item."""

    slug: str
    kind: str
    title: str
    summary: str
    status: str
    owner: OrganisationRef
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class DatedLink:
    """A document or a source: a titled link and the date what it says was true, as precise
    as the source is ("2021-01-28", "2021-01" or "2021"; empty when it gives no date)."""

    title: str
    url: str
    as_of: str

    @property
    def as_of_words(self) -> str:
        return as_of_words(self.as_of)


@dataclass(frozen=True, slots=True)
class Lot:
    name: str
    suppliers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SupplyLink:
    """One link between a solution and a joint procurement it can be bought through: the
    solution on the other side of the link, and the lot (empty when no lot is named)."""

    solution: SolutionRef
    lot: str


@dataclass(frozen=True)
class SolutionView:
    """Everything stored about one solution that its readers may see. `details` maps each of
    its kind's own fields (in the kind's order) to its value, organisations as
    `OrganisationRef`s. Every key fact is here even when nothing is known of it (None, "" or
    an empty list): the page says "Not known", never leaves it out."""

    slug: str
    kind: str
    title: str
    summary: str
    description: str
    description_html: str
    status: str
    owner: OrganisationRef
    service_areas: list[str]
    characteristics: list[str]
    tags: list[str]
    links: list[Link]
    contact_name: str
    contact_role: str
    contact_email: str
    charging_model: str
    cost: str
    eligibility: str
    eligibility_note: str
    how_to_join: str
    how_to_join_html: str
    funding_target: int | None
    reported_adopters: int | None
    reported_interested: int | None
    reported_note: str
    source: str
    documents: list[DatedLink]
    sources: list[DatedLink]
    fact_notes: Mapping[str, str]
    # For a platform or component, the procurements it can be bought through; for a
    # procurement, the solutions it supplies. Published solutions only.
    supply_links: tuple[SupplyLink, ...]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    details: Mapping[str, Any]
    # The rows' ids, for the services that act on the solution next; never published.
    id: int = field(repr=False, compare=False, kw_only=True)
    owner_id: int = field(repr=False, compare=False, kw_only=True)

    def value_of(self, name: str) -> Any:
        """The value of one field, common or the kind's own, by its name in the descriptor."""
        return self.details[name] if name in self.details else getattr(self, name)


# -- activity: who uses, wants and funds a solution --------------------------------------------


@dataclass(frozen=True, slots=True)
class Adopter:
    organisation: OrganisationRef
    status: str
    status_on: dt.date | None


@dataclass(frozen=True, slots=True)
class Interested:
    organisation: OrganisationRef
    level: str
    registered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Pledge:
    organisation: OrganisationRef
    amount_pence: int
    staff_days: int
    status: str
    # Written for the solution's owner: None unless the reader may read it.
    note: str | None


@dataclass(frozen=True)
class Activity:
    """Who uses a solution, who is interested at which level and what is pledged (active rows
    only, each list by organisation name), with the totals pages and the API show."""

    adoptions: tuple[Adopter, ...]
    interests: tuple[Interested, ...]
    pledges: tuple[Pledge, ...]
    adoption_count: int
    councils_live: int
    interest_count: int
    interest_by_level: Mapping[str, int]
    pledged_pence: int
    confirmed_pence: int
    staff_days: int


@dataclass(frozen=True)
class SolutionWithActivity:
    """A solution and its activity, as its page and the API's detail show them."""

    solution: SolutionView
    activity: Activity


# -- an organisation's part in the catalogue ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Use:
    solution: SolutionRef
    status: str
    status_on: dt.date | None


@dataclass(frozen=True, slots=True)
class InterestIn:
    solution: SolutionRef
    level: str
    registered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PledgeTo:
    solution: SolutionRef
    amount_pence: int
    staff_days: int
    status: str
    pledged_at: dt.datetime


@dataclass(frozen=True)
class OrganisationActivity:
    """What an organisation owns, uses, is interested in and sponsors: published solutions
    only, each list by solution title."""

    owns: tuple[SolutionRef, ...]
    uses: tuple[Use, ...]
    interests: tuple[InterestIn, ...]
    pledges: tuple[PledgeTo, ...]
