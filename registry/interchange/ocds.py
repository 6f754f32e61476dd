"""OCDS in and out: framework agreements read from published data, and written as a release.

Reading takes the bytes of any shape that occurs in published data — a release package, a
record package (its compiled release is read), a bare release or a JSON array of releases —
within `MAX_BYTES` and `MAX_DEPTH`. Releases of one `ocid`, from one file or several, are merged
into a compiled view with the Open Contracting library `ocdsmerge`, using the OCDS 1.1 merge
rules held here (so nothing is fetched). Each compiled process then becomes:

- a `Framework` when `tender.techniques.hasFrameworkAgreement` (or a lot's) is true;
- a `CallOff` when a `relatedProcesses` entry has relationship `framework`;
- otherwise it is refused, saying it has no framework agreement.

Real-world defects are mended and reported, never fatal: `identifer` for `identifier`, amounts
and counts written as strings, `relationship` as a string instead of an array.

`write_release(framework, ...)` gives an OCDS 1.1 release using the techniques and lots
extensions that `read_ocds` reads back to the same facts.

Pure and CPU-bound: callers on the event loop run these in a worker thread.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ocdsmerge import Merger

MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 32
MAX_RELEASES = 10_000

TECHNIQUES_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_techniques_extension/master/extension.json"
)
LOTS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_lots_extension/v1.1.5/extension.json"
)
FRAMEWORK_METHODS = (
    "withReopeningCompetition",
    "withoutReopeningCompetition",
    "withAndWithoutReopeningCompetition",
)

# The OCDS 1.1 merge rules that differ from ocdsmerge's defaults (objects merge by key, arrays
# of objects by `id`, arrays of strings whole): the release-level fields omitted from a
# compiled release, and the arrays of objects the schema marks `wholeListMerge`.
_WHOLE_LISTS = [
    ("parties", "additionalIdentifiers"),
    ("buyer", "additionalIdentifiers"),
    ("tender", "procuringEntity", "additionalIdentifiers"),
    ("tender", "tenderers", "additionalIdentifiers"),
    ("awards", "suppliers", "additionalIdentifiers"),
    ("tender", "items", "additionalClassifications"),
    ("awards", "items", "additionalClassifications"),
    ("contracts", "items", "additionalClassifications"),
]
MERGE_RULES: dict[tuple[str, ...], str] = {
    ("id",): "omitWhenMerged",
    ("date",): "omitWhenMerged",
    ("tag",): "omitWhenMerged",
    **{path: "wholeListMerge" for path in _WHOLE_LISTS},
}


class OcdsRefused(ValueError):
    """The input is not OCDS this reader can take; the message says why."""


class NotAFramework(ValueError):
    """A process with neither a framework agreement nor a call-off from one."""


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str | None = None


@dataclass(frozen=True)
class Period:
    start: datetime | None = None
    end: datetime | None = None
    duration_in_days: int | None = None


@dataclass(frozen=True)
class Party:
    """An organisation in the process: `org_id` is `scheme-id` from its identifier (None when
    it has none), `ref` is its id within the release; `legal_name` and `uri` are its
    identifier's."""

    ref: str
    name: str | None
    org_id: str | None
    roles: tuple[str, ...] = ()
    additional_org_ids: tuple[str, ...] = ()
    legal_name: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class Terms:
    """The framework agreement's own terms (techniques extension)."""

    method: str | None = None
    minimum_participants: int | None = None
    maximum_participants: int | None = None
    buyer_categories: str | None = None
    period_rationale: str | None = None
    value: Money | None = None
    period: Period | None = None


@dataclass(frozen=True)
class Lot:
    id: str
    title: str | None = None
    description: str | None = None
    value: Money | None = None
    contract_period: Period | None = None
    terms: Terms | None = None
    suppliers: tuple[Party, ...] = ()


