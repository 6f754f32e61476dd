"""Reading the audit trail back as history: what happened to a solution, a programme or an
organisation, newest first, in words a reader follows (labels, not stored keys), with who did
it and when, a page at a time.

What a reader sees is decided here, not by the pages:

- public facts (a solution's edits, interest, pledges, adoption; a programme's changes) are for
  everyone, as the records themselves are;
- a solution that is still a draft has no history for anyone who cannot see the draft, and an
  organisation's history leaves out events about drafts the reader cannot see;
- membership changes and invitations are for those who manage the organisation's members (its
  administrators and the Digital Office's curators);
- a pledge's note is for the solution's owner, the pledging organisation and curators only;
- people are named to signed-in readers; anyone else reads "someone at <organisation>".

Pages are `PAGE_SIZE` events long and go `MAX_PAGE` pages deep: history older than that is
kept, but not listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from registry import db, vocabulary
from registry.accounts import Actor, organisation_by_slug
from registry.catalogue import get_solution, may_read_pledge_note
from registry.catalogue.kinds import KINDS
from registry.catalogue.reading import may_see_drafts
from registry.errors import NotFound, ValidationFailed
from registry.tables import AuditEvent, Membership, Organisation, Programme, Solution

PAGE_SIZE = 25
MAX_PAGE = 40  # 1,000 events deep
MAX_VALUE_LENGTH = 160  # a long text (a description) is shown cut short

# -- labels -------------------------------------------------------------------------------------

_FIELDS = {f.name: f for kind in KINDS.values() for f in kind.all_fields}
LABELS = {
    **{name: f.label for name, f in _FIELDS.items()},
    "kind": "Kind",
    "level": "Level of interest",
    "amount_pence": "Money",
    "staff_days": "Staff days",
    "status_on": "Date",
    "role": "Role",
    "user": "Person",
    "email": "Email address",
    "expires_at": "Link works until",
    "solutions": "Linked solutions",
    "milestone": "Milestone",
    "value": "Figure",
    "as_of": "Date of the figure",
    "note": "Note",
    "starts_on": "Start date",
    "ends_on": "End date",
    "due_on": "Due date",
    "metric": "What the target counts",
    "target_value": "Target",
    "target_unit": "Unit",
    "target_status": "Target status",
    "position": "Position",
    "name": "Name",
    "org_id": "Organisation identifier",
    "gss_code": "GSS code",
    "iso_3166_2": "ISO 3166-2 code",
    "is_island": "Island council",
    "website": "Website",
    "is_digital_office": "Digital Office curator",
    "reason": "Reason",
}
# What each action did, in words; `{organisation}` is the organisation it was done for.
ACTIONS = {
    "solution.create": "Registered",
    "solution.update": "Edited",
    "solution.status": "Status changed",
    "solution.publish": "Published",
    "solution.retire": "Retired",
    "solution.transfer": "Moved to a new owner",
    "interest.register": "{organisation} registered interest",
    "interest.withdraw": "{organisation} withdrew its interest",
    "sponsorship.pledge": "{organisation} pledged support",
    "sponsorship.withdraw": "{organisation} withdrew its pledge",
    "sponsorship.confirm": "{organisation}'s pledge was confirmed",
    "adoption.record": "{organisation} recorded its use",
    "adoption.propose": "Uses proposed by its publiccode.yml",
    "adoption.dismiss": "{organisation}'s use, proposed by its publiccode.yml, was dismissed",
    "programme.create": "Programme created",
    "programme.update": "Programme edited",
    "programme.link": "Solutions linked",
    "programme.unlink": "Solution unlinked",
    "milestone.create": "Milestone added",
    "milestone.update": "Milestone edited",
    "milestone.remove": "Milestone removed",
    "milestone.figure": "Figure recorded",
    "organisation.create": "Organisation added",
    "organisation.update": "Organisation details edited",
    "membership.add": "Member added",
    "membership.set": "Membership set",
    "membership.role": "Role changed",
    "membership.remove": "Member removed",
    "invitation.create": "Invitation made",
    "invitation.accept": "Invitation accepted: member joined",
    "invitation.cancel": "Invitation withdrawn",
}
PRIVATE_SUBJECTS = ("membership", "invitation", "webhook")  # seen by those who manage the members
ORGANISATION_KEYS = {"organisation", "owner"} | {
    name for name, f in _FIELDS.items() if f.type == "organisation"
}

# -- views ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldChange:
    label: str
    before: str | None  # None: the field had no earlier value recorded (a creation)
    after: str | None  # None: the value was removed (a withdrawal, a removal)


@dataclass(frozen=True, slots=True)
class SubjectLink:
    """What an event on an organisation's history was about, for a link: `route` and `slug`."""

    route: str
    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    at: dt.datetime
    what: str
    who: str
    changes: tuple[FieldChange, ...]
    subject: SubjectLink | None = None


