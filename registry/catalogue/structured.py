"""Facts with parts: titled links with the date they were true, lots with their suppliers, and
notes on facts. Each is typed as one line per item in a documented format, so the solution form
needs no script and stays usable at any length (within a bounded number of lines), and the same
value comes from the API or a seed file as a list of mappings.

`check_*` reads either shape through a `Checker`, bounds every size before parsing, and records
a message naming the field and the line at fault; `as_lines` turns a stored value back into
the text the form shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from registry.validation import HIDDEN_CHARACTERS, Checker, is_web_url

SEPARATOR = "|"
MAX_TITLE = 160
MAX_URL = 300
MAX_NAME = 200
MAX_NOTE = 300
MAX_SUPPLIERS = 50
# A local reference: a path on this site ("/sources#audit-scotland-2021"), never //host.
_LOCAL_PATH = re.compile(r"/[A-Za-z0-9/_#.-]{0,199}")

FORMATS = {
    "links": "One per line: title | web address.",
    "dated_links": "One per line: title | web address | the date it was true (optional: "
    "2021-01-28, or 2021-01 or 2021 when the source gives no day).",
    "lots": "One lot per line: lot name | suppliers separated by semicolons (optional).",
    "notes": "One per line: the fact's name, a colon, then the note. For example "
    "“Cost: not stated by the source”.",
}


def _visible(text: str) -> bool:
    return HIDDEN_CHARACTERS.isdisjoint(text) and "\x00" not in text


def _lines(checker: Checker, name: str, label: str, max_items: int, max_line: int):
    """The raw value as a list of items: a list given as it is, text split into its non-empty
    lines; None (with the problem recorded) when it cannot be one."""
    value = checker.raw(name)
    if not checker.given(name) or value is None or (isinstance(value, str) and not value.strip()):
        return []
    if isinstance(value, str):
        if len(value) > max_items * (max_line + 2):
            checker.fail(name, f"{label} can have at most {max_items} lines")
            return None
        return [line.strip() for line in re.split(r"[\n\r]+", value) if line.strip()]
    if isinstance(value, list | tuple):
        if len(value) > max_items:
            checker.fail(name, f"{label} can have at most {max_items} entries")
            return None
        return list(value)
    checker.fail(name, f"{label} must be text, one entry per line")
    return None


_AS_OF = re.compile(r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")


def _as_of(raw: Any) -> str | None:
    """An as-of date as precise as the source is: "2021", "2021-01" or "2021-01-28" (a
    document dated only by its month is not given a day it does not have). "bad" when it is
    not a real date of one of those forms."""
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    text = raw.strip() if isinstance(raw, str) else ""
    match = _AS_OF.fullmatch(text) if len(text) <= 10 else None
    if match is None or not 1990 <= int(match["year"]) <= 2100:
        return "bad"
    try:
        dt.date(int(match["year"]), int(match["month"] or 1), int(match["day"] or 1))
    except ValueError:
        return "bad"
    return text


def as_of_words(value: str | None) -> str:
    """An as-of date in words, as precise as it is: "2021", "January 2021", "28 January 2021"."""
    if not value:
        return ""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    day = dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
    return f"{day:%B %Y}" if len(parts) == 2 else f"{day.day} {day:%B %Y}"


def check_dated_links(
    checker: Checker, name: str, label: str, *, max_items: int, local: bool = False
) -> list[dict]:
    """Titled links, each with the date its content was true ("as of"). With `local`, a link
    may also be a path on this site (a reference the registry itself describes)."""
    items = _lines(checker, name, label, max_items, MAX_TITLE + MAX_URL + 20)
    if items is None:
        return []
    cleaned: list[dict] = []
    for number, item in enumerate(items, start=1):
        where = f"{label}, line {number}"
        if isinstance(item, str):
            parts = [p.strip() for p in item.split(SEPARATOR)]
            if len(parts) not in (2, 3):
                checker.fail(name, f"{where}: write a title | a web address | a date (optional)")
                return []
            item = dict(zip(("title", "url", "as_of"), parts, strict=False))
        if not isinstance(item, Mapping):
            checker.fail(name, f"{where}: needs a title and a web address")
            return []
        title, url = item.get("title"), item.get("url")
        if not isinstance(title, str) or not title.strip() or len(title.strip()) > MAX_TITLE:
            checker.fail(name, f"{where}: needs a title of {MAX_TITLE} characters or fewer")
            return []
        if not _visible(title) or "\n" in title:
            checker.fail(name, f"{where}: the title must be one line of visible text")
            return []
        url = url.strip() if isinstance(url, str) else ""
        good_url = len(url) <= MAX_URL and (
            is_web_url(url) or (local and _LOCAL_PATH.fullmatch(url) is not None)
        )
        if not good_url:
            checker.fail(name, f"{where}: the web address must start with https://")
            return []
        as_of = _as_of(item.get("as_of"))
        if as_of == "bad":
            checker.fail(
                name,
                f"{where}: the as-of date must be a real date, like 2021-01-28, 2021-01 or 2021",
            )
            return []
        # Stored as text: the value travels as JSON (column, audit event, API).
        cleaned.append({"title": title.strip(), "url": url, "as_of": as_of})
    return cleaned


def check_lots(checker: Checker, name: str, label: str, *, max_items: int) -> list[dict]:
    """Lots, each with the suppliers awarded a place on it."""
    items = _lines(checker, name, label, max_items, MAX_NAME * 6)
    if items is None:
        return []
    cleaned: list[dict] = []
    for number, item in enumerate(items, start=1):
        where = f"{label}, line {number}"
        if isinstance(item, str):
            lot, _, suppliers = item.partition(SEPARATOR)
            item = {"name": lot, "suppliers": [s for s in suppliers.split(";")]}
        if not isinstance(item, Mapping):
            checker.fail(name, f"{where}: needs a lot name")
            return []
        lot, suppliers = item.get("name"), item.get("suppliers") or []
        if not isinstance(lot, str) or not lot.strip() or len(lot.strip()) > MAX_NAME:
            checker.fail(name, f"{where}: needs a lot name of {MAX_NAME} characters or fewer")
            return []
        if not isinstance(suppliers, list | tuple) or len(suppliers) > MAX_SUPPLIERS:
            checker.fail(name, f"{where}: can name at most {MAX_SUPPLIERS} suppliers")
            return []
        names: list[str] = []
        for supplier in suppliers:
            if not isinstance(supplier, str) or len(supplier.strip()) > MAX_NAME:
                checker.fail(name, f"{where}: each supplier must be {MAX_NAME} characters or fewer")
                return []
            if supplier.strip() and supplier.strip() not in names:
                names.append(supplier.strip())
        if not _visible(lot) or not all(_visible(s) for s in names):
            checker.fail(name, f"{where}: must not contain invisible formatting characters")
            return []
        cleaned.append({"name": lot.strip(), "suppliers": names})
    return cleaned


def check_notes(
    checker: Checker, name: str, label: str, facts: Mapping[str, str], *, max_items: int
) -> dict[str, str]:
    """Notes on facts, by the fact's field name. `facts` maps each field name that may carry a
    note to its label; a note names its fact by either."""
    by_label = {text.lower(): field for field, text in facts.items()}
    value = checker.raw(name)
    if not checker.given(name) or value is None:
        return {}
    if isinstance(value, Mapping):
        if len(value) > max_items:
            checker.fail(name, f"{label} can have at most {max_items} entries")
            return {}
        pairs = list(value.items())
    else:
        items = _lines(checker, name, label, max_items, MAX_NAME + MAX_NOTE)
        if items is None:
            return {}
        pairs = []
        for number, item in enumerate(items, start=1):
            if not isinstance(item, str) or ":" not in item:
                checker.fail(
                    name, f"{label}, line {number}: write the fact's name, a colon, the note"
                )
                return {}
            fact, _, note = item.partition(":")
            pairs.append((fact, note))
    notes: dict[str, str] = {}
    for fact, note in pairs:
        if not isinstance(fact, str) or not isinstance(note, str):
            checker.fail(name, f"{label} must pair a fact's name with a note")
            return {}
        key = fact.strip()
        field = key if key in facts else by_label.get(key.lower())
        if field is None:
            checker.fail(name, f"{label}: “{key[:60]}” is not one of this solution's facts")
            return {}
        note = note.strip()
        if not note or len(note) > MAX_NOTE or not _visible(note) or "\n" in note:
            checker.fail(
                name,
                f"{label}: the note on {facts[field]} must be one line of {MAX_NOTE} "
                "characters or fewer",
            )
            return {}
        notes[field] = note
    return notes


def as_lines(field_type: str, value: Any, labels: Mapping[str, str] | None = None) -> str:
    """A stored value as the form's text, in the format `check_*` reads back."""
    if not value:
        return ""
    if field_type == "links":
        return "\n".join(f"{item['title']} | {item['url']}" for item in value)
    if field_type == "dated_links":
        return "\n".join(
            " | ".join(
                [item["title"], item["url"]] + ([item["as_of"]] if item.get("as_of") else [])
            )
            for item in value
        )
    if field_type == "lots":
        return "\n".join(
            item["name"] + (f" | {'; '.join(item['suppliers'])}" if item.get("suppliers") else "")
            for item in value
        )
    if field_type == "notes":
        return "\n".join(f"{(labels or {}).get(k, k)}: {v}" for k, v in value.items())
    return str(value)
