"""How an OCDS framework agreement's facts map onto a joint procurement, both ways, one fact at a
time.

`FROM_OCDS` is keyed by the procurement's field names in `registry/catalogue/kinds.py`;
`procurement_values` walks the kind's fields and uses the entry a field has, so a fact OCDS does
not carry (service areas, contact, documents) is left as it is. `framework_facts` walks the same
fields the other way, giving the `Framework` that `ocds.write_release` writes; reading that
release back gives the same values (the round trip the tests hold every procurement to).

Organisations are not matched here: the caller resolves the buyer and the procuring entity to
organisations by identifier and passes their slugs (`Resolved`). What the registry has no place
for (a value in another currency, a duration with no start date, terms set per lot) is said in
the notes returned with the values, never dropped silently.

Pure functions over typed facts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from registry.catalogue.kinds import KINDS
from registry.interchange.ocds import Framework, Lot, Money, Notice, Party, Period, Terms
from registry.validation import HIDDEN_CHARACTERS, MAX_PENCE

PROCUREMENT = KINDS["procurement"]
SUMMARY_MAX = 280
ELLIPSIS = "…"
NOTICE_SEPARATOR = "; "
# The techniques extension's call-off methods and the registry's.
CALL_OFF_METHODS = {
    "withoutReopeningCompetition": "direct_award",
    "withReopeningCompetition": "mini_competition",
    "withAndWithoutReopeningCompetition": "direct_award_or_mini_competition",
}
FRAMEWORK_METHODS = {ours: theirs for theirs, ours in CALL_OFF_METHODS.items()}
# The lifecycle a procurement moves along; an import never moves one back.
LIFECYCLE = ("draft", "planned", "tendering", "awarded", "expired")
# The registry's statuses as the OCDS tender status (`tenderStatus` codelist) and back.
TENDER_STATUS = {
    "draft": "planning",
    "planned": "planned",
    "tendering": "active",
    "awarded": "complete",
    "expired": "complete",
    "retired": "complete",
}
FROM_TENDER_STATUS = {
    "planning": "planned",
    "planned": "planned",
    "active": "tendering",
    "complete": "awarded",
}
ENDED_TENDER = ("cancelled", "unsuccessful", "withdrawn")
CURRENCY = "GBP"
# The ocid prefix of the processes the registry itself describes: a procurement registered here
# rather than imported is published as `ocds-ssregs-<its number>`. (A deployment publishing to
# the OCDS data registry asks the Open Contracting Partnership for a prefix of its own.)
OCID_PREFIX = "ocds-ssregs"
_OWN_OCID = re.compile(re.escape(OCID_PREFIX) + r"-([1-9][0-9]{0,9})")


def own_ocid(solution_id: int) -> str:
    return f"{OCID_PREFIX}-{solution_id}"


def own_solution_id(ocid: str) -> int | None:
    """The number of the procurement an ocid of the registry's own names, if it is one."""
    match = _OWN_OCID.fullmatch(ocid)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Resolved:
    """What the caller found for the framework's organisations: the owner's and the procurement
    body's slugs."""

    owner: str
    procurement_body: str


@dataclass
class Mapped:
    """The values found for one framework and what could not be kept, said for the report."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# -- text --------------------------------------------------------------------------------------


def _visible(text: str) -> str:
    return "".join(ch for ch in text if ch not in HIDDEN_CHARACTERS and ch != "\x00")


def one_line(text: str | None, limit: int) -> tuple[str, bool]:
    """`text` on one line of visible characters within `limit`, and whether it was cut."""
    plain = " ".join(_visible(text or "").split())
    if len(plain) <= limit:
        return plain, False
    return plain[: limit - 1].rstrip() + ELLIPSIS, True


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _shorten(text: str, limit: int) -> str:
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + ELLIPSIS


def summary_and_description(text: str | None, title: str) -> tuple[str, str]:
    """The summary and description from the process's description: its first paragraph as the
    summary when short enough (the rest is the description), else the paragraph shortened with
    "…" and the whole text as the description. No description: the title is the summary."""
    text = _visible(text or "").replace("\r\n", "\n").strip()
    if not text:
        return title, ""
    paragraphs = _paragraphs(text)
    first = " ".join(paragraphs[0].split())
    if len(first) <= SUMMARY_MAX:
        return first, "\n\n".join(paragraphs[1:])
    return _shorten(first, SUMMARY_MAX), text


def description_of(summary: str, description: str, title: str) -> str | None:
    """The process's description from a summary and description: what
    `summary_and_description` reads back to the same two."""
    summary, description = summary.strip(), description.strip()
    if summary.endswith(ELLIPSIS) and " ".join(description.split()).startswith(
        summary.removesuffix(ELLIPSIS)
    ):
        return description
    if not description:
        return None if summary == title else summary
    return f"{summary}\n\n{description}"


# -- OCDS to the registry ------------------------------------------------------------------------


def _period(framework: Framework) -> Period | None:
    if framework.terms and framework.terms.period:
        return framework.terms.period
    return framework.contract_period


def _value(framework: Framework) -> Money | None:
    if framework.terms and framework.terms.value:
        return framework.terms.value
    return framework.value


def _terms(framework: Framework) -> Terms | None:
    """The framework's terms; where only the lots state them and all state the same method,
    the lots' method."""
    if framework.terms is not None:
        return framework.terms
    methods = {lot.terms.method for lot in framework.lots if lot.terms}
    if len(methods) == 1 and all(lot.terms for lot in framework.lots):
        return Terms(method=methods.pop())
    return None


