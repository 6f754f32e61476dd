"""publiccode.yml in and out: read and validate a file, and write one from typed facts.

`read_publiccode(data)` takes the file's bytes and returns a `Reading`: every error and every
warning by its key path (`description.en.shortDescription: required`), and, when there are no
errors, the `Publiccode` facts the registry maps onto a component. It never raises on bad input.
The file is validated against the rules of the version it declares (`publiccodeYmlVersion` 0.2
to 0.7, or "0" for the latest); version "1" is not a released standard and is refused.

`write_publiccode(facts)` returns a file of the latest version that `read_publiccode` reads back
to the same facts, or raises `NotWritable` naming what the facts lack for a valid file.

Pure and CPU-bound (tens of milliseconds for a large file): callers on the event loop run these
in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from registry.interchange import yaml12
from registry.interchange.publiccode_rules import (
    LATEST,
    SUPPORTED_VERSIONS,
    Problem,
    check,
)

__all__ = [
    "LATEST",
    "Contact",
    "Contractor",
    "Dependency",
    "Description",
    "NotWritable",
    "Organisation",
    "Problem",
    "Publiccode",
    "Reading",
    "read_publiccode",
    "write_publiccode",
]


@dataclass(frozen=True)
class Description:
    """The texts in one language."""

    short_description: str
    long_description: str
    features: tuple[str, ...]
    localised_name: str | None = None
    documentation: str | None = None
    api_documentation: str | None = None


@dataclass(frozen=True)
class Contractor:
    """Someone paid to maintain the software, until a date."""

    name: str
    until: date
    email: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Contact:
    """A person who maintains the software."""

    name: str
    email: str | None = None
    phone: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Dependency:
    """Something the software needs at run time: `kind` is open, proprietary or hardware."""

    kind: str
    name: str
    version_min: str | None = None
    version_max: str | None = None
    version: str | None = None
    optional: bool | None = None


@dataclass(frozen=True)
class Organisation:
    """The organisation that owns the software, by URI (a URL or a URN)."""

    uri: str
    name: str | None = None


@dataclass(frozen=True)
class Publiccode:
    """The facts of a publiccode.yml file that the registry keeps."""

    name: str
    url: str
    development_status: str
    software_type: str
    licence: str
    maintenance_type: str
    descriptions: dict[str, Description]
    platforms: tuple[str, ...]
    available_languages: tuple[str, ...]
    localisation_ready: bool
    landing_url: str | None = None
    software_version: str | None = None
    release_date: date | None = None
    logo: str | None = None
    categories: tuple[str, ...] = ()
    used_by: tuple[str, ...] = ()
    is_based_on: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    main_copyright_owner: str | None = None
    contractors: tuple[Contractor, ...] = ()
    contacts: tuple[Contact, ...] = ()
    depends_on: tuple[Dependency, ...] = ()
    organisation: Organisation | None = None

    def best_description(self) -> tuple[str, Description]:
        """The description for English readers: English if given, else the first language,
        with the language it is in."""
        for language, description in self.descriptions.items():
            if language.lower() == "en" or language.lower().startswith("en-"):
                return language, description
        return next(iter(self.descriptions.items()))


@dataclass(frozen=True)
class Reading:
    """What reading a file found: its facts when it is valid, and every problem."""

    facts: Publiccode | None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    version: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


class NotWritable(ValueError):
    """The facts do not make a valid file; `problems` says why, by key path."""

    def __init__(self, problems: tuple[Problem, ...]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def read_publiccode(data: bytes) -> Reading:
    """Read and validate a publiccode.yml file's bytes. Never raises on bad input."""
    try:
        loaded = yaml12.load(data)
    except yaml12.YamlRefused as refused:
        return Reading(None, (Problem("", refused.message, refused.line),))
    document = loaded.value
    if not isinstance(document, dict):
        return Reading(None, (Problem("", "the file must be a YAML mapping of keys"),))
    version = document.get("publiccodeYmlVersion")
    line = loaded.lines.get("publiccodeYmlVersion")
    if version is None:
        return Reading(None, (Problem("publiccodeYmlVersion", "required", line),))
    if not isinstance(version, str):
        hint = ' (write it quoted, as "0.4")' if isinstance(version, (int, float)) else ""
        return Reading(
            None, (Problem("publiccodeYmlVersion", f"wrong type: must be a string{hint}", line),)
        )
    if version not in SUPPORTED_VERSIONS:
        return Reading(
            None,
            (
                Problem(
                    "publiccodeYmlVersion",
                    f"unsupported version '{version}'; supported: {', '.join(SUPPORTED_VERSIONS)}",
                    line,
                ),
            ),
            version=version,
        )
    errors, warnings = check(document, version, loaded.lines)
    if version != "0" and not version.startswith("0.7"):
        warnings.insert(
            0,
            Problem(
                "publiccodeYmlVersion",
                f"v{version} is not the latest version ({LATEST}); read by its own rules",
                line,
            ),
        )
    facts = None if errors else _facts(document)
    return Reading(facts, tuple(errors), tuple(warnings), version)


def _text(value: Any) -> str | None:
    """A string value (or a plain number, as written), with blank meaning absent."""
    text = yaml12.as_text(value)
    if text is not None and text.strip():
        return text
    return None


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        value = [value]
    return tuple(text for text in (_text(item) for item in value) if text is not None)