@dataclass(frozen=True, slots=True)
class History:
    subject_type: str  # solution | programme | organisation
    slug: str
    title: str
    events: tuple[HistoryEvent, ...]
    page: int
    per_page: int
    total: int  # counted up to MAX_PAGE pages

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.per_page))


# -- reading --------------------------------------------------------------------------------------


def _page_number(page: Any) -> int:
    if isinstance(page, int) and not isinstance(page, bool):
        number = page
    elif isinstance(page, str) and page.isascii() and page.isdigit() and len(page) <= 4:
        number = int(page)
    elif page in (None, ""):
        number = 1
    else:
        number = 0
    if not 1 <= number <= MAX_PAGE:
        raise ValidationFailed(
            {"page": f"Page must be a whole number from 1 to {MAX_PAGE}"},
            message=f"History is listed {MAX_PAGE} pages deep: choose a page from 1 to {MAX_PAGE}.",
        )
    return number


async def _events(where, page: int) -> tuple[list[dict], int]:
    total = await AuditEvent.count().where(where)
    rows = (
        await AuditEvent.select(
            AuditEvent.all_columns(),
            AuditEvent.actor.display_name.as_alias("actor_name"),
            AuditEvent.actor.is_digital_office.as_alias("actor_is_digital_office"),
            AuditEvent.organisation.name.as_alias("organisation_name"),
            AuditEvent.organisation.slug.as_alias("organisation_slug"),
        )
        .where(where)
        .order_by(AuditEvent.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .output(load_json=True)
    )
    return rows, min(total, PAGE_SIZE * MAX_PAGE)


async def solution_history(actor: Actor, slug: str, page: Any = 1) -> History:
    number = _page_number(page)
    async with db.reading():
        solution = await get_solution(slug, actor)  # a draft the reader cannot see: NotFound
        where = (AuditEvent.subject_type == "solution") & (AuditEvent.subject_id == solution.id)
        rows, total = await _events(where, number)
        words = await _Words.for_rows(actor, rows)
    events = [
        words.event(
            row,
            note_visible=may_read_pledge_note(actor, solution.owner_id, _org(row)),
            address_visible=may_see_drafts(actor, solution.owner_id),
        )
        for row in rows
    ]
    return History(
        "solution", solution.slug, solution.title, tuple(events), number, PAGE_SIZE, total
    )


async def programme_history(actor: Actor, slug: str, page: Any = 1) -> History:
    number = _page_number(page)
    async with db.reading():
        programme = (
            await Programme.select(Programme.id, Programme.slug, Programme.title)
            .where(Programme.slug == slug)
            .first()
        )
        if programme is None:
            raise NotFound(f"There is no programme called {slug!r}")
        where = (AuditEvent.subject_type == "programme") & (
            AuditEvent.subject_id == programme["id"]
        )
        rows, total = await _events(where, number)
        words = await _Words.for_rows(actor, rows)
    events = [words.event(row) for row in rows]
    return History(
        "programme", programme["slug"], programme["title"], tuple(events), number, PAGE_SIZE, total
    )


async def organisation_history(actor: Actor, slug: str, page: Any = 1) -> History:
    """What was done to the organisation's record and what it did (or had done) for itself:
    its solutions, interest, pledges and adoption, and, for those who manage its members, its
    memberships and invitations."""
    number = _page_number(page)
    async with db.reading():
        organisation = await organisation_by_slug(slug)
        org_id = organisation["id"]
        where = (
            (AuditEvent.subject_type == "organisation") & (AuditEvent.subject_id == org_id)
        ) | (AuditEvent.organisation == org_id)
        if not actor.may("membership.manage", org_id):
            where &= AuditEvent.subject_type.not_in(list(PRIVATE_SUBJECTS))
        if not (actor.is_system or actor.is_digital_office):
            hidden_drafts = Solution.select(Solution.id).where(
                (Solution.status == "draft") & Solution.owner.not_in(list(actor.roles) or [0])
            )
            where &= (AuditEvent.subject_type != "solution") | AuditEvent.subject_id.not_in(
                hidden_drafts
            )
        rows, total = await _events(where, number)
        words = await _Words.for_rows(actor, rows, with_subjects=True)
    reads_notes = actor.is_system or actor.is_digital_office or actor.role_in(org_id) is not None
    events = [
        words.event(row, note_visible=reads_notes, address_visible=reads_notes) for row in rows
    ]
    return History(
        "organisation",
        organisation["slug"],
        organisation["name"],
        tuple(events),
        number,
        PAGE_SIZE,
        total,
    )


def _org(row: Mapping) -> str:
    """The slug of the organisation an event was done for, if any."""
    after, before = row["after"] or {}, row["before"] or {}
    found = after.get("organisation") or before.get("organisation") or row["organisation_slug"]
    return found if isinstance(found, str) else ""


# -- putting events into words --------------------------------------------------------------------


class _Words:
    """What the events on one page name, looked up once: organisations by slug, the actors'
    current memberships, and (on an organisation's history) the records the events were about."""

    def __init__(
        self,
        reader: Actor,
        org_names: dict[str, str],
        memberships: set[tuple[int, int]],
        subjects: dict[tuple[str, int], SubjectLink],
    ) -> None:
        self.reader = reader
        self.org_names = org_names
        self.memberships = memberships
        self.subjects = subjects

    @classmethod
    async def for_rows(
        cls, reader: Actor, rows: list[dict], *, with_subjects: bool = False
    ) -> _Words:
        slugs: set[str] = set()
        for row in rows:
            for values in (row["before"] or {}, row["after"] or {}):
                slugs |= {
                    v for k, v in values.items() if k in ORGANISATION_KEYS and isinstance(v, str)
                }
        org_names = {}
        if slugs:
            found = await Organisation.select(Organisation.slug, Organisation.name).where(
                Organisation.slug.is_in(sorted(slugs))
            )
            org_names = {r["slug"]: r["name"] for r in found}
        user_ids = sorted({r["actor"] for r in rows if r["actor"] is not None})
        memberships: set[tuple[int, int]] = set()
        if user_ids:
            found = await Membership.select(Membership.user, Membership.organisation).where(
                Membership.user.is_in(user_ids)
            )
            memberships = {(r["user"], r["organisation"]) for r in found}
        subjects: dict[tuple[str, int], SubjectLink] = {}
        if with_subjects:
            subjects = await _subjects(rows)
        return cls(reader, org_names, memberships, subjects)

    def org_name(self, slug: Any) -> str:
        if not isinstance(slug, str):
            return ""
        return self.org_names.get(slug, slug)

    def who(self, row: Mapping) -> str:
        if row["actor"] is None:
            label = row["actor_label"] or ""
            if label == "seed":
                return "The registry, from its reference documents"
            if "@" in label:  # a person whose account was since deleted
                return "A former user"
            return "The registry's administrators"
        organisation = row["organisation_name"]
        as_curator = row["actor_is_digital_office"] and (
            row["organisation"] is None
            or (row["actor"], row["organisation"]) not in self.memberships
        )
        if as_curator:
            where = "Digital Office curator"
        elif organisation:
            where = organisation
        else:
            where = ""
        if not self.reader.signed_in:
            if as_curator:
                return "A Digital Office curator"
            return f"Someone at {where}" if where else "A registered user"
        name = row["actor_name"] or "A registered user"
        return f"{name} ({where})" if where else name

    def event(
        self, row: Mapping, *, note_visible: bool = True, address_visible: bool = True
    ) -> HistoryEvent:
        action = row["action"]
        organisation = self.org_name(_org(row)) or "An organisation"
        what = ACTIONS.get(action, action.replace(".", " ").replace("_", " ").capitalize())
        what = what.format(organisation=organisation)
        before = dict(row["before"] or {})
        after = dict(row["after"] or {})
        if not note_visible:
            before.pop("note", None)
            after.pop("note", None)
        if not address_visible:  # a solution's contact address: for its keepers only
            before.pop("contact_email", None)
            after.pop("contact_email", None)
        return HistoryEvent(
            at=row["created_at"],
            what=what,
            who=self.who(row),
            changes=tuple(self.changes(action, before, after)),
            subject=self.subjects.get((row["subject_type"], row["subject_id"])),
        )

    def changes(self, action: str, before: dict, after: dict) -> Iterable[FieldChange]:
        area = action.partition(".")[0]
        # The organisation an action was taken for is already in its sentence.
        skip = {"organisation"} if area in ("interest", "sponsorship", "adoption") else set()
        for key in [*after, *(k for k in before if k not in after)]:
            if key in skip:
                continue
            old = self.value(area, key, before[key]) if key in before else None
            new = self.value(area, key, after[key]) if key in after else None
            if key not in before and new in ("", "none"):
                continue  # a creation lists what it set, not every empty field
            if old == new:
                continue
            yield FieldChange(LABELS.get(key, key.replace("_", " ").capitalize()), old, new)

    def value(self, area: str, key: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "none"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if key in ORGANISATION_KEYS:
            return self.org_name(value)
        named = _vocabulary(area, key)
        if named is not None:
            if isinstance(value, list):
                return ", ".join(named.get(str(v), str(v)) for v in value)
            return named.get(str(value), str(value))
        field = _FIELDS.get(key)
        if key == "amount_pence" or (field is not None and field.type == "pence"):
            return _money(value)
        if key.endswith(("_on", "_at")) or key in ("as_of", "application_deadline"):
            return _date(value)
        if isinstance(value, list):
            return ", ".join(
                str(v.get("title") or v.get("url") or "") if isinstance(v, dict) else str(v)
                for v in value
            )
        if isinstance(value, int):
            return f"{value:,}"
        text = " ".join(str(value).split())
        if len(text) > MAX_VALUE_LENGTH:
            return text[: MAX_VALUE_LENGTH - 1].rstrip() + "…"
        return text


def _vocabulary(area: str, key: str) -> Mapping[str, str] | None:
    if key == "status":
        return {
            "sponsorship": vocabulary.SPONSORSHIP_STATUSES,
            "adoption": vocabulary.ADOPTION_STATUSES,
            "programme": vocabulary.PROGRAMME_STATUSES,
        }.get(area, vocabulary.STATUS_LABELS)
    if key == "kind":
        return (
            vocabulary.ORGANISATION_KINDS if area == "organisation" else vocabulary.SOLUTION_KINDS
        )
    fixed = {
        "level": vocabulary.INTEREST_LEVELS,
        "role": vocabulary.ROLES,
        "metric": vocabulary.MILESTONE_METRICS,
        "service_areas": vocabulary.SERVICE_AREAS,
        "characteristics": vocabulary.CHARACTERISTICS,
    }
    if key in fixed:
        return fixed[key]
    field = _FIELDS.get(key)
    return field.options if field is not None and field.options else None


def _money(value: Any) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return str(value)
    pounds, pence = divmod(value, 100)
    return f"£{pounds:,}.{pence:02d}" if pence else f"£{pounds:,}"


def _date(value: Any) -> str:
    try:
        parsed = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{parsed.day} {parsed:%B %Y}"


async def _subjects(rows: list[dict]) -> dict[tuple[str, int], SubjectLink]:
    """Links to the solutions and programmes events on an organisation's history were about."""
    found: dict[tuple[str, int], SubjectLink] = {}
    for subject_type, table, route, title in (
        ("solution", Solution, "solution", Solution.title),
        ("programme", Programme, "programme", Programme.title),
    ):
        ids = sorted({r["subject_id"] for r in rows if r["subject_type"] == subject_type})
        if ids:
            for r in await table.select(table.id, table.slug, title.as_alias("title")).where(
                table.id.is_in(ids)
            ):
                found[(subject_type, r["id"])] = SubjectLink(route, r["slug"], r["title"])
    return found
