"""Highlighted HTML for search hits, made the same safe way for every engine.

An engine marks the matched words of a stored text with two private-use characters (`PRE` and
`POST`): Meilisearch is asked to use them as its highlight tags, the embedded engine inserts them
itself. `render` then HTML-escapes the whole text first and only afterwards turns the markers
into `<mark>` and `</mark>`, so nothing from the stored text can come back as live markup; the
markers are removed from stored text beforehand (`strip_markers`) so a document cannot forge one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

PRE = "\ue000"
POST = "\ue001"

_MARKERS = re.compile(f"([{PRE}{POST}])")
_STRIP = str.maketrans("", "", PRE + POST)


def strip_markers(text: str) -> str:
    """`text` without highlight markers, as it must be before it is stored or marked."""
    if PRE in text or POST in text:
        return text.translate(_STRIP)
    return text


def render(marked: str) -> str:
    """Escape `marked` for HTML, then turn its markers into `<mark>` elements.

    Only a `PRE` followed by its `POST` becomes an element; a stray or nested marker is dropped,
    so the output is always balanced.
    """
    if PRE not in marked and POST not in marked:
        return html.escape(marked, quote=True)
    out = []
    open_ = False
    for piece in _MARKERS.split(marked):
        if piece == PRE:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif piece == POST:
            if open_:
                out.append("</mark>")
                open_ = False
        elif piece:
            out.append(html.escape(piece, quote=True))
    if open_:
        out.append("</mark>")
    return "".join(out).replace("<mark></mark>", "")


def mark_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Highlighted HTML for `text` with the given (start, end) character spans marked.

    Spans must be in order and must not overlap. Markers already in `text` are dropped (after
    slicing, so the spans keep pointing at the right characters).
    """
    pieces = []
    last = 0
    for start, end in spans:
        pieces.append(strip_markers(text[last:start]))
        pieces.append(PRE + strip_markers(text[start:end]) + POST)
        last = end
    pieces.append(strip_markers(text[last:]))
    return render("".join(pieces))


def join_values(value: object) -> str | None:
    """The text of a stored field for highlighting: a string, or a list of strings joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        parts = [v for v in value if isinstance(v, str)]
        return ", ".join(parts) if parts else None
    return None
