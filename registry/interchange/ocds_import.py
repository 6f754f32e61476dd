"""Importing OCDS framework agreements as joint procurements, and call-offs as their use.

`import_ocds(actor, files)` reads every file first (in a worker thread: parsing and merging are
CPU-bound), merging the releases of one process from all the files given, so files may come in
any order: a call-off read before its framework waits for it. Then, one process at a time and
each in one transaction:

- a framework agreement creates a joint procurement through the catalogue's own create (the
  same checks, audit event and search outbox row as any registration), or updates the one
  made from the same `ocid` before (its version checked like any edit; a file that says
  nothing new changes nothing, writing no version and no audit event);
- a call-off records the calling-off organisation as using the framework it names, through
  the same service the pages use, whether that framework came in this run or is already in
  the registry.

Organisations are joined on identifiers only, never on names: the org-id identifier of a party
(`GB-LAS-GLG`; also its additional identifiers, and a GSS code written `GB-LAC-…`), or the
address of its page in this registry (which the registry's own releases give as the
identifier's `uri`). A buyer or procuring entity the registry does not know is created as a
partner organisation with its identifier, and the report flags it for checking.

Each file is reported on its own: what its processes did, the defects mended on reading it and
the facts not kept. A file is refused, with every reason, when none of its processes could be
imported; its processes then changed nothing, since each rolled back on its own.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from registry import db
from registry.accounts import Actor, require_digital_office
from registry.catalogue import create_solution, editable_fields, get_solution, update_solution
from registry.catalogue.fields import free_slug, slugify
from registry.collaboration import record_adoption
from registry.config import get_settings
from registry.errors import RegistryError, ValidationFailed
from registry.interchange import ocds, procurements
from registry.interchange.orgids import parse_org_id
from registry.organisations import save_organisation
from registry.tables import Adoption, OcdsProcess, Organisation, Solution

ORG_ID_MAX = 40  # the length of Organisation.org_id
OCID_MAX = 120  # the length of OcdsProcess.ocid


class ProcessRefused(RegistryError):
    """One process cannot be imported; the message says why."""

    status_code = 422


@dataclass
class FileReport:
    """What importing one file did: a line per process imported, warnings (defects mended,
    facts not kept, organisations created), and the reasons it was refused, if it was."""

    source: str
    done: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.refused:
            return [f"{self.source}: refused", *(f"  {reason}" for reason in self.refused)]
        out = [f"{self.source}: imported"]
        out += [f"  {line}" for line in self.done]
        out += [f"  warning: {warning}" for warning in self.warnings]
        return out


@dataclass
class _Outcome:
    """What became of one process: a line when imported, else the reason, and notes."""

    line: str = ""
    reason: str = ""
    also: list[str] = field(default_factory=list)  # what else it recorded
    notes: list[str] = field(default_factory=list)  # what to check, and what was not kept
    slug: str = ""


# -- reading -------------------------------------------------------------------------------------


@dataclass
class _Reading:
    loaded: dict[int, list[str]]  # file index -> the ocids it holds
    file_defects: dict[int, list[str]]
    file_refusals: dict[int, str]
    processes: dict[str, ocds.Framework | ocds.CallOff | str]  # a str: why it is refused


def _read(files: Sequence[bytes]) -> _Reading:
    """Every file's releases, merged per ocid across files, each process classified."""
    loaded: dict[int, list[str]] = {}
    defects: dict[int, list[str]] = {}
    refusals: dict[int, str] = {}
    releases = []
    for index, data in enumerate(files):
        try:
            found, mended = ocds.load_releases(data)
        except ocds.OcdsRefused as exc:
            refusals[index] = str(exc)
            continue
        loaded[index] = list(dict.fromkeys(r["ocid"] for r in found))
        defects[index] = mended
        releases.extend(found)
    processes: dict[str, ocds.Framework | ocds.CallOff | str] = {}
    every_defect = [d for mended in defects.values() for d in mended]
    for ocid, compiled in ocds.compile_releases(releases).items():
        own = tuple(d for d in every_defect if d.startswith(f"{ocid}:"))
        try:
            processes[ocid] = ocds.process_facts(compiled, own)
        except ocds.NotAFramework as reason:
            processes[ocid] = str(reason)
    return _Reading(loaded, defects, refusals, processes)


