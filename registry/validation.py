"""Checking input field by field, collecting every problem before refusing.

A `Checker` reads raw values (from a form, JSON or a seed file), converts each to its proper
type and records a message naming the field and the reason for anything wrong. Services call
`checker.raise_if_invalid()` once, so a person sees all their mistakes at once. Messages follow
the design system's style: they say what to do, in the field's own words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from registry import markdown
from registry.errors import ValidationFailed

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_EMAIL_LENGTH = 254  # the longest address SMTP carries (RFC 5321 with RFC 3696 erratum)
# Characters that mean something in a mailto: link (a query of extra recipients or headers, a
# fragment, an escape): legal in the part before the @, but a published contact address made
# with them could add recipients to the mail a reader sends.
MAILTO_SPECIAL = frozenset("?#%&")
# Invisible characters that change how text reads without showing themselves: bidirectional
# embeddings, overrides, isolates and marks, and zero-width spaces and joiners. In a one-line
# field (a title, a name) they only serve to make what is shown differ from what is stored.
HIDDEN_CHARACTERS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner, word joiner, BOM
)
# A number typed by a person is never longer than this; anything longer is refused unread.
MAX_NUMBER_TEXT = 30
# Digits are 0-9 only (Python's \d and int() also take full-width and other scripts' digits);
# thousands separators, when used, sit every three digits.
_WHOLE_NUMBER_RE = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)")
_POUNDS_RE = re.compile(
    r"£? ?(?P<pounds>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<pence>[0-9]{1,2}))?"
)
MAX_PENCE = 10_000_000_000  # £100 million: above any single pledge or framework value here
MAX_STAFF_DAYS = 10_000


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Pounds(str):
    """Money as a person typed it in pounds (a form's amount field, like "£1,250.50"), which
    `Checker.pence` reads as pounds. Any other text given to it is read as whole pence."""


def _blank(value: Any) -> bool:
    return value is None or value is MISSING or (isinstance(value, str) and not value.strip())


class Checker:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def given(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str) -> Any:
        return self.data.get(name, MISSING)

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)

    # -- scalars -------------------------------------------------------------------------

    def text(
        self,
        name: str,
        label: str,
        *,
        required: bool = False,
        min_length: int = 0,
        max_length: int = 10_000,
        multiline: bool = True,
    ) -> str:
        value = self.raw(name)
        if _blank(value):
            if required:
                self.fail(name, f"Enter {_article(label)}")
            return ""
        if not isinstance(value, str):
            self.fail(name, f"{label} must be text")
            return ""
        value = value.strip()
        # Length first: whatever reads the value next (a pattern, a parser) only ever sees
        # text of a bounded size. A value that fails any check comes back empty for the same
        # reason.
        if len(value) < min_length or len(value) > max_length:
            if min_length:
                self.fail(name, f"{label} must be between {min_length} and {max_length} characters")
            else:
                self.fail(name, f"{label} must be {max_length} characters or fewer")
            return ""
        if not multiline and ("\n" in value or "\r" in value):
            self.fail(name, f"{label} must be on one line")
            return ""
        if "\x00" in value:
            self.fail(name, f"{label} must not contain a null character")
            return ""
        if not multiline and not HIDDEN_CHARACTERS.isdisjoint(value):
            self.fail(name, f"{label} must not contain invisible formatting characters")
            return ""
        return value

    def markdown(self, name: str, label: str, *, max_length: int) -> str:
        """Text that is shown rendered as Markdown: no more markup than renders quickly."""
        value = self.text(name, label, max_length=max_length)
        problem = markdown.too_much_markup(value, label) if value else None
        if problem:
            self.fail(name, problem)
            return ""
        return value

    def slug(self, name: str, label: str = "Slug", *, required: bool = True) -> str:
        value = self.text(name, label, required=required, max_length=80, multiline=False)
        if value and (len(value) < 3 or not SLUG_RE.match(value)):
            self.fail(
                name,
                f"{label} must be 3 to 80 lowercase letters, numbers and single hyphens, "
                "like digital-telecare",
            )
        return value

    def choice(
        self, name: str, label: str, options: Mapping[str, str], *, required: bool = True
    ) -> str:
        value = self.raw(name)
        if _blank(value):
            if required:
                self.fail(name, f"Select {_article(label)}")
            return ""
        if not isinstance(value, str) or value not in options:
            self.fail(name, f"{label} must be one of: {', '.join(options)}")
            return ""
        return value

    def choices(
        self, name: str, label: str, options: Mapping[str, str], *, max_items: int = 20
    ) -> list[str]:
        values = self.string_list(name, label, max_items=max_items, max_length=60)
        unknown = [v for v in values if v not in options]
        if unknown:
            self.fail(
                name,
                f"{label} has unknown values ({', '.join(unknown)}); use: {', '.join(options)}",
            )
            return []
        return sorted(set(values), key=list(options).index)

    def integer(
        self,
        name: str,
        label: str,
        *,
        required: bool = False,
        minimum: int = 0,
        maximum: int = 1_000_000,
    ) -> int | None:
        value = self.raw(name)
        if _blank(value):
            if required:
                self.fail(name, f"Enter {_article(label)}")
            return None
        number = _whole_number(value)
        if number is None:
            self.fail(name, f"{label} must be a whole number")
            return None
        if not minimum <= number <= maximum:
            self.fail(name, f"{label} must be between {minimum:,} and {maximum:,}")
            return None
        return number

    def pence(self, name: str, label: str, *, required: bool = False) -> int | None:
        value = self.raw(name)
        if _blank(value):
            if required:
                self.fail(name, f"Enter {_article(label)}")
            return None
        if isinstance(value, Pounds):
            number = pounds_to_pence(value)
            if number is None:
                self.fail(name, f"{label} must be in pounds, like 2500 or 2,500.50")
                return None
        else:
            number = _whole_number(value)
            if number is None:
                self.fail(name, f"{label} must be a whole number of pence")
                return None
        if number < 0:
            self.fail(name, f"{label} must not be negative")
            return None
        if number > MAX_PENCE:
            self.fail(name, f"{label} must be £100,000,000 or less")
            return None
        return number

    def date(self, name: str, label: str, *, required: bool = False) -> dt.date | None:
        value = self.raw(name)
        if _blank(value):
            if required:
                self.fail(name, f"Enter {_article(label)}")
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = value.strip() if isinstance(value, str) else ""
        try:
            if len(text) > 10:  # longer than YYYY-MM-DD
                raise ValueError(text)
            parsed = dt.date.fromisoformat(text)
        except ValueError:
            self.fail(name, f"{label} must be a real date, like 2025-03-31")
            return None
        if not 1990 <= parsed.year <= 2100:
            self.fail(name, f"{label} must be between 1990 and 2100")
            return None
        return parsed

    def url(self, name: str, label: str, *, required: bool = False) -> str:
        value = self.text(name, label, required=required, max_length=300, multiline=False)
        if value and not is_web_url(value):
            self.fail(name, f"{label} must be a web address starting with https:// or http://")
            return ""
        return value

    def email(self, name: str, label: str, *, required: bool = False) -> str:
        """The address, lowercased. Its syntax only is checked (no look-up of the domain), and
        only once it is known to be no longer than an address can be."""
        value = self.text(
            name, label, required=required, max_length=MAX_EMAIL_LENGTH, multiline=False
        )
        if value and not is_email_address(value):
            self.fail(name, f"{label} must be an email address, like name@example.gov.uk")
            return ""
        return value.lower()

    def licence(self, name: str, label: str = "Licence") -> str:
        value = self.text(name, label, max_length=100, multiline=False)
        if value:
            normalised = spdx_expression(value)
            if normalised is None:
                self.fail(
                    name,
                    f"{label} must be an SPDX licence identifier or expression, "
                    "like MIT, EUPL-1.2 or OGL-UK-3.0",
                )
                return ""
            return normalised
        return value

    # -- lists ---------------------------------------------------------------------------

    def string_list(
        self, name: str, label: str, *, max_items: int = 20, max_length: int = 100
    ) -> list[str]:
        value = self.raw(name)
        if _blank(value):
            return []
        if isinstance(value, str):
            # No list of entries this size can be valid, so a longer text is not split at all.
            if len(value) > max_items * (max_length + 2):
                self.fail(name, f"{label} can have at most {max_items} entries")
                return []
            items = [line.strip() for line in re.split(r"[\n\r]+", value)]
        elif isinstance(value, list | tuple):
            items = value
        else:
            self.fail(name, f"{label} must be a list")
            return []
        cleaned: list[str] = []
        for item in items:
            if not isinstance(item, str):
                self.fail(name, f"Each of {label.lower()} must be text")
                return []
            item = item.strip()
            if not item:
                continue
            if len(item) > max_length:
                self.fail(name, f"Each of {label.lower()} must be {max_length} characters or fewer")
                return []
            if not HIDDEN_CHARACTERS.isdisjoint(item) or "\x00" in item:
                self.fail(name, f"{label} must not contain invisible formatting characters")
                return []
            if item not in cleaned:
                cleaned.append(item)
        if len(cleaned) > max_items:
            self.fail(name, f"{label} can have at most {max_items} entries")
            return []
        return cleaned

    def links(self, name: str, label: str = "Links", *, max_items: int = 10) -> list[dict]:
        value = self.raw(name)
        if _blank(value):
            return []
        if not isinstance(value, list | tuple):
            self.fail(name, f"{label} must be a list of titles and web addresses")
            return []
        if len(value) > max_items:
            self.fail(name, f"{label} can have at most {max_items} entries")
            return []
        cleaned = []
        for item in value:
            if not isinstance(item, Mapping):
                self.fail(name, "Each link needs a title and a web address")
                return []
            title, url = item.get("title") or "", item.get("url") or ""
            if not isinstance(title, str) or not isinstance(url, str):
                self.fail(name, "Each link needs a title and a web address")
                return []
            title, url = title.strip(), url.strip()
            if not title or len(title) > 120:
                self.fail(name, "Each link needs a title of 120 characters or fewer")
                return []
            if not HIDDEN_CHARACTERS.isdisjoint(title) or "\n" in title:
                self.fail(name, "Each link title must be one line of visible text")
                return []
            if len(url) > 300 or not is_web_url(url):
                self.fail(name, "Each link needs a web address starting https://")
                return []
            cleaned.append({"title": title, "url": url})
        return cleaned


def _article(label: str) -> str:
    lowered = label[0].lower() + label[1:]
    return f"an {lowered}" if lowered[0] in "aeiou" else f"a {lowered}"


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        return parse_whole_number(value)
    if isinstance(value, Decimal):
        try:
            return int(value) if value == value.to_integral_value() else None
        except InvalidOperation:
            return None
    return None


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


def parse_whole_number(value: str) -> int | None:
    """A count as a person types it: '2500' or '2,500' -> 2500, '-3' -> -3. None for anything
    else: separators out of place ('2,5', '1,2,3'), decimals, digits other than 0-9."""
    text = value.strip()
    if len(text) > MAX_NUMBER_TEXT or not _WHOLE_NUMBER_RE.fullmatch(text):
        return None
    return int(text.replace(",", ""))


def pounds_to_pence(value: str) -> int | None:
    """Money as a person types it in pounds: '£1,250.50' -> 125050, '1250.5' -> 125050,
    '12,500' -> 1250000. None for anything else: separators out of place ('12,50,0.1'), more
    than two decimals, a sign, digits other than 0-9."""
    text = value.strip()
    match = _POUNDS_RE.fullmatch(text) if len(text) <= MAX_NUMBER_TEXT else None
    if match is None:
        return None
    pounds = int(match["pounds"].replace(",", ""))
    return pounds * 100 + int((match["pence"] or "0").ljust(2, "0"))


def is_email_address(value: str) -> bool:
    """Whether `value` is one plain email address (no display name, quoting or IP address),
    safe to put in a mailto: link. Call it on bounded text only."""
    if not MAILTO_SPECIAL.isdisjoint(value):
        return False
    local, _, domain = value.rpartition("@")
    # The demo accounts live under .invalid (RFC 6761), the reserved name that guarantees no
    # mail is ever delivered; the library refuses reserved names, so such a domain's labels
    # are checked as an ordinary domain's would be.
    if domain.lower().endswith(".invalid"):
        value = f"{local}@{domain[: -len('.invalid')]}.example"
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@lru_cache(maxsize=1)
def _spdx():
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def spdx_expression(value: str) -> str | None:
    """The SPDX expression in its canonical spelling, or None when any part is unknown."""
    licensing = _spdx()
    try:
        parsed = licensing.parse(value, validate=True, strict=True)
    except Exception:
        return None
    if parsed is None:
        return None
    if licensing.unknown_license_keys(parsed):
        return None
    return str(parsed)