@dataclass(frozen=True)
class Notice:
    """A published notice: a document of the process whose type ends in "Notice"."""

    id: str
    kind: str
    url: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Framework:
    """The facts of a framework agreement's procurement."""

    ocid: str
    title: str | None
    description: str | None = None
    buyers: tuple[Party, ...] = ()
    procuring_entity: Party | None = None
    parties: tuple[Party, ...] = ()
    lots: tuple[Lot, ...] = ()
    suppliers: tuple[Party, ...] = ()
    terms: Terms | None = None
    procurement_method: str | None = None
    contract_period: Period | None = None
    value: Money | None = None
    notices: tuple[Notice, ...] = ()
    # The procurement's own reference (`tender.id`, when it is not the ocid), and the tender's
    # status (the `tenderStatus` codelist).
    reference: str | None = None
    status: str | None = None
    release_ids: tuple[str, ...] = field(default=(), compare=False)
    defects: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class CallOff:
    """A process that calls off from a framework (`framework_ocid`)."""

    ocid: str
    framework_ocid: str
    title: str | None = None
    buyer: Party | None = None
    related_lots: tuple[str, ...] = ()
    competitive: bool | None = None
    value: Money | None = None
    suppliers: tuple[Party, ...] = ()
    # When the call-off began: its contract's or award's start, else the release's date.
    date: datetime | None = None
    defects: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class OcdsReading:
    """Everything read from a set of files: processes by kind, those refused and why."""

    frameworks: tuple[Framework, ...] = ()
    call_offs: tuple[CallOff, ...] = ()
    refused: tuple[tuple[str, str], ...] = ()
    defects: tuple[str, ...] = ()


# -- reading -----------------------------------------------------------------------------------


