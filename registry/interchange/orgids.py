"""Organisation identifiers in the org-id.guide form `SCHEME-IDENTIFIER`, recognised and
normalised so that imports join organisations on identifiers, never on names.

A scheme is a two-letter country code (or XI / XM for international lists) and a list code:
`GB-LAS` (Scottish councils), `GB-LAE` (English councils), `GB-LANI` (Northern Irish councils),
`GB-LAC` (councils by GSS code, as OCDS examples write them), `GB-COH` (Companies House),
`GB-GOR` (government organisations), `GB-NHS`, `GB-CCSCUST`, `GB-VAT`, `GB-CHC`, `GB-SC` ...
Known schemes get their identifiers normalised (case, Companies House leading zeros) and, for
Scottish councils, checked against the 32 codes; a Scottish council written with its GSS code
(`GB-LAC-S12000049`, or a former code) is recognised as the same council (`GB-LAS-GLG`).
Pure functions over short strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 100

# The 32 Scottish councils' codes in the local-authority-sct register (GB-LAS).
SCOTTISH_COUNCILS = frozenset([
    "ABD", "ABE", "AGB", "ANS", "CLK", "DGY", "DND", "EAY", "EDH", "EDU", "ELN",
    "ELS", "ERW", "FAL", "FIF", "GLG", "HLD", "IVC", "MLN", "MRY", "NAY", "NLK",
    "ORK", "PKN", "RFW", "SAY", "SCB", "SLK", "STG", "WDU", "WLN", "ZET",
])  # fmt: skip
# Current and former GSS codes of the Scottish councils (the 2018-19 boundary changes gave Fife,
# Perth and Kinross, Glasgow and North Lanarkshire new codes).
SCOTTISH_GSS = {
    "S12000034": "ABD", "S12000033": "ABE", "S12000035": "AGB", "S12000041": "ANS",
    "S12000005": "CLK", "S12000006": "DGY", "S12000042": "DND", "S12000008": "EAY",
    "S12000036": "EDH", "S12000045": "EDU", "S12000009": "EDU", "S12000010": "ELN",
    "S12000013": "ELS", "S12000011": "ERW", "S12000014": "FAL", "S12000047": "FIF",
    "S12000015": "FIF", "S12000049": "GLG", "S12000046": "GLG", "S12000043": "GLG",
    "S12000017": "HLD", "S12000018": "IVC", "S12000019": "MLN", "S12000020": "MRY",
    "S12000021": "NAY", "S12000050": "NLK", "S12000044": "NLK", "S12000023": "ORK",
    "S12000048": "PKN", "S12000024": "PKN", "S12000038": "RFW", "S12000028": "SAY",
    "S12000026": "SCB", "S12000029": "SLK", "S12000030": "STG", "S12000039": "WDU",
    "S12000040": "WLN", "S12000027": "ZET",
}  # fmt: skip

KNOWN_SCHEMES = frozenset(
    ["GB-LAS", "GB-LAE", "GB-LANI", "GB-LAC", "GB-COH", "GB-GOR", "GB-NHS", "GB-CCSCUST",
     "GB-VAT", "GB-CHC", "GB-SC", "GB-NIC", "GB-EDU", "GB-UKPRN", "GB-MPR", "GB-CFS",
     "XI-IATI", "XM-DAC"]
)  # fmt: skip

_SCHEME_RE = re.compile(r"^([A-Z]{2})-([A-Z0-9]+)-(.+)$")
_IDENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


@dataclass(frozen=True)
class OrgId:
    scheme: str
    identifier: str

    def __str__(self) -> str:
        return f"{self.scheme}-{self.identifier}"

    @property
    def known_scheme(self) -> bool:
        return self.scheme in KNOWN_SCHEMES


class NotAnOrgId(ValueError):
    """The text is not an organisation identifier of a known shape; the message says why."""


def _normalise_identifier(scheme: str, identifier: str) -> str:
    identifier = identifier.strip()
    if scheme == "GB-COH":
        identifier = identifier.upper()
        if identifier.isdigit() and len(identifier) < 8:
            identifier = identifier.zfill(8)
        if not re.fullmatch(r"[A-Z0-9]{8}", identifier):
            raise NotAnOrgId(f"{scheme}-{identifier}: a Companies House number has 8 characters")
        return identifier
    if scheme == "GB-LAS":
        identifier = identifier.upper()
        if identifier not in SCOTTISH_COUNCILS:
            raise NotAnOrgId(f"{scheme}-{identifier}: not one of the 32 Scottish council codes")
        return identifier
    if scheme in KNOWN_SCHEMES and scheme != "GB-CHC":
        return identifier.upper()
    return identifier


def org_id(scheme: str, identifier: str) -> OrgId:
    """The identifier from its two parts (as OCDS writes them), normalised; NotAnOrgId when
    it cannot be one."""
    scheme = re.sub(r"\s+", "", scheme or "").upper()
    identifier = re.sub(r"\s+", "", str(identifier or ""))
    if len(scheme) + len(identifier) + 1 > MAX_LENGTH:
        raise NotAnOrgId("an organisation identifier is at most 100 characters")
    if not re.fullmatch(r"[A-Z]{2}-[A-Z0-9]+", scheme):
        raise NotAnOrgId(f"'{scheme}' is not an org-id scheme (like GB-LAS or GB-COH)")
    if not identifier or not _IDENT_RE.match(identifier):
        raise NotAnOrgId(f"'{identifier}' is not an identifier within {scheme}")
    if scheme == "GB-LAC" and identifier.upper() in SCOTTISH_GSS:
        return OrgId("GB-LAS", SCOTTISH_GSS[identifier.upper()])
    return OrgId(scheme, _normalise_identifier(scheme, identifier))


def parse_org_id(text: str) -> OrgId | None:
    """The identifier in `text` (`GB-LAS-GLG`, ` gb-las-glg `, `GB-COH-4336774`), normalised,
    or None when `text` is not one."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return None
    compact = re.sub(r"\s+", "", text)
    upper = compact.upper()
    # A known scheme is matched by its whole code first: GB-LANI is not GB-LA + NI.
    for scheme in sorted(KNOWN_SCHEMES, key=len, reverse=True):
        if upper.startswith(scheme + "-"):
            try:
                return org_id(scheme, compact[len(scheme) + 1 :])
            except NotAnOrgId:
                return None
    match = _SCHEME_RE.match(upper)
    if match is None:
        return None
    scheme = f"{match.group(1)}-{match.group(2)}"
    try:
        return org_id(scheme, compact[len(scheme) + 1 :])
    except NotAnOrgId:
        return None


def same_organisation(a: str, b: str) -> bool:
    """Whether two identifier texts name the same organisation (after normalising both)."""
    first, second = parse_org_id(a), parse_org_id(b)
    return first is not None and first == second
