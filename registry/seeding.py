"""Loading the starting catalogue from `seeds/`, idempotently.

Organisations come from `seeds/organisations/*.yaml` (lists), then one solution per file in
`seeds/solutions/`, then programmes in `seeds/programmes/`, then the groups of synonyms in
`seeds/synonyms.yaml` (a group holding a term a curator has put in another group is skipped, not
forced). Each record's content digest is kept in `seed_record`: a record whose file has not
changed since it was last loaded is left alone (so a second run changes nothing, and edits people
made in the registry survive), and a record whose file changed is brought up to date through the
same services people use, with their validation, audit events and search-outbox rows. Named
adoptions and interests in a seed file are added; the loader never removes what councils recorded
themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from registry import accounts, catalogue, collaboration, organisations, programmes
from registry.catalogue import synonyms
from registry.catalogue.kinds import KINDS
from registry.errors import RegistryError, ValidationFailed
from registry.tables import Organisation, Programme, SeedRecord
from search.synonyms import fold

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
ALL_COUNCILS = "all-councils"


class SeedError(Exception):
    """A seed file is malformed; the message names the file and the problem."""


@dataclass
class SeedReport:
    counts: Counter = field(default_factory=Counter)

    def add(self, what: str, outcome: str) -> None:
        self.counts[(what, outcome)] += 1

    def lines(self) -> list[str]:
        kinds = sorted({what for what, _ in self.counts})
        out = []
        for what in kinds:
            parts = [
                f"{self.counts[(what, outcome)]} {outcome}"
                for outcome in ("created", "updated", "unchanged", "skipped")
                if self.counts[(what, outcome)]
            ]
            out.append(f"{what}: {', '.join(parts)}")
        return out


def _digest(record: Any) -> str:
    canonical = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _documents(directory: Path) -> list[tuple[Path, Any]]:
    """Every YAML file in `directory`, parsed, in name order (a missing directory has none)."""
    documents = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            documents.append((path, yaml.safe_load(path.read_text(encoding="utf-8"))))
        except (OSError, yaml.YAMLError) as exc:
            raise SeedError(f"{path.name}: cannot be read as YAML ({exc})") from exc
    return documents


async def _unchanged(key: str, digest: str) -> bool:
    row = await SeedRecord.select(SeedRecord.digest).where(SeedRecord.key == key).first()
    return row is not None and row["digest"] == digest


async def _remember(key: str, digest: str) -> None:
    updated = (
        await SeedRecord.update(
            {SeedRecord.digest: digest, SeedRecord.loaded_at: dt.datetime.now(dt.UTC)}
        )
        .where(SeedRecord.key == key)
        .returning(SeedRecord.id)
    )
    if not updated:
        await SeedRecord.insert(SeedRecord(key=key, digest=digest))


def _fail(path: Path, slug: str, exc: RegistryError) -> SeedError:
    detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
    return SeedError(f"{path.name} ({slug}): {detail}")


# -- organisations ----------------------------------------------------------------------------


async def _load_organisations(directory: Path, report: SeedReport) -> None:
    actor = accounts.system_actor("seed")
    for path, document in _documents(directory):
        if not isinstance(document, Mapping) or not isinstance(document.get("organisations"), list):
            raise SeedError(f"{path.name}: expected a mapping with an 'organisations' list")
        default_source = document.get("source", "")
        for item in document["organisations"]:
            item = {"source": default_source, **item}
            try:
                values = organisations.check_organisation(item)
            except ValidationFailed as exc:
                raise _fail(path, str(item.get("slug")), exc) from exc
            key = f"organisation:{values['slug']}"
            digest = _digest(values)
            if await _unchanged(key, digest):
                report.add("organisations", "unchanged")
                continue
            before = await Organisation.select().where(Organisation.slug == values["slug"]).first()
            try:
                after = await organisations.save_organisation(actor, item)
            except RegistryError as exc:
                raise _fail(path, values["slug"], exc) from exc
            if before is None:
                report.add("organisations", "created")
            else:
                report.add("organisations", "unchanged" if after == before else "updated")
            await _remember(key, digest)


# -- solutions --------------------------------------------------------------------------------


def _solution_input(document: Mapping[str, Any]) -> dict[str, Any]:
    """The flat service input for a seed file: every field of the kind, absent ones empty, so
    removing a line from a file clears that field on the next load."""
    kind = document.get("kind")
    if kind not in catalogue.DETAIL_FIELDS:
        return dict(document)
    block = document.get(kind) or {}
    if not isinstance(block, Mapping):
        raise SeedError(f"{document.get('slug')}: the '{kind}' block must be a mapping")
    values: dict[str, Any] = {"kind": kind}
    for f in KINDS[kind].all_fields:
        source = block if f.name in catalogue.DETAIL_FIELDS[kind] else document
        value = source.get(f.name)
        if value is None:
            value = f.empty if f.is_json else ""
        values[f.name] = value
    return values


async def _load_solutions(directory: Path, report: SeedReport) -> None:
    actor = accounts.system_actor("seed")
    councils = [
        row["slug"]
        for row in await Organisation.select(Organisation.slug).where(
            Organisation.kind == "council"
        )
    ]
    for path, document in _documents(directory):
        if not isinstance(document, Mapping):
            raise SeedError(f"{path.name}: expected a mapping")
        slug = document.get("slug")
        if slug != path.stem:
            raise SeedError(f"{path.name}: slug {slug!r} must match the file name")
        key = f"solution:{slug}"
        digest = _digest(document)
        if await _unchanged(key, digest):
            report.add("solutions", "unchanged")
            continue
        data = _solution_input(document)
        try:
            existing = await catalogue.get_solution(slug, actor)
        except RegistryError:
            existing = None
        try:
            if existing is None:
                await catalogue.create_solution(actor, data)
                report.add("solutions", "created")
            else:
                changes = {k: v for k, v in data.items() if k != "kind"}
                updated = await catalogue.update_solution(actor, slug, changes, existing.version)
                changed = updated.version != existing.version
                report.add("solutions", "updated" if changed else "unchanged")
            for item in document.get("adoptions") or []:
                targets = (
                    councils
                    if item.get("organisation") == ALL_COUNCILS
                    else [item.get("organisation", "")]
                )
                for organisation in targets:
                    await collaboration.record_adoption(
                        actor, slug, organisation, item.get("status", ""), item.get("status_on")
                    )
            for item in document.get("interests") or []:
                await collaboration.register_interest(
                    actor, slug, item.get("organisation", ""), item.get("level", "")
                )
        except RegistryError as exc:
            raise _fail(path, slug, exc) from exc
        await _remember(key, digest)


# -- programmes -------------------------------------------------------------------------------


async def _load_programmes(directory: Path, report: SeedReport) -> None:
    actor = accounts.system_actor("seed")
    for path, document in _documents(directory):
        if not isinstance(document, Mapping):
            raise SeedError(f"{path.name}: expected a mapping")
        slug = document.get("slug")
        if slug != path.stem:
            raise SeedError(f"{path.name}: slug {slug!r} must match the file name")
        key = f"programme:{slug}"
        digest = _digest(document)
        if await _unchanged(key, digest):
            report.add("programmes", "unchanged")
            continue
        try:
            existed = await Programme.exists().where(Programme.slug == slug)
            await programmes.save_programme(actor, document, document.get("owner", ""))
            linked = list(document.get("solutions") or [])
            if linked:
                await programmes.link_solutions(actor, slug, linked)
            for position, milestone in enumerate(document.get("milestones") or []):
                source = milestone.get("source") or document.get("source", "")
                await programmes.save_milestone(
                    actor, slug, {"position": position, **milestone, "source": source}
                )
                for figure in milestone.get("figures") or []:
                    await programmes.record_figure(actor, slug, milestone.get("slug", ""), figure)
        except RegistryError as exc:
            raise _fail(path, str(slug), exc) from exc
        report.add("programmes", "updated" if existed else "created")
        await _remember(key, digest)


# -- synonyms ---------------------------------------------------------------------------------


async def _load_synonyms(path: Path, report: SeedReport) -> None:
    found = [document for file, document in _documents(path.parent) if file.name == path.name]
    if not found:
        return
    document = found[0]
    groups = document.get("groups") if isinstance(document, Mapping) else None
    if not isinstance(groups, list):
        raise SeedError(f"{path.name}: expected a mapping with a 'groups' list")
    actor = accounts.system_actor("seed")
    for group in groups:
        if not isinstance(group, list) or not group or not all(isinstance(t, str) for t in group):
            raise SeedError(f"{path.name}: each group must be a list of terms ({group!r})")
        key = f"synonyms:{' '.join(fold(group[0]))}"
        digest = _digest(group)
        if await _unchanged(key, digest):
            report.add("synonym groups", "unchanged")
            continue
        try:
            outcome = await synonyms.save_group(actor, group)
        except ValidationFailed as exc:
            if "already in another group" not in exc.fields.get("terms", ""):
                raise _fail(path, group[0], exc) from exc
            report.add("synonym groups", "skipped")
            continue
        report.add("synonym groups", outcome)
        await _remember(key, digest)


def _seeds_directory(directory: Path) -> Path:
    if not directory.is_dir():
        raise SeedError(f"{directory}: no seeds directory here")
    return directory


async def load_seeds(directory: Path = SEEDS_DIR) -> SeedReport:
    directory = _seeds_directory(directory)
    report = SeedReport()
    await _load_organisations(directory / "organisations", report)
    await _load_solutions(directory / "solutions", report)
    await _load_programmes(directory / "programmes", report)
    await _load_synonyms(directory / "synonyms.yaml", report)
    return report


async def count_rows() -> dict[str, int]:
    """How many rows each table holds: the seed command's idempotence is checked on this."""
    from registry.tables import ALL_TABLES

    return {table._meta.tablename: await table.count() for table in ALL_TABLES}