def load_releases(data: bytes) -> tuple[list[dict[str, Any]], list[str]]:
    """The releases in one file of any published shape, and the defects mended on the way."""
    if len(data) > MAX_BYTES:
        raise OcdsRefused(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise OcdsRefused("the file is not UTF-8 text") from None
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_constant)
    except RecursionError:
        raise OcdsRefused(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise OcdsRefused(f"not valid JSON: {error}") from None
    _check_depth(value)
    if isinstance(value, dict) and isinstance(value.get("releases"), list):
        candidates = value["releases"]
    elif isinstance(value, dict) and isinstance(value.get("records"), list):
        candidates = [_record_release(record) for record in value["records"]]
    elif isinstance(value, dict) and "ocid" in value:
        candidates = [value]
    elif isinstance(value, list):
        candidates = value
    else:
        raise OcdsRefused(
            "not OCDS: expected a release package, a record package, a release "
            "or a list of releases"
        )
    if len(candidates) > MAX_RELEASES:
        raise OcdsRefused(f"more than {MAX_RELEASES} releases in one file")
    releases: list[dict[str, Any]] = []
    defects: list[str] = []
    for index, release in enumerate(candidates):
        if not isinstance(release, dict) or not isinstance(release.get("ocid"), str):
            defects.append(f"releases[{index}]: skipped, not a release with an ocid")
            continue
        releases.append(_mend(release, defects))
    if not releases:
        raise OcdsRefused("the file holds no release with an ocid")
    return releases, defects


def _constant(name: str) -> Decimal:
    # Infinity and NaN are not JSON, but some writers emit them.
    return Decimal(name)


# NUL, and the halves of a character that `\\ud800`-style escapes can name alone: no database
# text holds them.
_UNHELD = re.compile("[\x00\ud800-\udfff]")


def _check_depth(value: Any) -> None:
    """Refuse nesting deeper than `MAX_DEPTH`, and text no database can keep."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise OcdsRefused(f"the JSON is nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            for key in item:
                _check_text(key)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            _check_text(item)


def _check_text(text: str) -> None:
    found = _UNHELD.search(text)
    if found:
        where = text[max(0, found.start() - 30) : found.start()].encode("ascii", "replace")
        raise OcdsRefused(
            f"a text holds \\u{ord(found.group()):04x}, which is not a character text can hold "
            f"(after {where.decode()!r})"
        )


def _record_release(record: Any) -> Any:
    if isinstance(record, dict) and isinstance(record.get("compiledRelease"), dict):
        return record["compiledRelease"]
    return record


def _mend(release: dict[str, Any], defects: list[str]) -> dict[str, Any]:
    """A copy of `release` with the known real-world defects put right and reported."""
    where = release["ocid"]
    release = json.loads(json.dumps(release, default=_json_default), parse_float=Decimal)
    for section in ("parties", "relatedProcesses"):
        for index, item in enumerate(release.get(section) or ()):
            if isinstance(item, dict) and "identifer" in item:
                value = item.pop("identifer")
                item.setdefault("identifier", value)
                defects.append(f"{where}: {section}[{index}] spells identifier as 'identifer'")
    for index, item in enumerate(release.get("relatedProcesses") or ()):
        if isinstance(item, dict) and isinstance(item.get("relationship"), str):
            item["relationship"] = [item["relationship"]]
            defects.append(f"{where}: relatedProcesses[{index}].relationship is a string")
    _mend_numbers(release, where, "", defects)
    return release


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


_NUMBER_KEYS = frozenset(
    ["amount", "numberOfTenderers", "minimumParticipants", "maximumParticipants",
     "durationInDays", "quantity"]
)  # fmt: skip


def _mend_numbers(value: Any, where: str, path: str, defects: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else key
            if key in _NUMBER_KEYS and isinstance(item, str):
                try:
                    number = Decimal(item.strip().replace(",", ""))
                except InvalidOperation:
                    number = None
                if number is not None and number.is_finite():
                    value[key] = number
                    defects.append(f"{where}: {here} is a number written as a string")
                else:  # not a number, or "NaN" or "Infinity"
                    defects.append(f"{where}: {here} is not a number; ignored")
                    value[key] = None
            elif key == "amount" and isinstance(item, float) and not math.isfinite(item):
                # NaN or Infinity written bare (not JSON, but some writers emit it), or a number
                # too large for any amount. (A count so large means "no maximum".)
                defects.append(f"{where}: {here} is not a finite number; ignored")
                value[key] = None
            else:
                _mend_numbers(item, where, here, defects)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _mend_numbers(item, where, f"{path}[{index}]", defects)


def compile_releases(releases: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One compiled release per ocid, merging several releases of one process by the OCDS
    rules (latest date wins field by field; arrays of objects merge by id)."""
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for release in releases:
        by_ocid.setdefault(release["ocid"], []).append(release)
    merger = Merger(merge_rules=MERGE_RULES)
    compiled = {}
    for ocid, group in by_ocid.items():
        dated = [r for r in group if isinstance(r.get("date"), str)]
        if len(group) == 1:
            compiled[ocid] = group[0]
        else:
            undated = [r for r in group if not isinstance(r.get("date"), str)]
            merged = merger.create_compiled_release(
                [_floats(r) for r in undated] + [_floats(r) for r in dated]
            )
            compiled[ocid] = json.loads(json.dumps(merged), parse_float=Decimal)
            compiled[ocid]["_release_ids"] = [str(r.get("id")) for r in group]
    return compiled


def _floats(release: dict[str, Any]) -> dict[str, Any]:
    """ocdsmerge works on plain JSON values."""
    return json.loads(json.dumps(release, default=_json_default))


def read_ocds(*files: bytes) -> OcdsReading:
    """Read any number of files (in any order) into frameworks and call-offs.

    Raises OcdsRefused for a file that is not OCDS at all; a process with no framework
    agreement is listed in `refused` with the reason."""
    releases: list[dict[str, Any]] = []
    defects: list[str] = []
    for data in files:
        found, mended = load_releases(data)
        releases.extend(found)
        defects.extend(mended)
    frameworks, call_offs, refused = [], [], []
    for ocid, compiled in compile_releases(releases).items():
        own = tuple(d for d in defects if d.startswith(f"{ocid}:"))
        try:
            facts = process_facts(compiled, own)
        except NotAFramework as reason:
            refused.append((ocid, str(reason)))
            continue
        (frameworks if isinstance(facts, Framework) else call_offs).append(facts)
    return OcdsReading(tuple(frameworks), tuple(call_offs), tuple(refused), tuple(defects))


def process_facts(release: dict[str, Any], defects: tuple[str, ...] = ()) -> Framework | CallOff:
    """The framework or call-off in one compiled release, or NotAFramework."""
    ocid = release["ocid"]
    tender = _dict(release.get("tender"))
    parties = _parties(release)
    by_ref = {party.ref: party for party in parties}
    framework_of = [
        process
        for process in _dicts(release.get("relatedProcesses"))
        if "framework" in (process.get("relationship") or ())
        and isinstance(process.get("identifier"), str)
    ]
    techniques = _dict(tender.get("techniques"))
    lots_with_framework = [
        lot
        for lot in _dicts(tender.get("lots"))
        if _dict(lot.get("techniques")).get("hasFrameworkAgreement") is True
    ]
    if techniques.get("hasFrameworkAgreement") is True or lots_with_framework:
        return _framework(release, tender, parties, by_ref, defects)
    if framework_of:
        related = framework_of[0]
        return CallOff(
            ocid=ocid,
            framework_ocid=related["identifier"],
            title=_str(tender.get("title")) or _str(related.get("title")),
            buyer=_reference(release.get("buyer"), by_ref),
            related_lots=tuple(str(x) for x in related.get("relatedLots") or ()),
            competitive=tender.get("competitive")
            if isinstance(tender.get("competitive"), bool)
            else None,
            value=_money(_first_award(release).get("value")) or _money(tender.get("value")),
            suppliers=_awarded(release, by_ref, lot=None, whole=True),
            date=_call_off_date(release),
            defects=defects,
        )
    raise NotAFramework(
        f"{ocid}: no framework agreement (tender.techniques.hasFrameworkAgreement is not "
        "true) and not a call-off from one (no relatedProcesses with relationship framework)"
    )


def _framework(release, tender, parties, by_ref, defects) -> Framework:
    buyers = []
    buyer = _reference(release.get("buyer"), by_ref)
    if buyer is not None:
        buyers.append(buyer)
    for party in parties:
        if "buyer" in party.roles and all(party.ref != b.ref for b in buyers):
            buyers.append(party)
    procuring = _reference(tender.get("procuringEntity"), by_ref)
    if procuring is None:
        procuring = next((p for p in parties if "procuringEntity" in p.roles), None)
    lots = tuple(
        Lot(
            id=str(lot["id"]),
            title=_str(lot.get("title")),
            description=_str(lot.get("description")),
            value=_money(lot.get("value")),
            contract_period=_period(lot.get("contractPeriod")),
            terms=_terms(_dict(lot.get("techniques")).get("frameworkAgreement")),
            suppliers=_awarded(release, by_ref, lot=str(lot["id"])),
        )
        for lot in _dicts(tender.get("lots"))
        if lot.get("id") is not None
    )
    notices = tuple(
        Notice(
            id=str(doc["id"]),
            kind=doc["documentType"],
            url=_str(doc.get("url")),
            title=_str(doc.get("title")),
        )
        for doc in _dicts(tender.get("documents"))
        if isinstance(doc.get("documentType"), str)
        and doc["documentType"].endswith("Notice")
        and doc.get("id") is not None
    )
    return Framework(
        ocid=release["ocid"],
        title=_str(tender.get("title")),
        description=_str(tender.get("description")),
        buyers=tuple(buyers),
        procuring_entity=procuring,
        parties=parties,
        lots=lots,
        suppliers=_awarded(release, by_ref, lot=None, whole=True),
        terms=_terms(_dict(tender.get("techniques")).get("frameworkAgreement")),
        procurement_method=_str(tender.get("procurementMethod")),
        contract_period=_period(tender.get("contractPeriod")),
        value=_money(tender.get("value")),
        notices=notices,
        reference=_str(tender.get("id")) if _str(tender.get("id")) != release["ocid"] else None,
        status=_str(tender.get("status")),
        release_ids=tuple(release.get("_release_ids") or [str(release.get("id"))]),
        defects=defects,
    )


def _call_off_date(release: dict[str, Any]) -> datetime | None:
    for item in (*_dicts(release.get("contracts")), *_dicts(release.get("awards"))):
        period = _period(item.get("period")) or _period(item.get("contractPeriod"))
        if period and period.start:
            return period.start
    return _when(release.get("date"))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _org_id(identifier: Any) -> str | None:
    identifier = _dict(identifier)
    scheme, ident = identifier.get("scheme"), identifier.get("id")
    if isinstance(ident, (int, Decimal)):
        ident = str(ident)
    if isinstance(scheme, str) and scheme.strip() and isinstance(ident, str) and ident.strip():
        return f"{scheme.strip()}-{ident.strip()}"
    return None


def _parties(release: dict[str, Any]) -> tuple[Party, ...]:
    parties = []
    for item in _dicts(release.get("parties")):
        if item.get("id") is None:
            continue
        identifier = _dict(item.get("identifier"))
        parties.append(
            Party(
                ref=str(item["id"]),
                name=_str(item.get("name")),
                org_id=_org_id(item.get("identifier")),
                roles=tuple(r for r in item.get("roles") or () if isinstance(r, str)),
                additional_org_ids=tuple(
                    org_id
                    for org_id in (_org_id(x) for x in _dicts(item.get("additionalIdentifiers")))
                    if org_id
                ),
                legal_name=_str(identifier.get("legalName")),
                uri=_str(identifier.get("uri")),
            )
        )
    return tuple(parties)


def _reference(value: Any, by_ref: dict[str, Party]) -> Party | None:
    value = _dict(value)
    if value.get("id") is None:
        return None
    ref = str(value["id"])
    return by_ref.get(ref) or Party(ref=ref, name=_str(value.get("name")), org_id=None)


def _awarded(release, by_ref, *, lot: str | None, whole: bool = False) -> tuple[Party, ...]:
    """Suppliers of active (or unstated-status) awards: for one lot, or for awards naming no
    lot when `whole`."""
    found: dict[str, Party] = {}
    for award in _dicts(release.get("awards")):
        if award.get("status") not in (None, "active", "pending"):
            continue
        related = [str(x) for x in award.get("relatedLots") or ()]
        if (lot is not None and lot in related) or (whole and not related):
            for supplier in _dicts(award.get("suppliers")):
                party = _reference(supplier, by_ref)
                if party is not None:
                    found.setdefault(party.ref, party)
    return tuple(found.values())


def _first_award(release: dict[str, Any]) -> dict[str, Any]:
    awards = _dicts(release.get("awards"))
    return awards[0] if awards else {}


def _number(value: Any) -> Decimal | None:
    """A finite number; None for anything else (NaN and Infinity, which some writers emit)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return number if number.is_finite() else None


def _count(value: Any) -> int | None:
    """A whole count; None when absent or unbounded (the techniques extension writes 1e9999
    for "no maximum")."""
    number = _number(value)
    if number is None or not number.is_finite() or abs(number) > 10**9:
        return None
    return int(number)


def _money(value: Any) -> Money | None:
    value = _dict(value)
    amount = _number(value.get("amount"))
    if amount is None:
        return None
    return Money(amount, _str(value.get("currency")))


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _period(value: Any) -> Period | None:
    value = _dict(value)
    period = Period(
        _when(value.get("startDate")),
        _when(value.get("endDate")),
        _count(value.get("durationInDays")),
    )
    return None if period == Period() else period


def _terms(value: Any) -> Terms | None:
    value = _dict(value)
    method = value.get("method")
    terms = Terms(
        method=method if method in FRAMEWORK_METHODS else None,
        minimum_participants=_count(value.get("minimumParticipants")),
        maximum_participants=_count(value.get("maximumParticipants")),
        buyer_categories=_str(value.get("buyerCategories")),
        period_rationale=_str(value.get("periodRationale")),
        value=_money(value.get("value")),
        period=_period(value.get("period")),
    )
    return None if terms == Terms() else terms


# -- writing -----------------------------------------------------------------------------------


def _split_org_id(org_id: str) -> dict[str, str]:
    from registry.interchange.orgids import parse_org_id

    parsed = parse_org_id(org_id)
    if parsed is None:
        scheme, _, ident = org_id.rpartition("-")
        return {"scheme": scheme, "id": ident}
    return {"scheme": parsed.scheme, "id": parsed.identifier}


def _clean(value: Any) -> Any:
    """Drop empty values, so the release carries no nulls or empty objects."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, {}, [], "")}
    if isinstance(value, (list, tuple)):
        return [item for item in (_clean(v) for v in value) if item not in (None, {}, [], "")]
    return value


def _w_money(money: Money | None) -> dict[str, Any] | None:
    if money is None:
        return None
    amount = int(money.amount) if money.amount == money.amount.to_integral() else money.amount
    return {"amount": amount, "currency": money.currency}


def _w_period(period: Period | None) -> dict[str, Any] | None:
    if period is None:
        return None
    return {
        "startDate": period.start.isoformat() if period.start else None,
        "endDate": period.end.isoformat() if period.end else None,
        "durationInDays": period.duration_in_days,
    }


def _w_terms(terms: Terms | None) -> dict[str, Any] | None:
    if terms is None:
        return None
    return {
        "method": terms.method,
        "minimumParticipants": terms.minimum_participants,
        "maximumParticipants": terms.maximum_participants,
        "buyerCategories": terms.buyer_categories,
        "periodRationale": terms.period_rationale,
        "value": _w_money(terms.value),
        "period": _w_period(terms.period),
    }


def write_release(framework: Framework, *, release_id: str, date: datetime) -> dict[str, Any]:
    """The framework as an OCDS 1.1 release (techniques and lots extensions), as a JSON-ready
    dict with Decimal amounts (serialise with `dumps`)."""
    parties: dict[str, dict[str, Any]] = {}

    def party(p: Party | None, role: str) -> dict[str, Any] | None:
        if p is None:
            return None
        identifier = _split_org_id(p.org_id) if p.org_id else {}
        entry = parties.setdefault(
            p.ref,
            {
                "id": p.ref,
                "name": p.name,
                "identifier": {**identifier, "legalName": p.legal_name, "uri": p.uri},
                "additionalIdentifiers": [_split_org_id(x) for x in p.additional_org_ids],
                "roles": list(p.roles),
            },
        )
        if role not in entry["roles"]:
            entry["roles"].append(role)
        return {"id": p.ref, "name": p.name}

    for p in framework.parties:
        party(p, p.roles[0] if p.roles else "interestedParty")
    buyer = party(framework.buyers[0], "buyer") if framework.buyers else None
    for other in framework.buyers[1:]:
        party(other, "buyer")
    procuring = party(framework.procuring_entity, "procuringEntity")
    awards = []
    if framework.suppliers:
        awards.append({
            "id": f"{framework.ocid}-award",
            "status": "active",
            "suppliers": [party(s, "supplier") for s in framework.suppliers],
        })  # fmt: skip
    for lot in framework.lots:
        if lot.suppliers:
            awards.append({
                "id": f"{framework.ocid}-lot-{lot.id}",
                "status": "active",
                "relatedLots": [lot.id],
                "suppliers": [party(s, "supplier") for s in lot.suppliers],
            })  # fmt: skip
    tender = {
        "id": framework.reference or framework.ocid,
        "title": framework.title,
        "status": framework.status,
        "description": framework.description,
        "procuringEntity": procuring,
        "procurementMethod": framework.procurement_method,
        "value": _w_money(framework.value),
        "contractPeriod": _w_period(framework.contract_period),
        "techniques": {
            "hasFrameworkAgreement": True,
            "frameworkAgreement": _w_terms(framework.terms),
        },
        "lots": [
            {
                "id": lot.id,
                "title": lot.title,
                "description": lot.description,
                "value": _w_money(lot.value),
                "contractPeriod": _w_period(lot.contract_period),
                "techniques": {"frameworkAgreement": _w_terms(lot.terms)} if lot.terms else None,
            }
            for lot in framework.lots
        ],
        "documents": [
            {"id": n.id, "documentType": n.kind, "url": n.url, "title": n.title}
            for n in framework.notices
        ],
    }
    release = {
        "ocid": framework.ocid,
        "id": release_id,
        "date": date.isoformat(),
        "tag": ["tender", "award"] if awards else ["tender"],
        "initiationType": "tender",
        "parties": list(parties.values()),
        "buyer": buyer,
        "tender": tender,
        "awards": awards,
    }
    return _clean(release)


def write_package(
    releases: list[dict[str, Any]], *, uri: str, published: datetime, publisher: str
) -> dict[str, Any]:
    """A release package of OCDS 1.1 around `releases`, declaring the extensions used."""
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": published.isoformat(),
        "publisher": {"name": publisher},
        "extensions": [TECHNIQUES_EXTENSION, LOTS_EXTENSION],
        "releases": releases,
    }


def dumps(value: Any) -> str:
    """JSON text of a release or package, with Decimal amounts as numbers."""

    def default(item: Any) -> Any:
        if isinstance(item, Decimal):
            return int(item) if item == item.to_integral() else float(item)
        raise TypeError(type(item).__name__)

    return json.dumps(value, default=default, ensure_ascii=False, indent=2)