def read_file(path: str) -> bytes:
    """A file's bytes from disk, within the size limit; ProcessRefused when it cannot be."""
    file = Path(path)
    if not file.is_file():
        raise ProcessRefused("no such file")
    with file.open("rb") as handle:
        data = handle.read(ocds.MAX_BYTES + 1)
    if len(data) > ocds.MAX_BYTES:
        raise ProcessRefused(f"the file is larger than {ocds.MAX_BYTES // (1024 * 1024)} MiB")
    return data


# -- organisations -------------------------------------------------------------------------------


def _id_key(text: str) -> str:
    parsed = parse_org_id(text)
    return f"id:{str(parsed).upper() if parsed else text.strip().upper()}"


class _Organisations:
    """The registry's organisations by every identifier they have: org-id, GSS code and the
    address of their page here."""

    def __init__(self, rows: list[dict], base_url: str):
        self.page = f"{base_url}/organisations/"
        self.by_key: dict[str, dict] = {}
        for row in rows:
            if row["org_id"]:
                self.by_key[_id_key(row["org_id"])] = row
            if row["gss_code"]:
                self.by_key[f"gss:{row['gss_code'].strip().upper()}"] = row
            self.by_key[f"page:{row['slug']}"] = row

    def keys_of(self, party: ocds.Party) -> list[str]:
        keys = []
        for raw in (party.org_id, *party.additional_org_ids):
            if not raw:
                continue
            keys.append(_id_key(raw))
            parsed = parse_org_id(raw)
            if parsed and parsed.scheme == "GB-LAC":
                keys.append(f"gss:{parsed.identifier.upper()}")
        if party.uri and party.uri.rstrip("/").startswith(self.page):
            keys.append(f"page:{party.uri.rstrip('/').removeprefix(self.page)}")
        return keys

    def find(self, party: ocds.Party) -> dict | None:
        for key in self.keys_of(party):
            if key in self.by_key:
                return self.by_key[key]
        return None


async def _organisations() -> _Organisations:
    rows = await Organisation.select(
        Organisation.id,
        Organisation.slug,
        Organisation.name,
        Organisation.org_id,
        Organisation.gss_code,
    )
    return _Organisations(rows, get_settings().base_url.rstrip("/"))


def _describe(party: ocds.Party) -> str:
    name = party.legal_name or party.name or party.ref
    return f"{name} ({party.org_id})" if party.org_id else f"{name} (party {party.ref})"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


