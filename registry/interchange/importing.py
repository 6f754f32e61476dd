"""Importing publiccode.yml files as components, and matching the organisations files name.

`import_publiccode(actor, data, owner=...)` reads a file (in a worker thread: the reading is
CPU-bound), refuses an invalid one with every problem by key path and changes nothing, and
otherwise creates the component, or updates the one whose repository is the file's `url` (or
whose page it is), through the catalogue's own create and update: the same permission checks,
validation, version check, audit event and search outbox row as any edit.

Organisations are matched on what identifies them, never invented: the org-id identifier
(`GB-LAS-GLG`), the GSS code, the registry's slug or page address, the website, or the name
with or without "Council" (`OrganisationMatcher`). A file's `usedBy` entries that match become
proposed adoptions the component's owner confirms or dismisses (`proposals`), written in the
same transaction as the component; the others are listed as not matched, never invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import httpx

from registry import db
from registry.accounts import Actor, require_signed_in
from registry.catalogue import (
    create_solution,
    editable_fields,
    get_solution,
    may_see_drafts,
    update_solution,
)
from registry.config import get_settings
from registry.errors import RegistryError, ValidationFailed
from registry.interchange import components, proposals
from registry.interchange.orgids import parse_org_id
from registry.interchange.publiccode import Publiccode, Reading, read_publiccode
from registry.interchange.yaml12 import MAX_BYTES
from registry.tables import ComponentDetail, Organisation, Solution

FETCH_TIMEOUT = 10.0
NOT_KEPT = {
    "platforms": "platforms",
    "depends_on": "dependsOn",
    "logo": "logo",
    "categories": "categories",
    "software_version": "softwareVersion",
}


class ImportRefused(RegistryError):
    """The file cannot be imported; `problems` are every reason, by key path."""

    status_code = 422

    def __init__(self, source: str, problems: Iterable[str]):
        self.problems = tuple(problems)
        super().__init__(
            f"{source} was not imported: {len(self.problems)} problem(s)",
            {str(i): p for i, p in enumerate(self.problems, start=1)},
        )


@dataclass
class PubliccodeImport:
    """What importing one file did."""

    source: str
    slug: str = ""
    title: str = ""
    created: bool = False
    changed: bool = False
    warnings: list[str] = field(default_factory=list)
    # usedBy entries: (as written, organisation slug, organisation name) when matched; those
    # newly proposed as adoptions for the owner to confirm are also in `proposed`.
    matched: list[tuple[str, str, str]] = field(default_factory=list)
    proposed: list[tuple[str, str, str]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    not_kept: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        done = "created" if self.created else ("updated" if self.changed else "unchanged")
        out = [f"{self.source}: {done} {self.title} ({self.slug})"]
        out += [f"  warning: {w}" for w in self.warnings]
        out += [
            f"  used by {written!r}: matches {name} ({slug}); "
            + (
                "proposed as an adoption: confirm or dismiss it on the component's page"
                if (written, slug, name) in self.proposed
                else "already proposed, decided or recorded"
            )
            for written, slug, name in self.matched
        ]
        out += [f"  used by {w!r}: no organisation in the registry matches" for w in self.unmatched]
        if self.not_kept:
            out.append(
                f"  not kept (the registry has no place for them): {', '.join(self.not_kept)}"
            )
        return out


# -- organisations -----------------------------------------------------------------------------


def _plain(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _aliases(row: dict, base_url: str) -> set[str]:
    names = {_plain(row["name"]), _plain(row["slug"])}
    for name in list(names):
        bare = re.sub(r"^(the )?(.*?)( city)?( council)?$", r"\2", name)
        names |= {bare, f"{bare} council", f"{bare} city council"} if bare else set()
    keys = {f"name:{n}" for n in names if n}
    if row["org_id"]:
        keys.add(f"id:{row['org_id'].upper()}")
    if row["gss_code"]:
        keys.add(f"id:{row['gss_code'].upper()}")
    keys.add(f"url:{base_url}/organisations/{row['slug']}")
    host = urlsplit(row["website"] or "").hostname
    if host:
        keys.add(f"host:{host.removeprefix('www.')}")
    return keys


def _keys_of(text: str, base_url: str) -> set[str]:
    text = text.strip()
    keys = {f"name:{_plain(text)}"}
    found = parse_org_id(text.rsplit(":", 1)[-1].rsplit("/", 1)[-1])
    if found is not None:
        keys.add(f"id:{str(found).upper()}")
    if re.fullmatch(r"[EWSN][0-9]{8}", text.upper()):
        keys.add(f"id:{text.upper()}")
    if text.startswith(("http://", "https://")):
        keys.add(f"url:{text.rstrip('/')}")
        host = urlsplit(text).hostname
        if host and not text.startswith(base_url):
            keys.add(f"host:{host.removeprefix('www.')}")
    return keys


class OrganisationMatcher:
    """Every organisation in the registry by each of its identifiers and aliases."""

    def __init__(self, rows: list[dict], base_url: str):
        self.base_url = base_url
        self.by_key: dict[str, dict] = {}
        ambiguous: set[str] = set()
        for row in rows:
            for key in _aliases(row, base_url):
                if key in self.by_key and self.by_key[key]["id"] != row["id"]:
                    ambiguous.add(key)
                self.by_key[key] = row
        for key in ambiguous:  # an alias two organisations share names neither
            del self.by_key[key]

    def match(self, text: str) -> dict | None:
        keys = _keys_of(text, self.base_url)
        for prefix in ("id:", "url:", "host:", "name:"):
            for key in keys:
                if key.startswith(prefix) and key in self.by_key:
                    return self.by_key[key]
        return None


async def organisation_matcher() -> OrganisationMatcher:
    rows = await Organisation.select(
        Organisation.id,
        Organisation.slug,
        Organisation.name,
        Organisation.org_id,
        Organisation.gss_code,
        Organisation.website,
    )
    return OrganisationMatcher(rows, get_settings().base_url.rstrip("/"))


# -- reading -----------------------------------------------------------------------------------


async def fetch(url: str) -> bytes:
    """A file from the web, within the size limit and the timeout."""
    if not url.startswith(("https://", "http://")):
        raise ImportRefused(url, ["the address must start with https://"])
    try:
        async with (
            httpx.AsyncClient(timeout=FETCH_TIMEOUT, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise ImportRefused(url, [f"the address answered {response.status_code}"])
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise ImportRefused(url, [f"the file is larger than {MAX_BYTES // 1024} KiB"])
            return bytes(body)
    except httpx.HTTPError as exc:
        raise ImportRefused(
            url, [f"the file could not be fetched: {exc.__class__.__name__}"]
        ) from exc


def read_local(path: str) -> bytes:
    """A file's bytes from disk, within the size limit."""
    file = Path(path)
    if not file.is_file():
        raise ImportRefused(path, ["no such file"])
    with file.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportRefused(path, [f"the file is larger than {MAX_BYTES // 1024} KiB"])
    return data