def _facts(doc: dict[str, Any]) -> Publiccode:
    """The facts of a document that has passed `check` (so every type is right)."""
    legal = doc["legal"]
    maintenance = doc["maintenance"]
    localisation = doc["localisation"]
    kind = maintenance["type"]
    descriptions = {}
    for language, text in doc["description"].items():
        descriptions[language] = Description(
            short_description=_text(text["shortDescription"]),
            long_description=_text(text["longDescription"]),
            features=_texts(text.get("features")),
            localised_name=_text(text.get("localisedName")),
            documentation=_text(text.get("documentation")),
            api_documentation=_text(text.get("apiDocumentation")),
        )
    contractors = ()
    if kind == "contract":
        contractors = tuple(
            Contractor(
                name=_text(item["name"]),
                until=date.fromisoformat(_text(item["until"])),
                email=_text(item.get("email")),
                website=_text(item.get("website")),
            )
            for item in maintenance.get("contractors") or ()
        )
    contacts = tuple(
        Contact(
            name=_text(item["name"]),
            email=_text(item.get("email")),
            phone=_text(item.get("phone")),
            affiliation=_text(item.get("affiliation")),
        )
        for item in maintenance.get("contacts") or ()
    )
    depends_on = tuple(
        Dependency(
            kind=kind_name,
            name=_text(item["name"]),
            version_min=_text(item.get("versionMin")),
            version_max=_text(item.get("versionMax")),
            version=_text(item.get("version")),
            optional=item.get("optional"),
        )
        for kind_name in ("open", "proprietary", "hardware")
        for item in (doc.get("dependsOn") or {}).get(kind_name) or ()
    )
    organisation = doc.get("organisation")
    audience = doc.get("intendedAudience") or {}
    release = _text(doc.get("releaseDate"))
    return Publiccode(
        name=_text(doc["name"]),
        url=_text(doc["url"]),
        development_status=doc["developmentStatus"],
        software_type=doc["softwareType"],
        licence=_text(legal["license"]).strip(),
        maintenance_type=kind,
        descriptions=descriptions,
        platforms=_texts(doc["platforms"]),
        available_languages=_texts(localisation["availableLanguages"]),
        localisation_ready=localisation["localisationReady"],
        landing_url=_text(doc.get("landingURL")),
        software_version=_text(doc.get("softwareVersion")),
        release_date=date.fromisoformat(release) if release else None,
        logo=_text(doc.get("logo")),
        categories=_texts(doc.get("categories")),
        used_by=_texts(doc.get("usedBy")),
        is_based_on=_texts(doc.get("isBasedOn")),
        countries=tuple(code.upper() for code in _texts(audience.get("countries"))),
        main_copyright_owner=_text(legal.get("mainCopyrightOwner")),
        contractors=contractors,
        contacts=contacts,
        depends_on=depends_on,
        organisation=(
            Organisation(_text(organisation["uri"]), _text(organisation.get("name")))
            if organisation
            else None
        ),
    )


def _drop_empty(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value not in (None, (), [], {})}


def document(facts: Publiccode) -> dict[str, Any]:
    """The facts as a publiccode.yml document of the latest version, keys in the usual order."""
    maintenance: dict[str, Any] = {"type": facts.maintenance_type}
    if facts.contractors:
        maintenance["contractors"] = [
            _drop_empty({
                "name": c.name,
                "until": c.until.isoformat(),
                "email": c.email,
                "website": c.website,
            })
            for c in facts.contractors
        ]  # fmt: skip
    if facts.contacts:
        maintenance["contacts"] = [
            _drop_empty({
                "name": c.name, "email": c.email, "phone": c.phone, "affiliation": c.affiliation,
            })
            for c in facts.contacts
        ]  # fmt: skip
    depends: dict[str, list] = {}
    for dep in facts.depends_on:
        depends.setdefault(dep.kind, []).append(
            _drop_empty({
                "name": dep.name,
                "versionMin": dep.version_min,
                "versionMax": dep.version_max,
                "version": dep.version,
                "optional": dep.optional,
            })
        )  # fmt: skip
    return _drop_empty({
        "publiccodeYmlVersion": LATEST,
        "name": facts.name,
        "url": facts.url,
        "landingURL": facts.landing_url,
        "isBasedOn": list(facts.is_based_on),
        "softwareVersion": facts.software_version,
        "releaseDate": facts.release_date.isoformat() if facts.release_date else None,
        "logo": facts.logo,
        "organisation": (
            _drop_empty({"uri": facts.organisation.uri, "name": facts.organisation.name})
            if facts.organisation
            else None
        ),
        "platforms": list(facts.platforms),
        "categories": list(facts.categories),
        "usedBy": list(facts.used_by),
        "developmentStatus": facts.development_status,
        "softwareType": facts.software_type,
        "intendedAudience": {"countries": list(facts.countries)} if facts.countries else None,
        "description": {
            language: _drop_empty({
                "localisedName": d.localised_name,
                "shortDescription": d.short_description,
                "longDescription": d.long_description,
                "documentation": d.documentation,
                "apiDocumentation": d.api_documentation,
                "features": list(d.features),
            })
            for language, d in facts.descriptions.items()
        },
        "legal": _drop_empty({
            "license": facts.licence, "mainCopyrightOwner": facts.main_copyright_owner,
        }),
        "maintenance": maintenance,
        "localisation": {
            "localisationReady": facts.localisation_ready,
            "availableLanguages": list(facts.available_languages),
        },
        "dependsOn": depends,
    })  # fmt: skip


def write_publiccode(facts: Publiccode) -> str:
    """A publiccode.yml file of the latest version holding `facts`, checked by reading it back;
    NotWritable names the problems when the facts cannot make a valid file."""
    text = yaml12.dump(document(facts))
    reading = read_publiccode(text.encode("utf-8"))
    if not reading.valid:
        raise NotWritable(reading.errors)
    return text