async def _free_org_slug(name: str) -> str:
    base = slugify(_ascii(name))[:70].rstrip("-")
    if len(base) < 3:
        base = f"{base}-organisation".strip("-")
    candidate, n = base, 1
    while await Organisation.exists().where(Organisation.slug == candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def _organisation(
    actor: Actor, orgs: _Organisations, party: ocds.Party, ocid: str, notes: list[str]
) -> dict | None:
    """The organisation `party` is, by identifier; created as a partner (and flagged) when the
    registry does not know it; None when it has no identifier the registry can keep."""
    found = orgs.find(party)
    if found is not None:
        return found
    parsed = parse_org_id(party.org_id) if party.org_id else None
    org_id = str(parsed) if parsed else (party.org_id or "")
    if not org_id or len(org_id) > ORG_ID_MAX:
        return None
    name = procurements.one_line(party.legal_name or party.name or org_id, 200)[0]
    if len(name) < 2:
        name = org_id
    row = await save_organisation(
        actor,
        {
            "slug": await _free_org_slug(name),
            "name": name,
            "kind": "partner",
            "org_id": org_id,
            "source": procurements.one_line(f"OCDS {ocid}", 120)[0],
        },
    )
    orgs.by_key[_id_key(org_id)] = row
    orgs.by_key[f"page:{row['slug']}"] = row
    notes.append(
        f"{name} ({org_id}) was not in the registry: created as a partner organisation "
        f"({row['slug']}); check it"
    )
    return row


# -- frameworks ----------------------------------------------------------------------------------


async def _existing(ocid: str) -> str | None:
    """The slug of the procurement made from this process, or of the registry's own process."""
    row = (
        await OcdsProcess.select(OcdsProcess.solution.slug).where(OcdsProcess.ocid == ocid).first()
    )
    if row:
        return row["solution.slug"]
    number = procurements.own_solution_id(ocid)
    if number is not None:
        own = (
            await Solution.select(Solution.slug)
            .where((Solution.id == number) & (Solution.kind == "procurement"))
            .first()
        )
        if own:
            return own["slug"]
    return None


async def _use(actor: Actor, slug: str, organisation: dict, on: dt.date | None) -> tuple[bool, str]:
    """Record the organisation as using the procurement, keeping the earliest date known;
    (whether it changed anything, why it was left)."""
    adoption = (
        await Adoption.select(Adoption.status, Adoption.status_on)
        .where((Adoption.solution.slug == slug) & (Adoption.organisation == organisation["id"]))
        .first()
    )
    if adoption and adoption["status"] == "retired":
        return False, f"{organisation['name']} has stopped using it: left as it is"
    if adoption and adoption["status"] == "live":
        known = adoption["status_on"]
        if on is None or (known is not None and known <= on):
            return False, ""
    await record_adoption(actor, slug, organisation["slug"], "live", on)
    return True, ""


async def _import_framework(
    actor: Actor, framework: ocds.Framework, orgs: _Organisations
) -> _Outcome:
    if len(framework.ocid) > OCID_MAX:
        raise ProcessRefused(f"{framework.ocid[:40]}…: an ocid is at most {OCID_MAX} characters")
    outcome = _Outcome()
    notes = outcome.notes
    buyer = framework.buyers[0] if framework.buyers else None
    owner = await _organisation(actor, orgs, buyer, framework.ocid, notes) if buyer else None
    entity = framework.procuring_entity
    body = await _organisation(actor, orgs, entity, framework.ocid, notes) if entity else None
    if owner is None and body is None:
        named = [_describe(p) for p in (buyer, entity) if p is not None]
        raise ProcessRefused(
            f"{framework.ocid}: no buyer or procuring entity with an organisation identifier "
            f"(scheme and id) to match it to an organisation by"
            + (f"; named: {', '.join(named)}" if named else "")
        )
    for party, said in ((buyer, "buyer"), (entity, "procuring entity")):
        if party is not None and (owner if said == "buyer" else body) is None:
            notes.append(f"the {said} {_describe(party)} has no organisation identifier")
    owner, body = owner or body, body or owner
    resolved = procurements.Resolved(owner=owner["slug"], procurement_body=body["slug"])

    slug = await _existing(framework.ocid)
    if slug is not None:
        view = await get_solution(slug, actor)
        if view.kind != "procurement":
            raise ProcessRefused(f"{framework.ocid}: {view.title} is not a joint procurement")
        if view.status == "retired":
            raise ProcessRefused(f"{framework.ocid}: {view.title} is retired: not updated")
        current = editable_fields(view)
        mapped = procurements.procurement_values(framework, resolved, current)
        if current["owner"] != owner["slug"]:
            notes.append(f"the buyer is {owner['name']}; the owner stays {view.owner.name}")
        changes = {k: v for k, v in mapped.values.items() if k != "owner" and v != current.get(k)}
        after = await update_solution(actor, slug, changes, view.version) if changes else view
        done = "updated" if after.version != view.version else "unchanged"
        outcome.line = f"framework {framework.ocid}: {done} {after.title} ({after.slug})"
    else:
        mapped = procurements.procurement_values(framework, resolved)
        slug = await free_slug(_ascii(mapped.values["title"]))
        view = await create_solution(actor, {"kind": "procurement", "slug": slug, **mapped.values})
        await OcdsProcess.insert(OcdsProcess(solution=view.id, ocid=framework.ocid))
        after = view
        outcome.line = f"framework {framework.ocid}: created {view.title} ({view.slug})"
    notes += mapped.notes
    outcome.slug = after.slug
    for other in framework.buyers[1:]:
        organisation = await _organisation(actor, orgs, other, framework.ocid, notes)
        if organisation is None:
            notes.append(f"the buyer {_describe(other)} has no organisation identifier")
        elif organisation["id"] not in (owner["id"], body["id"]):
            changed, why = await _use(actor, after.slug, organisation, None)
            if changed:
                outcome.also.append(f"{organisation['name']}, a buyer, recorded as using it")
            elif why:
                notes.append(why)
    return outcome


async def _import_call_off(
    actor: Actor, call_off: ocds.CallOff, framework_slug: str, orgs: _Organisations
) -> _Outcome:
    outcome = _Outcome(slug=framework_slug)
    if call_off.buyer is None:
        raise ProcessRefused(f"{call_off.ocid}: the call-off names no buyer")
    organisation = await _organisation(actor, orgs, call_off.buyer, call_off.ocid, outcome.notes)
    if organisation is None:
        raise ProcessRefused(
            f"{call_off.ocid}: the buyer {_describe(call_off.buyer)} has no organisation "
            "identifier to match it to an organisation by"
        )
    on = call_off.date.date() if call_off.date else None
    changed, why = await _use(actor, framework_slug, organisation, on)
    if why:
        outcome.notes.append(why)
    done = "recorded" if changed else "already recorded"
    outcome.line = (
        f"call-off {call_off.ocid}: {organisation['name']} {done} as using {framework_slug}"
    )
    return outcome


# -- the import ----------------------------------------------------------------------------------


async def _in_transaction(work) -> _Outcome:
    """One process's changes, all or none."""
    try:
        async with db.transaction():
            return await work()
    except ValidationFailed as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
        return _Outcome(reason=problems)
    except RegistryError as exc:
        return _Outcome(reason=exc.message)
    except Exception as exc:
        if not db.is_unique_violation(exc):
            raise
        # Another import registered the same process or organisation first.
        return _Outcome(reason="written by another import at the same time: import it again")


async def import_ocds(actor: Actor, files: Sequence[tuple[str, bytes]]) -> list[FileReport]:
    """Import OCDS files, given as (name, bytes), in any order; a report per file."""
    # Organisations the registry does not know are created: the Digital Office's to do.
    require_digital_office(actor)
    reading = await anyio.to_thread.run_sync(_read, [data for _, data in files])
    outcomes: dict[str, _Outcome] = {}
    frameworks = {ocid: p for ocid, p in reading.processes.items() if isinstance(p, ocds.Framework)}
    for ocid, framework in frameworks.items():

        async def framework_work(framework=framework) -> _Outcome:
            return await _import_framework(actor, framework, await _organisations())

        outcome = await _in_transaction(framework_work)
        if outcome.reason and not outcome.reason.startswith(ocid):
            outcome.reason = f"{ocid}: {outcome.reason}"
        outcomes[ocid] = outcome
    for ocid, process in reading.processes.items():
        if isinstance(process, str):
            outcomes[ocid] = _Outcome(
                reason=f"{process}; a later release of a framework agreement is imported "
                "together with its earlier ones"
            )
        elif isinstance(process, ocds.CallOff):
            outcomes[ocid] = await _call_off(actor, process, outcomes)
    return [
        _file_report(index, source, reading, outcomes) for index, (source, _) in enumerate(files)
    ]


async def _call_off(
    actor: Actor, call_off: ocds.CallOff, outcomes: dict[str, _Outcome]
) -> _Outcome:
    framework = outcomes.get(call_off.framework_ocid)
    if framework is not None and framework.reason:
        return _Outcome(
            reason=f"{call_off.ocid}: its framework {call_off.framework_ocid} was not imported"
        )
    slug = framework.slug if framework is not None else await _existing(call_off.framework_ocid)
    if slug is None:
        return _Outcome(
            reason=f"{call_off.ocid}: calls off from {call_off.framework_ocid}, which is "
            "neither in the registry nor in the files given"
        )

    async def work() -> _Outcome:
        return await _import_call_off(actor, call_off, slug, await _organisations())

    outcome = await _in_transaction(work)
    if outcome.reason and not outcome.reason.startswith(call_off.ocid):
        outcome.reason = f"{call_off.ocid}: {outcome.reason}"
    return outcome


def _file_report(
    index: int, source: str, reading: _Reading, outcomes: dict[str, _Outcome]
) -> FileReport:
    report = FileReport(source)
    if index in reading.file_refusals:
        report.refused.append(reading.file_refusals[index])
        return report
    ocids = reading.loaded[index]
    imported = [outcomes[o] for o in ocids if o in outcomes and not outcomes[o].reason]
    failed = [outcomes[o].reason for o in ocids if o in outcomes and outcomes[o].reason]
    if not imported:
        report.refused = failed or ["no process in the file could be imported"]
        return report
    report.done = [line for o in imported for line in (o.line, *(f"  {a}" for a in o.also))]
    report.warnings = list(reading.file_defects.get(index, []))
    report.warnings += [f"not imported: {reason}" for reason in failed]
    for outcome in imported:
        report.warnings += outcome.notes
    report.warnings = list(dict.fromkeys(report.warnings))
    return report


__all__ = ["FileReport", "ProcessRefused", "import_ocds", "read_file"]