def _day(when: dt.datetime | None) -> dt.date | None:
    return when.date() if when else None


def supplier_name(party: Party) -> str:
    name = party.name or party.legal_name or party.org_id or party.ref
    return one_line(name, 200)[0]


def _dates(framework: Framework, notes: list[str]) -> tuple[dt.date | None, dt.date | None]:
    period = _period(framework)
    if period is None:
        return None, None
    start, end = _day(period.start), _day(period.end)
    if end is None and start and period.duration_in_days is not None:
        try:
            end = start + dt.timedelta(days=period.duration_in_days)
        except OverflowError:  # past the calendar's end: no date to keep
            notes.append(f"contract period of {period.duration_in_days} days: no end date kept")
    if end is None and start is None and period.duration_in_days is not None:
        notes.append(
            f"contract period of {period.duration_in_days} days with no start date: no dates kept"
        )
    kept = []
    for day in (start, end):
        if day is not None and not 1990 <= day.year <= 2100:
            notes.append(f"date {day.isoformat()} is outside 1990 to 2100: not kept")
            day = None
        kept.append(day)
    return kept[0], kept[1]


def _pence(framework: Framework, notes: list[str]) -> int | None:
    money = _value(framework)
    if money is None:
        return None
    if money.currency != CURRENCY:
        notes.append(
            f"value {money.amount} {money.currency or '(no currency)'}: only values in pounds "
            "are kept"
        )
        return None
    # Compared before rounding to pence: a vast amount (1e999999) cannot be rounded at all.
    if not 0 <= money.amount <= Decimal(MAX_PENCE) / 100:
        notes.append(f"value £{money.amount} is outside what the registry keeps: not kept")
        return None
    pence = int((money.amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if not 0 <= pence <= MAX_PENCE:
        notes.append(f"value £{money.amount} is outside what the registry keeps: not kept")
        return None
    return pence


def _lots(framework: Framework, notes: list[str]) -> list[dict]:
    field_ = _field("lots")
    lots = []
    for lot in framework.lots[: field_.max_items]:
        name = one_line(lot.title, 200)[0] or f"Lot {lot.id}"
        suppliers = list(dict.fromkeys(supplier_name(s) for s in lot.suppliers))
        if len(suppliers) > 50:
            notes.append(f"lot {lot.id}: only the first 50 of {len(suppliers)} suppliers kept")
        lots.append({"name": name, "suppliers": suppliers[:50]})
        if lot.terms and framework.terms is not None:
            notes.append(f"lot {lot.id}: its own framework terms are not kept")
    if len(framework.lots) > field_.max_items:
        notes.append(f"only the first {field_.max_items} of {len(framework.lots)} lots kept")
    return lots


def _awarded(framework: Framework, current: Mapping[str, Any], notes: list[str]) -> list[str]:
    """Every supplier admitted, to the whole framework or a lot. Listed in the order already
    stored when the same suppliers are, so reading a file again changes nothing."""
    names = [supplier_name(s) for s in framework.suppliers]
    names += [supplier_name(s) for lot in framework.lots for s in lot.suppliers]
    names = list(dict.fromkeys(names))
    limit = _field("awarded_suppliers").max_items
    if len(names) > limit:
        notes.append(f"only the first {limit} of {len(names)} suppliers kept")
        names = names[:limit]
    stored = current.get("awarded_suppliers") or []
    return list(stored) if set(stored) == set(names) else names


def _status(framework: Framework, current: Mapping[str, Any], notes: list[str]) -> str:
    """The stage the process has reached: by its tender's status where it states one, else
    by whether suppliers were awarded places; never an earlier stage than the one stored (a
    curator's "expired" stays)."""
    tender_status = framework.status
    if tender_status in ENDED_TENDER:
        notes.append(f"the tender was {tender_status}: recorded as expired")
        found = "expired"
    elif tender_status in FROM_TENDER_STATUS:
        found = FROM_TENDER_STATUS[tender_status]
    elif framework.suppliers or any(lot.suppliers for lot in framework.lots):
        found = "awarded"
    else:
        found = "tendering"
    stored = current.get("status")
    if stored in LIFECYCLE and LIFECYCLE.index(stored) > LIFECYCLE.index(found):
        return stored  # a process does not go back: a later stage stays
    return found


def _notice_reference(framework: Framework, notes: list[str]) -> str:
    ids = list(dict.fromkeys(one_line(n.id, 100)[0] for n in framework.notices))
    kept: list[str] = []
    for notice_id in ids:
        if len(NOTICE_SEPARATOR.join([*kept, notice_id])) > 100:
            notes.append(f"notice {notice_id}: no room left in the notice reference")
            continue
        kept.append(notice_id)
    return NOTICE_SEPARATOR.join(kept)


Reader = Callable[[Framework, Resolved, Mapping[str, Any], list[str]], Any]


def _title(f: Framework, r: Resolved, c: Mapping[str, Any], notes: list[str]) -> str:
    title, cut = one_line(f.title, 200)
    if cut:
        notes.append("title shortened to 200 characters")
    if len(title) < 3:
        notes.append("no title: the process's ocid is used")
        title = one_line(f"Framework agreement {f.ocid}", 200)[0]
    return title


def _summary(f: Framework, r: Resolved, c: Mapping[str, Any], notes: list[str]) -> str:
    return summary_and_description(f.description, _title(f, r, c, []))[0]


def _description(f: Framework, r: Resolved, c: Mapping[str, Any], notes: list[str]) -> str:
    text = summary_and_description(f.description, _title(f, r, c, []))[1]
    limit = _field("description").max_length
    if len(text) > limit:
        notes.append(f"description shortened to {limit} characters")
        text = text[: limit - 1] + ELLIPSIS
    return text


def _ends_on(f: Framework, r: Resolved, c: Mapping[str, Any], notes: list[str]):
    return _dates(f, [])[1]


FROM_OCDS: dict[str, Reader] = {
    "title": _title,
    "summary": _summary,
    "description": _description,
    "status": lambda f, r, c, n: _status(f, c, n),
    "procurement_body": lambda f, r, c, n: r.procurement_body,
    "reference": lambda f, r, c, n: one_line(f.reference, 100)[0],
    "call_off_method": lambda f, r, c, n: CALL_OFF_METHODS.get(
        (_terms(f) or Terms()).method or "", ""
    ),
    "call_off_by": lambda f, r, c, n: one_line((_terms(f) or Terms()).buyer_categories, 300)[0],
    "lots": lambda f, r, c, n: _lots(f, n),
    "max_suppliers": lambda f, r, c, n: _maximum(_terms(f), n),
    "awarded_suppliers": lambda f, r, c, n: _awarded(f, c, n),
    "starts_on": lambda f, r, c, n: _dates(f, n)[0],
    "ends_on": _ends_on,
    "notice_reference": lambda f, r, c, n: _notice_reference(f, n),
    "estimated_value": lambda f, r, c, n: _pence(f, n),
}


def _maximum(terms: Terms | None, notes: list[str]) -> int | None:
    maximum = terms.maximum_participants if terms else None
    field_ = _field("max_suppliers")
    if maximum is not None and not field_.minimum <= maximum <= field_.maximum:
        notes.append(f"maximum participants {maximum}: not kept")
        return None
    return maximum


def _field(name: str):
    return next(f for f in PROCUREMENT.all_fields if f.name == name)


def procurement_values(
    framework: Framework, resolved: Resolved, current: Mapping[str, Any] | None = None
) -> Mapped:
    """The procurement's facts from a framework, in the flat input shape the catalogue takes,
    for a procurement whose stored facts are `current` (empty for a new one), with what could
    not be kept."""
    current = current or {}
    found = Mapped()
    for f in PROCUREMENT.all_fields:
        reader = FROM_OCDS.get(f.name)
        if reader is not None:
            found.values[f.name] = reader(framework, resolved, current, found.notes)
    found.values["owner"] = current.get("owner") or resolved.owner
    found.notes = list(dict.fromkeys(found.notes))
    return found


def kept_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The facts a release carries, as compared in a round trip: the mapped fields."""
    return {f.name: values.get(f.name) for f in PROCUREMENT.all_fields if f.name in FROM_OCDS}


# -- the registry to OCDS ------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFacts:
    """An organisation as a release names it: its slug in the registry, name, org-id
    identifier (if it has one) and its page's address, which identifies it too."""

    slug: str
    name: str
    org_id: str | None
    page_url: str

    def party(self, role: str) -> Party:
        ref = self.org_id or f"registry-{self.slug}"
        return Party(
            ref=ref,
            name=self.name,
            org_id=self.org_id,
            roles=(role,),
            legal_name=self.name,
            uri=self.page_url,
        )


def _at_start(day: Any) -> dt.datetime | None:
    day = _as_date(day)
    return dt.datetime.combine(day, dt.time(0, 0), dt.UTC) if day else None


def _at_end(day: Any) -> dt.datetime | None:
    day = _as_date(day)
    return dt.datetime.combine(day, dt.time(23, 59, 59), dt.UTC) if day else None


def _as_date(day: Any) -> dt.date | None:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    if isinstance(day, str) and day:
        return dt.date.fromisoformat(day)
    return None


def framework_facts(
    values: Mapping[str, Any],
    *,
    ocid: str,
    owner: OrganisationFacts,
    procurement_body: OrganisationFacts,
    also_buying: Sequence[OrganisationFacts] = (),
) -> Framework:
    """A procurement's facts (the flat input shape) as a framework agreement's, for
    `ocds.write_release`. `also_buying` are further organisations buying through it (those
    using it), written as buyers as a multi-buyer framework names them."""
    written = {f.name: values.get(f.name) for f in PROCUREMENT.all_fields}
    lot_suppliers = {s for lot in written["lots"] or [] for s in lot.get("suppliers") or []}
    refs: dict[str, Party] = {}

    def supplier(name: str) -> Party:
        if name not in refs:
            refs[name] = Party(ref=f"supplier-{len(refs) + 1}", name=name, org_id=None)
        return refs[name]

    lots = tuple(
        Lot(
            id=str(number),
            title=lot["name"],
            suppliers=tuple(supplier(s) for s in lot.get("suppliers") or []),
        )
        for number, lot in enumerate(written["lots"] or [], start=1)
    )
    method = FRAMEWORK_METHODS.get(written["call_off_method"] or "")
    terms = Terms(
        method=method,
        maximum_participants=written["max_suppliers"],
        buyer_categories=written["call_off_by"] or None,
    )
    period = Period(_at_start(written["starts_on"]), _at_end(written["ends_on"]))
    pence = written["estimated_value"]
    notices = tuple(
        Notice(id=part.strip(), kind="tenderNotice")
        for part in (written["notice_reference"] or "").split(NOTICE_SEPARATOR.strip())
        if part.strip()
    )
    buyers = [owner.party("buyer")]
    buyers += [other.party("buyer") for other in also_buying if other.slug != owner.slug]
    body = procurement_body.party("procuringEntity")
    return Framework(
        ocid=ocid,
        title=written["title"],
        description=description_of(
            written["summary"] or "", written["description"] or "", written["title"]
        ),
        buyers=tuple(buyers),
        procuring_entity=body,
        lots=lots,
        suppliers=tuple(
            supplier(name)
            for name in written["awarded_suppliers"] or []
            if name not in lot_suppliers
        ),
        terms=None if terms == Terms() else terms,
        contract_period=None if period == Period() else period,
        value=Money(Decimal(pence) / 100, CURRENCY) if pence is not None else None,
        notices=notices,
        reference=written["reference"] or None,
        status=TENDER_STATUS.get(written["status"] or ""),
    )
