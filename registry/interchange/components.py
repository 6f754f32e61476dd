"""How a publiccode.yml file's facts map onto a component, both ways, one fact at a time.

`FROM_PUBLICCODE` and `TO_PUBLICCODE` are keyed by the component's field names in
`registry/catalogue/kinds.py`; the readers and the writer walk the kind's fields and use the
entry a field has, so a fact the file does not carry is left as it is.

Where the registry does not know a fact the standard makes mandatory, the file says so in the
standard's own terms (`UNSTATED`): the licence as `LicenseRef-not-stated`, the maintenance as
`none`, a method or data model (not software) as `standalone/other`. Read back onto the same
component, these leave the stored value as it was, so a component's own file changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from registry.catalogue.kinds import KINDS
from registry.interchange.publiccode import (
    Contact,
    Contractor,
    Description,
    Organisation,
    Publiccode,
)
from registry.interchange.publiccode_rules import MAINTENANCE_TYPES, SOFTWARE_TYPES
from registry.validation import is_web_url

COMPONENT = KINDS["component"]
NOT_STATED_LICENCE = "LicenseRef-not-stated"
# The value written for an unknown fact, and the stored values it stands for on reading back.
UNSTATED: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "licence": (NOT_STATED_LICENCE, lambda stored: not stored),
    "maintenance_type": ("none", lambda stored: stored not in MAINTENANCE_TYPES),
    "software_type": ("standalone/other", lambda stored: stored not in SOFTWARE_TYPES),
}
# The titles under which a file's web addresses are kept among the component's links.
LINK_TITLES = {
    "landing_url": "Home page",
    "documentation": "Documentation",
    "api_documentation": "API documentation",
}
SUMMARY_MAX = 280
ELLIPSIS = "…"
# Said at the end of a long description too short for the standard (150 characters at least).
POINTER = "{title} is described in the Shared Solutions Registry at {page_url}"
_POINTER = re.compile(r".{1,200} is described in the Shared Solutions Registry at https?://\S+")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def summary_and_description(facts: Publiccode) -> tuple[str, str]:
    """The summary and description for English readers: the English texts if given, else the
    first language's, the description then marked with its language. A long description
    whose first paragraph is the short description (whole, or in full where the short one
    was cut with "…") gives that paragraph as the summary and the rest as the description."""
    language, text = facts.best_description()
    short, long = text.short_description.strip(), text.long_description.strip()
    paragraphs = _paragraphs(long)
    if paragraphs and _POINTER.fullmatch(paragraphs[-1]):
        paragraphs = paragraphs[:-1]
        long = "\n\n".join(paragraphs)
    opening = paragraphs[0] if paragraphs else ""
    stem = short.removesuffix(ELLIPSIS).rstrip()
    summary, description = short, long
    if (
        opening
        and len(opening) <= SUMMARY_MAX
        and (opening == short or (short.endswith(ELLIPSIS) and opening.startswith(stem)))
    ):
        summary, description = opening, "\n\n".join(paragraphs[1:])
    if not (language.lower() == "en" or language.lower().startswith("en-")):
        description = f"_Described in {language}._\n\n{description}"
    return summary, description


def _links(facts: Publiccode, current: Mapping[str, Any]) -> list[dict]:
    """The component's links: those it has under other titles, then the file's addresses."""
    _, text = facts.best_description()
    found = {
        "landing_url": facts.landing_url,
        "documentation": text.documentation,
        "api_documentation": text.api_documentation,
    }
    ours = set(LINK_TITLES.values())
    kept = [link for link in current.get("links") or [] if link["title"] not in ours]
    for name, title in LINK_TITLES.items():
        url = found[name]
        if url and is_web_url(url):
            kept.append({"title": title, "url": url})
    return kept[:10]


def _contractor(facts: Publiccode) -> Contractor | None:
    return facts.contractors[0] if facts.contractors else None


def _contact(facts: Publiccode) -> Contact | None:
    return facts.contacts[0] if facts.contacts else None


def _contact_email(facts: Publiccode, current: Mapping[str, Any]) -> str:
    """The contact's address; a file without one (the public export leaves it out) keeps the
    address stored for the same contact, so reading the export back loses nothing."""
    contact = _contact(facts)
    if contact is None:
        return ""
    if contact.email:
        return contact.email
    if current and contact.name == current.get("contact_name"):
        return current.get("contact_email") or ""
    return ""


Reader = Callable[[Publiccode, Mapping[str, Any]], Any]

FROM_PUBLICCODE: dict[str, Reader] = {
    "title": lambda f, _: f.name.strip()[:200],
    "summary": lambda f, _: summary_and_description(f)[0],
    "description": lambda f, _: summary_and_description(f)[1],
    "links": _links,
    "contact_name": lambda f, _: _contact(f).name if _contact(f) else "",
    "contact_email": lambda f, current: _contact_email(f, current),
    "software_type": lambda f, _: f.software_type,
    "development_status": lambda f, _: f.development_status,
    "licence": lambda f, _: "" if f.licence == NOT_STATED_LICENCE else f.licence,
    "repository_url": lambda f, _: f.url if is_web_url(f.url) else "",
    "maintenance_type": lambda f, _: f.maintenance_type,
    "maintenance_contractor": lambda f, _: _contractor(f).name[:200] if _contractor(f) else "",
    "maintenance_until": lambda f, _: _contractor(f).until.isoformat() if _contractor(f) else None,
}


def component_values(
    facts: Publiccode, current: Mapping[str, Any], registry_url: str = ""
) -> dict[str, Any]:
    """The component's facts from a file, in the flat input shape the catalogue takes, for a
    component whose stored facts are `current` (empty for a new one). A fact the file gives as
    unstated (see `UNSTATED`) keeps what `current` holds; a `url` that is a page of this
    registry (`registry_url`) names the component, not a repository."""
    values: dict[str, Any] = {}
    for field in COMPONENT.all_fields:
        reader = FROM_PUBLICCODE.get(field.name)
        if reader is None:
            continue
        value = reader(facts, current)
        unstated = UNSTATED.get(field.name)
        if current and unstated and value == unstated[0] and unstated[1](current.get(field.name)):
            continue
        if field.name == "repository_url" and registry_url and value.startswith(registry_url):
            value = ""
        if field.name == "licence" and value == "" and current:
            value = current.get("licence") or ""
        values[field.name] = value
    return values


def kept_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """The facts a file carries, as compared in a round trip: the mapped fields only."""
    return {f.name: values.get(f.name) for f in COMPONENT.all_fields if f.name in FROM_PUBLICCODE}


def _shorten(text: str, limit: int = 150) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + ELLIPSIS


def publiccode_facts(
    values: Mapping[str, Any],
    *,
    page_url: str,
    owner_name: str,
    owner_uri: str,
    used_by: tuple[str, ...] = (),
) -> Publiccode:
    """A component's facts (the flat input shape) as publiccode.yml facts, every mandatory key
    filled: what is not known is said to be so (see `UNSTATED`). `page_url` is the component's
    page, its `url` when it names no repository."""
    written: dict[str, Any] = {}
    for field in COMPONENT.all_fields:
        value = values.get(field.name)
        if field.name in UNSTATED and UNSTATED[field.name][1](value):
            value = UNSTATED[field.name][0]
        written[field.name] = value
    summary = (written.get("summary") or "").strip()
    description = (written.get("description") or "").strip()
    short = _shorten(summary)
    long = description
    if short != summary or len(description) < 150:
        long = "\n\n".join(p for p in (summary, description) if p)
    if len(long) < 150:
        long += "\n\n" + POINTER.format(title=written["title"], page_url=page_url)
    links = {link["title"]: link["url"] for link in written.get("links") or []}
    contractors = ()
    if written["maintenance_type"] == "contract" and written.get("maintenance_contractor"):
        until = written.get("maintenance_until")
        if isinstance(until, str):
            until = date.fromisoformat(until)
        contractors = (Contractor(name=written["maintenance_contractor"], until=until),)
    contacts = ()
    if written.get("contact_name"):
        contacts = (
            Contact(name=written["contact_name"], email=written.get("contact_email") or None),
        )
    elif written["maintenance_type"] in ("internal", "community"):
        contacts = (Contact(name=owner_name),)  # the standard asks for someone to contact
    software_type = written["software_type"]
    platforms = ("web",) if software_type in ("standalone/web", "standalone/backend") else ()
    return Publiccode(
        name=written["title"],
        url=written.get("repository_url") or page_url,
        development_status=written["development_status"],
        software_type=software_type,
        licence=written["licence"],
        maintenance_type=written["maintenance_type"],
        descriptions={
            "en": Description(
                short_description=short,
                long_description=long,
                features=tuple(written.get("tags") or ()) or (written["title"],),
                documentation=links.get(LINK_TITLES["documentation"]),
                api_documentation=links.get(LINK_TITLES["api_documentation"]),
            )
        },
        platforms=platforms or ("other",),
        available_languages=("en",),
        localisation_ready=False,
        landing_url=links.get(LINK_TITLES["landing_url"]),
        used_by=used_by,
        contractors=contractors,
        contacts=contacts,
        organisation=Organisation(uri=owner_uri, name=owner_name) if owner_uri else None,
    )
