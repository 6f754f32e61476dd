"""The publiccode.yml standard's rules, per the version a file declares.

Written from the standard's text (core 0.2 to 0.7) and the reference parser's behaviour: its
vocabularies, which keys each version requires, which are deprecated. `check` walks a loaded
document and returns every error and warning by its key path; it never raises on bad input.
Only syntax is checked, never the network (no URL is fetched, no Italian iPA code looked up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import langcodes
import pycountry

from registry.interchange.yaml12 import as_text
from registry.validation import is_email_address, spdx_expression

# Every value of publiccodeYmlVersion a current parser accepts. "0" means "the latest 0.x".
SUPPORTED_VERSIONS = (
    "0", "0.2", "0.2.0", "0.2.1", "0.2.2", "0.3", "0.3.0", "0.4", "0.4.0",
    "0.5", "0.5.0", "0.7", "0.7.0",
)  # fmt: skip
LATEST = "0.7"
# SPDX's own form for a licence its list does not name (SPDX specification, annex D).
LICENSE_REF = re.compile(r"LicenseRef-[A-Za-z0-9.-]{1,60}")

DEVELOPMENT_STATUSES = ("concept", "development", "beta", "stable", "obsolete")
SOFTWARE_TYPES = (
    "standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
    "standalone/backend", "standalone/other", "addon", "library", "configurationFiles",
)  # fmt: skip
MAINTENANCE_TYPES = ("internal", "contract", "community", "none")
SUGGESTED_PLATFORMS = ("web", "windows", "mac", "linux", "ios", "android")
SCOPES = frozenset((
    "agriculture", "culture", "defence", "education", "emergency-services", "employment",
    "energy", "environment", "finance-and-economic-development", "foreign-affairs", "government",
    "healthcare", "infrastructures", "justice", "local-authorities", "manufacturing", "research",
    "science-and-technology", "security", "society", "sport", "tourism", "transportation",
    "welfare",
))  # fmt: skip
CATEGORIES = frozenset((
    "accounting", "agile-project-management", "applicant-tracking", "application-development",
    "appointment-scheduling", "backup", "billing-and-invoicing", "blog", "budgeting",
    "business-intelligence", "business-process-management", "cad", "call-center-management",
    "cloud-management", "collaboration", "communications", "compliance-management",
    "contact-management", "content-management", "crm", "customer-service-and-support",
    "data-analytics", "data-collection", "data-visualization", "design", "design-system",
    "digital-asset-management", "digital-citizenship", "document-management", "donor-management",
    "e-commerce", "e-signature", "educational-content", "email-management", "email-marketing",
    "employee-management", "enterprise-project-management", "enterprise-social-networking", "erp",
    "event-management", "facility-management", "feedback-and-reviews-management",
    "financial-reporting", "fleet-management", "fundraising", "gamification",
    "geographic-information-systems", "grant-management", "graphic-design", "help-desk", "hr",
    "ide", "identity-management", "instant-messaging", "integrated-library-system",
    "inventory-management", "it-asset-management", "it-development", "it-management",
    "it-security", "it-service-management", "knowledge-management", "learning-management-system",
    "marketing", "mind-mapping", "mobile-marketing", "mobile-payment", "network-management",
    "office", "online-booking", "online-community", "payment-gateway", "payroll",
    "predictive-analysis", "procurement", "productivity-suite", "project-collaboration",
    "project-management", "property-management", "real-estate-management",
    "regulations-and-directives", "remote-support", "resource-management", "sales-management",
    "seo", "service-desk", "social-media-management", "survey", "talent-management",
    "task-management", "taxes-management", "test-management", "time-management", "time-tracking",
    "translation", "video-conferencing", "video-editing", "visitor-management", "voip",
    "warehouse-management", "web-collaboration", "web-conferencing", "whistleblowing",
    "website-builder", "workflow-management", "other",
))  # fmt: skip
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
IPA_CODE_RE = re.compile(r"^[a-z0-9_]{2,}$")
MIME_RE = re.compile(r"^[A-Za-z0-9][\w!#$&^.+-]*/[A-Za-z0-9][\w!#$&^.+-]*$")
MAX_TEXT = 10_000


@dataclass(frozen=True)
class Problem:
    """One error or warning: the key path it is about ("" for the whole file) and why."""

    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


def version_parts(version: str) -> tuple[int, int]:
    """(major, minor) of a supported version; "0" counts as the latest."""
    if version == "0":
        return (0, 7)
    major, minor, *_ = (version + ".0").split(".")
    return (int(major), int(minor))


def check(document: dict[str, Any], version: str, lines: dict[str, int]) -> tuple[list, list]:
    """Every error and every warning in `document` under the rules of `version`."""
    checker = _Checker(version_parts(version), lines)
    checker.run(document)
    return checker.errors, checker.warnings


class _Checker:
    def __init__(self, version: tuple[int, int], lines: dict[str, int]):
        self.version = version
        self.lines = lines
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    # -- reporting ------------------------------------------------------------------------
    def error(self, key: str, message: str) -> None:
        self.errors.append(Problem(key, message, self._line(key)))

    def warn(self, key: str, message: str) -> None:
        self.warnings.append(Problem(key, message, self._line(key)))

    def _line(self, key: str) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rsplit(".", 1)[0] if "." in key else ""
        return None

    # -- typed reads: each returns the value, or None after reporting ------------------------
    def mapping(self, value: Any, key: str, fields: dict[str, Any]) -> dict | None:
        """A mapping whose keys are all in `fields` (name → checker of the value)."""
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(key, "wrong type for this field: expected a mapping")
            return None
        for name, item in value.items():
            path = f"{key}.{name}" if key else name
            if name not in fields:
                self.error(path, f'unknown field "{name}"')
            elif item is not None:
                fields[name](item, path)
        return value

    def string(self, value: Any, key: str) -> str | None:
        """A string; a plain number counts as the text it was written with, as the reference
        parser reads it (a phone number +391624231322), but a boolean or a list does not."""
        if value is None:
            return None
        value = as_text(value)
        if value is None:
            self.error(key, "wrong type for this field: expected a string")
            return None
        if len(value) > MAX_TEXT:
            self.error(key, f"must be at most {MAX_TEXT} characters")
            return None
        return value

    def boolean(self, value: Any, key: str) -> bool | None:
        if not isinstance(value, bool):
            self.error(key, "wrong type for this field: expected true or false")
            return None
        return value

    def strings(self, value: Any, key: str, each=None) -> list[str] | None:
        if not isinstance(value, list):
            self.error(key, "wrong type for this field: expected a list")
            return None
        result = []
        for index, item in enumerate(value):
            text = self.string(item, f"{key}[{index}]")
            if text is not None:
                result.append(text)
                if each is not None:
                    each(text, f"{key}[{index}]")
        return result

    def objects(self, value: Any, key: str, each) -> None:
        if not isinstance(value, list):
            self.error(key, "wrong type for this field: expected a list")
            return
        for index, item in enumerate(value):
            each(item, f"{key}[{index}]")

    def required(self, section: dict | None, name: str, key: str) -> bool:
        if section is None or section.get(name) is None or section.get(name) in ("", [], {}):
            self.error(f"{key}.{name}" if key else name, "required")
            return False
        return True

    # -- value rules -----------------------------------------------------------------------
    def url(self, value: Any, key: str, *, web: bool = False) -> None:
        text = self.string(value, key)
        if text is None:
            return
        parts = urlsplit(text.strip())
        schemes = ("http", "https") if web else ("http", "https", "git", "ssh", "svn", "ftp")
        spaced = any(c.isspace() for c in text)
        if parts.scheme.lower() not in schemes or not parts.netloc or spaced:
            kind = "an http(s) URL" if web else "a URL with its scheme (https://…)"
            self.error(key, f"must be {kind}")

    def uri(self, value: Any, key: str) -> None:
        text = self.string(value, key)
        if text is not None and not URI_RE.match(text):
            self.error(key, "must be a URI (https://… or urn:…)")

    def date(self, value: Any, key: str) -> None:
        text = self.string(value, key)
        if text is None:
            return
        try:
            if not DATE_RE.match(text):
                raise ValueError
            date.fromisoformat(text)
        except ValueError:
            self.error(key, "must be a date written YYYY-MM-DD")

    def email(self, value: Any, key: str) -> None:
        text = self.string(value, key)
        if text and not is_email_address(text):
            self.error(key, "must be an email address")

    def language(self, value: Any, key: str) -> None:
        text = self.string(value, key)
        if text is not None and not langcodes.tag_is_valid(text):
            self.error(key, f'"{text}" is not a valid BCP 47 language tag')

    def one_of(self, value: Any, key: str, allowed: tuple[str, ...]) -> None:
        text = self.string(value, key)
        if text is not None and text not in allowed:
            self.error(key, "must be one of: " + ", ".join(allowed))

    def country(self, value: str, key: str) -> None:
        if len(value) != 2 or pycountry.countries.get(alpha_2=value.upper()) is None:
            self.error(key, "must be an ISO 3166-1 alpha-2 two-letter country code")
        elif value != value.upper() and self.version >= (0, 5):
            self.warn(key, f"lowercase country codes are deprecated: write '{value.upper()}'")

    def deprecated(self, key: str, since: str, instead: str = "it can be dropped") -> None:
        self.warn(key, f"deprecated since {since}; {instead}")

    def newer(self, key: str, since: str) -> None:
        self.warn(key, f"added in {since}, later than the version this file declares")

    # -- the document ----------------------------------------------------------------------
    def run(self, doc: dict[str, Any]) -> None:
        v = self.version
        fields = {
            "publiccodeYmlVersion": lambda x, k: None,
            "name": self.string,
            "applicationSuite": self.string,
            "url": self.url,
            "landingURL": lambda x, k: self.url(x, k, web=True),
            "isBasedOn": self.is_based_on,
            "softwareVersion": self.string,
            "releaseDate": self.date,
            "logo": self.string,
            "monochromeLogo": self.monochrome_logo,
            "organisation": self.organisation,
            "inputTypes": lambda x, k: self.mime_types(x, k),
            "outputTypes": lambda x, k: self.mime_types(x, k),
            "platforms": self.platforms,
            "categories": lambda x, k: self.strings(x, k, self.category),
            "usedBy": self.strings,
            "fundedBy": self.funded_by,
            "roadmap": lambda x, k: self.url(x, k, web=True),
            "developmentStatus": lambda x, k: self.one_of(x, k, DEVELOPMENT_STATUSES),
            "softwareType": lambda x, k: self.one_of(x, k, SOFTWARE_TYPES),
            "intendedAudience": self.intended_audience,
            "description": self.description,
            "legal": self.legal,
            "maintenance": self.maintenance,
            "localisation": self.localisation,
            "dependsOn": self.depends_on,
            "IT": self.italian,
            "it": self.italian,
            "supports": self.supports,
        }
        self.mapping(doc, "", fields)
        for name in ("name", "url", "developmentStatus", "softwareType"):
            self.required(doc, name, "")
        if doc.get("platforms") is None:
            self.error("platforms", "required: at least one platform")
        if v < (0, 4):
            self.required(doc, "releaseDate", "")
        if v < (0, 4):
            # The 0.4 minimal example of the reference parser's own test data has none.
            self.required(doc, "categories", "")
        for section in ("description", "legal", "maintenance", "localisation"):
            if doc.get(section) is None:
                self.error(section, "required")
        if doc.get("IT") is not None and doc.get("it") is not None:
            self.error("it", 'write the Italian section once, as "IT"')

    def is_based_on(self, value: Any, key: str) -> None:
        if isinstance(value, list):
            self.strings(value, key, self.url)
        else:
            self.url(value, key)

    def monochrome_logo(self, value: Any, key: str) -> None:
        self.string(value, key)
        self.deprecated(key, "0.3")

    def mime_types(self, value: Any, key: str) -> None:
        def mime(text: str, path: str) -> None:
            if not MIME_RE.match(text):
                self.error(path, "must be a MIME type such as text/plain")

        self.strings(value, key, mime)
        self.deprecated(key, "0.3")

    def platforms(self, value: Any, key: str) -> None:
        def known(text: str, path: str) -> None:
            if text not in SUGGESTED_PLATFORMS:
                self.warn(
                    path,
                    f'"{text}" is not one of the named platforms '
                    f"({', '.join(SUGGESTED_PLATFORMS)})",
                )

        names = self.strings(value, key, known)
        if names == []:
            self.error(key, "required: at least one platform")

    def category(self, text: str, key: str) -> None:
        if text not in CATEGORIES:
            self.error(key, f'"{text}" is not a category of the standard\'s list')

    def organisation(self, value: Any, key: str) -> None:
        section = self.mapping(value, key, {"name": self.string, "uri": self.uri})
        if section is not None:
            self.required(section, "uri", key)
            if self.version < (0, 5):
                self.newer(key, "0.5")

    def funded_by(self, value: Any, key: str) -> None:
        def funder(item: Any, path: str) -> None:
            section = self.mapping(item, path, {"name": self.string, "uri": self.uri})
            if section is None and item is None:
                self.error(path, "required")
            if section is not None:
                self.required(section, "uri", path)

        self.objects(value, key, funder)
        if self.version < (0, 5):
            self.newer(key, "0.5")

    def intended_audience(self, value: Any, key: str) -> None:
        def scope(text: str, path: str) -> None:
            if text not in SCOPES:
                self.error(path, f'"{text}" is not a scope of the standard\'s list')

        self.mapping(value, key, {
            "scope": lambda x, k: self.strings(x, k, scope),
            "countries": lambda x, k: self.strings(x, k, self.country),
            "unsupportedCountries": lambda x, k: self.strings(x, k, self.country),
        })  # fmt: skip

    def description(self, value: Any, key: str) -> None:
        if not isinstance(value, dict):
            self.error(key, "wrong type for this field: expected a mapping of languages")
            return
        if not value:
            self.error(key, "required: at least one language")
        for language, text in value.items():
            if not langcodes.tag_is_valid(str(language)):
                self.error(key, f'"{language}" is not a valid BCP 47 language tag')
                continue
            self.one_description(text, f"{key}.{language}")

    def one_description(self, value: Any, key: str) -> None:
        v = self.version
        if value is None:
            value = {}
        section = self.mapping(value, key, {
            "localisedName": self.string,
            "genericName": self.generic_name,
            "shortDescription": self.string,
            "longDescription": self.string,
            "documentation": lambda x, k: self.url(x, k, web=True),
            "apiDocumentation": lambda x, k: self.url(x, k, web=True),
            "features": self.strings,
            "screenshots": self.strings,
            "videos": lambda x, k: self.strings(x, k, lambda t, p: self.url(t, p, web=True)),
            "awards": self.strings,
        })  # fmt: skip
        if section is None:
            return
        if self.required(section, "shortDescription", key):
            short = section["shortDescription"]
            if isinstance(short, str) and len(short) > 150:
                self.error(f"{key}.shortDescription", "must be at most 150 characters")
        if self.required(section, "longDescription", key):
            long = section["longDescription"]
            least = 500 if v < (0, 3) else 150
            if isinstance(long, str) and len(long) < least:
                self.error(f"{key}.longDescription", f"must be at least {least} characters")
        if self.required(section, "features", key):
            features = section["features"]
            if v < (0, 3) and isinstance(features, list):
                for index, item in enumerate(features):
                    if isinstance(item, str) and len(item) > 100:
                        self.error(f"{key}.features[{index}]", "must be at most 100 characters")

    def generic_name(self, value: Any, key: str) -> None:
        text = self.string(value, key)
        if text is not None and len(text) > 35:
            self.error(key, "must be at most 35 characters")
        if self.version >= (0, 3):
            self.deprecated(key, "0.3")

    def legal(self, value: Any, key: str) -> None:
        section = self.mapping(value, key, {
            "license": self.licence,
            "mainCopyrightOwner": self.string,
            "repoOwner": lambda x, k: (self.string(x, k), self.deprecated(
                k, "0.5", "use organisation.name instead")),
            "authorsFile": lambda x, k: (self.string(x, k), self.deprecated(k, "0.4")),
        })  # fmt: skip
        if section is not None or value is not None:
            self.required(section, "license", key)

    def licence(self, value: Any, key: str) -> None:
        text = self.string(value, key)
        if text is None:
            return
        canonical = spdx_expression(text) if text.strip() else None
        if canonical is None and LICENSE_REF.fullmatch(text.strip()):
            return  # a licence the SPDX list does not name, by a reference SPDX allows
        if canonical is None:
            self.error(key, f'"{text}" is not a valid SPDX licence expression')
        elif canonical.lower() != text.strip().lower():
            self.warn(key, f"the SPDX expression is usually written {canonical}")
        elif canonical != text.strip():
            self.warn(key, f"licence identifiers are written {canonical}")

    def maintenance(self, value: Any, key: str) -> None:
        section = self.mapping(value, key, {
            "type": lambda x, k: self.one_of(x, k, MAINTENANCE_TYPES),
            "contractors": lambda x, k: None,  # checked below, once the type is known
            "contacts": lambda x, k: self.objects(x, k, self.contact),
        })  # fmt: skip
        if section is None:
            return
        if not self.required(section, "type", key):
            return
        kind = section["type"]
        contractors = section.get("contractors")
        if kind == "contract" and not contractors:
            self.error(f"{key}.contractors", 'required when "type" is "contract"')
        elif kind == "contract":
            self.objects(contractors, f"{key}.contractors", self.contractor)
        if kind != "contract" and contractors is not None:
            if self.version >= (0, 5):
                self.error(f"{key}.contractors", 'must not be present unless "type" is "contract"')
            else:
                self.warn(f"{key}.contractors", 'ignored unless "type" is "contract"')
        if kind in ("internal", "community") and not section.get("contacts"):
            self.error(f"{key}.contacts", f'required when "type" is "{kind}"')

    def contractor(self, value: Any, key: str) -> None:
        section = self.mapping(value, key, {
            "name": self.string,
            "email": self.email,
            "website": lambda x, k: self.url(x, k, web=True),
            "until": self.date,
        })  # fmt: skip
        if value is None:
            self.error(key, "required")
        self.required(section, "name", key) if section is not None else None
        if section is not None:
            self.required(section, "until", key)

    def contact(self, value: Any, key: str) -> None:
        section = self.mapping(value, key, {
            "name": self.string,
            "email": self.email,
            "affiliation": self.string,
            "phone": self.string,
        })  # fmt: skip
        if value is None:
            self.error(key, "required")
        if section is not None:
            self.required(section, "name", key)

    def localisation(self, value: Any, key: str) -> None:
        section = self.mapping(value, key, {
            "localisationReady": self.boolean,
            "availableLanguages": lambda x, k: self.strings(x, k, self.language),
        })  # fmt: skip
        if section is None and value is not None:
            return
        if section is None or section.get("localisationReady") is None:
            self.error(f"{key}.localisationReady", "required")
        self.required(section, "availableLanguages", key)

    def depends_on(self, value: Any, key: str) -> None:
        def dependency(item: Any, path: str) -> None:
            section = self.mapping(item, path, {
                "name": self.string,
                "versionMin": self.string,
                "versionMax": self.string,
                "version": self.string,
                "optional": self.boolean,
            })  # fmt: skip
            if item is None:
                self.error(path, "required")
            if section is not None:
                self.required(section, "name", path)

        self.mapping(
            value,
            key,
            {
                kind: lambda x, k: self.objects(x, k, dependency)
                for kind in ("open", "proprietary", "hardware")
            },
        )

    def italian(self, value: Any, key: str) -> None:
        if key == "it":
            self.warn(key, "lowercase country codes are deprecated: name the section 'IT'")
        flags = {name: self.boolean for name in ("spid", "pagopa", "cie", "anpr", "io")}
        conforme = {
            name: self.boolean
            for name in ("lineeGuidaDesign", "modelloInteroperabilita",
                         "misureMinimeSicurezza", "gdpr")
        }  # fmt: skip

        def version(x: Any, k: str) -> None:
            text = self.string(x, k)
            if text is not None and text not in ("0.2", "1.0"):
                self.error(k, "must be one of: 0.2, 1.0")

        def conforme_section(x: Any, k: str) -> None:
            self.mapping(x, k, conforme)
            self.deprecated(k, "0.5")

        def ipa(x: Any, k: str) -> None:
            text = self.string(x, k)
            if text is not None and not IPA_CODE_RE.match(text):
                self.error(k, "must be an Italian Public Administration (iPA) code")
            self.deprecated(k, "0.5", "use organisation.uri (urn:x-italian-pa:CODE) instead")

        self.mapping(value, key, {
            "countryExtensionVersion": version,
            "conforme": conforme_section,
            "riuso": lambda x, k: self.mapping(x, k, {"codiceIPA": ipa}),
            "piattaforme": lambda x, k: self.mapping(x, k, flags),
        })  # fmt: skip

    def supports(self, value: Any, key: str) -> None:
        def support(item: Any, path: str) -> None:
            section = self.mapping(item, path, {"id": self.uri})
            if section is not None:
                self.required(section, "id", path)

        self.objects(value, key, support)
        if self.version < (0, 7):
            self.newer(key, "0.7")