async def read(data: bytes) -> Reading:
    """Read a file in a worker thread: validating is CPU-bound."""
    return await anyio.to_thread.run_sync(read_publiccode, data[: MAX_BYTES + 1])


async def _existing_component(facts: Publiccode, base_url: str) -> str | None:
    """The slug of the component this file describes: the one whose page is the file's `url`,
    or whose repository it is."""
    url = facts.url.strip().rstrip("/")
    page = f"{base_url}/solutions/"
    if url.startswith(page):
        slug = url.removeprefix(page)
        row = (
            await Solution.select(Solution.slug)
            .where((Solution.slug == slug) & (Solution.kind == "component"))
            .first()
        )
        if row:
            return row["slug"]
    for candidate in {url, url + "/", url.removesuffix(".git")}:
        row = (
            await ComponentDetail.select(ComponentDetail.solution.slug)
            .where(ComponentDetail.repository_url == candidate)
            .first()
        )
        if row:
            return row["solution.slug"]
    return None


async def _visible(actor: Actor, slug: str) -> bool:
    row = (
        await Solution.select(Solution.status, Solution.owner).where(Solution.slug == slug).first()
    )
    return row is not None and (row["status"] != "draft" or may_see_drafts(actor, row["owner"]))


async def import_publiccode(
    actor: Actor,
    data: bytes,
    *,
    owner: str | None = None,
    source: str = "publiccode.yml",
    version: int | None = None,
    into: str | None = None,
    owner_chosen: bool = False,
    draft: bool = False,
) -> PubliccodeImport:
    """Import one file's bytes as a component (see the module's description). `owner` is the
    slug used when the file's `organisation` matches no organisation, or always when
    `owner_chosen` (a web form where the person chose one of their organisations); `version`,
    when given, is the version of the component the caller read (a web form's), else the one
    read now. `into` is the slug of the component the file is for (its page's upload form):
    the file then updates it, unless its `url` is another component's. `draft` registers a
    new component as a draft, as the registration form does."""
    require_signed_in(actor)
    reading = await read(data)
    if not reading.valid:
        raise ImportRefused(source, [str(p) for p in reading.errors])
    facts = reading.facts
    assert facts is not None
    base_url = get_settings().base_url.rstrip("/")
    matcher = await organisation_matcher()
    report = PubliccodeImport(source, warnings=[str(w) for w in reading.warnings])
    used_by: list[tuple[str, int]] = []
    for written in facts.used_by:
        found = matcher.match(written)
        if found:
            report.matched.append((written, found["slug"], found["name"]))
            used_by.append((written, found["id"]))
        else:
            report.unmatched.append(written)
    report.not_kept = [key for name, key in NOT_KEPT.items() if getattr(facts, name)]

    slug = await _existing_component(facts, base_url)
    if into is not None:
        if slug is not None and slug != into:
            # Named only to those who may see it: another council's draft is not revealed.
            named = f" ({slug})" if await _visible(actor, slug) else ""
            raise ImportRefused(
                source, [f"url: {facts.url} is the repository of another component{named}"]
            )
        slug = into
    async with db.transaction():
        if slug is not None:
            solution = await _update(actor, facts, slug, version, source, base_url, report)
        else:
            solution = await _create(
                actor, facts, matcher, owner, owner_chosen, draft, source, base_url, report
            )
        new, _ = await proposals.propose(actor, solution, used_by)
    report.proposed = [m for m, (_, i) in zip(report.matched, used_by, strict=True) if i in new]
    return report


async def _update(
    actor: Actor,
    facts: Publiccode,
    slug: str,
    version: int | None,
    source: str,
    base_url: str,
    report: PubliccodeImport,
) -> dict:
    current_view = await get_solution(slug, actor)
    current = editable_fields(current_view)
    values = components.component_values(facts, current, base_url)
    changes = {k: v for k, v in values.items() if v != current.get(k)}
    try:
        after = await update_solution(
            actor, slug, changes, current_view.version if version is None else version
        )
    except ValidationFailed as exc:
        raise ImportRefused(source, [f"{k}: {m}" for k, m in exc.fields.items()]) from exc
    report.slug, report.title = after.slug, after.title
    report.changed = after.version != current_view.version
    return {"id": current_view.id, "slug": after.slug}


async def _create(
    actor: Actor,
    facts: Publiccode,
    matcher: OrganisationMatcher,
    owner: str | None,
    owner_chosen: bool,
    draft: bool,
    source: str,
    base_url: str,
    report: PubliccodeImport,
) -> dict:
    found = None
    if not owner_chosen:
        found = matcher.match(facts.organisation.uri) if facts.organisation else None
        if found is None and facts.organisation and facts.organisation.name:
            found = matcher.match(facts.organisation.name)
    owner_slug = found["slug"] if found else owner
    if not owner_slug:
        said = f" ({facts.organisation.uri})" if facts.organisation else ""
        raise ImportRefused(
            source,
            [f"organisation{said}: matches no organisation in the registry; name the owner"],
        )
    values = components.component_values(facts, {}, base_url)
    status = "draft" if draft else "available"
    try:
        view = await create_solution(
            actor, {"kind": "component", "owner": owner_slug, "status": status, **values}
        )
    except ValidationFailed as exc:
        raise ImportRefused(source, [f"{k}: {m}" for k, m in exc.fields.items()]) from exc
    report.slug, report.title, report.created, report.changed = view.slug, view.title, True, True
    return {"id": view.id, "slug": view.slug}


def as_problems(exc: RegistryError) -> list[str]:
    """A refusal's reasons as lines."""
    if isinstance(exc, ImportRefused):
        return list(exc.problems)
    return [exc.message, *(f"{k}: {v}" for k, v in exc.fields.items())]


__all__ = [
    "ImportRefused",
    "OrganisationMatcher",
    "PubliccodeImport",
    "as_problems",
    "fetch",
    "import_publiccode",
    "organisation_matcher",
    "read",
]
