"""Highlighted HTML for search hits, made the same safe way for every engine.

An engine marks the matched words of a stored text with two private-use characters (`PRE` and
`POST`): Meilisearch is asked to use them as its highlight tags, the embedded engine inserts them
itself. `render` then HTML-escapes the whole text first and only afterwards turns the markers
into `<mark>` and `</mark>`, so nothing from the stored text can come back as live markup; the
markers are removed from stored text beforehand (`strip_markers`) so a document cannot forge one.

A long text can come back cropped (`snippet`): about a given number of words around its first
match, with an ellipsis where it was cut, the way Meilisearch's `attributesToCrop` does. Both
engines crop here, from the same text and matches, so they cut alike.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

PRE = "\ue000"
POST = "\ue001"
ELLIPSIS = "\u2026"

_MARKERS = re.compile(f"([{PRE}{POST}])")
_STRIP = str.maketrans("", "", PRE + POST)
_TOKEN = re.compile(r"\S+")
_CHARS_PER_WORD = 24  # how far to look for the words of a snippet (longer words: fewer of them)


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
    if PRE in text or POST in text:
        return _mark_marked_text(text, spans)
    # the same HTML as marking with PRE and POST and then `render`, made directly: this runs for
    # every searchable field of every hit
    escape: Callable[[str], str] = _escape if _has_special(text) else str
    pieces = []
    last = 0
    for start, end in spans:
        pieces.append(escape(text[last:start]))
        if end > start:
            pieces += ("<mark>", escape(text[start:end]), "</mark>")
        last = end
    pieces.append(escape(text[last:]))
    return "".join(pieces)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _has_special(text: str) -> bool:
    """Whether html.escape(text, quote=True) would change anything (five quick scans)."""
    return "&" in text or "<" in text or ">" in text or '"' in text or "'" in text


def _mark_marked_text(text: str, spans: Iterable[tuple[int, int]]) -> str:
    pieces = []
    last = 0
    for start, end in spans:
        pieces.append(strip_markers(text[last:start]))
        pieces.append(PRE + strip_markers(text[start:end]) + POST)
        last = end
    pieces.append(strip_markers(text[last:]))
    return render("".join(pieces))


def whole_words(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans` moved onto the whole words of `text` they touch, in order and merged.

    A span is cut back to its first and last word character, then widened to the ends of the
    words those belong to: a mark that starts on a separator before its word (`<zephyrin` in
    `<zephyrine>`) or stops inside it (`recr` in `recruitment`) ends up around the whole word.
    A span holding no word character is dropped. Word characters are letters, digits and the
    combining marks that belong to them.
    """
    size = len(text)
    moved: list[tuple[int, int]] = []
    for start, end in spans:
        start, end = max(0, start), min(size, end)
        while start < end and not _word_char(text[start]):
            start += 1
        while end > start and not _word_char(text[end - 1]):
            end -= 1
        if start >= end:
            continue
        while start > 0 and _word_char(text[start - 1]):
            start -= 1
        while end < size and _word_char(text[end]):
            end += 1
        moved.append((start, end))
    moved.sort()
    merged: list[tuple[int, int]] = []
    for start, end in moved:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char).startswith("M")


def join_values(value: object) -> str | None:
    """The text of a stored field for highlighting: a string, or a list of strings joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        parts = [v for v in value if isinstance(v, str)]
        return ", ".join(parts) if parts else None
    return None


def unmark(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The text of `marked` without its markers, and the spans they marked, read as `render`
    reads them (a stray or nested marker is dropped, an unclosed one closes at the end), so
    `mark_spans(*unmark(marked)) == render(marked)`."""
    if PRE not in marked and POST not in marked:
        return marked, []
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    opened: int | None = None
    for piece in _MARKERS.split(marked):
        if piece == PRE:
            if opened is None:
                opened = length
        elif piece == POST:
            if opened is not None:
                if length > opened:
                    spans.append((opened, length))
                opened = None
        elif piece:
            text.append(piece)
            length += len(piece)
    if opened is not None and length > opened:
        spans.append((opened, length))
    return "".join(text), spans


def snippet(text: str, spans: Sequence[tuple[int, int]], words: int) -> str:
    """Highlighted HTML for about `words` words of `text` around its first span (from the start
    when there is none), with an ellipsis where the text was cut; a text of no more than `words`
    words comes back whole. Spans as for `mark_spans`."""
    start, end = crop_window(text, spans[0][0] if spans else 0, words)
    if start == 0 and end == len(text):
        return mark_spans(text, spans)
    inside = [
        (max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start
    ]
    return (
        (ELLIPSIS if start > 0 else "")
        + mark_spans(text[start:end], inside)
        + (ELLIPSIS if end < len(text) else "")
    )


def crop_window(text: str, anchor: int, words: int) -> tuple[int, int]:
    """(start, end) of `words` whitespace-separated words of `text` with the word at `anchor` in
    the middle (or as near the middle as the text's ends allow), reading only the stretch of
    text around `anchor` that holds them. (0, len(text)) when the whole text fits."""
    size = len(text)
    if words < 1 or size <= words or len(text.split(None, words)) <= words:
        return 0, size  # no more words than that
    anchor = min(max(anchor, 0), size)
    if _TOKEN.search(text, anchor) is None:  # only whitespace from there: the last word instead
        anchor = len(text.rstrip())
    while anchor > 0 and not text[anchor - 1].isspace():  # the start of the anchor's word
        anchor -= 1
    start, before = _words_before(text, anchor, (words - 1) // 2)
    end, after = _words(text, anchor, words - before)
    if not after:
        return 0, size
    if before + after < words and start > 0:  # near the end: more words before instead
        start, before = _words_before(text, anchor, words - after)
    if start == 0 or _TOKEN.search(text, 0, start) is None:
        start = 0  # nothing but whitespace before
    if _TOKEN.search(text, end) is None:
        end = size  # nothing but whitespace after
    return start, end


@functools.lru_cache(maxsize=128)
def _words_pattern(words: int, exactly: bool) -> re.Pattern[str]:
    repeat = f"{{{words}}}" if exactly else f"{{1,{words}}}"
    return re.compile(r"(?:\s*+\S++)" + repeat)


def _words(text: str, start: int, words: int) -> tuple[int, int]:
    """How far the first `words` words of `text` from `start` reach, and how many there are
    (fewer at the end of the text)."""
    found = _words_pattern(words, True).match(text, start)
    if found is not None:
        return found.end(), words
    found = _words_pattern(words, False).match(text, start)
    if found is None:
        return start, 0
    return found.end(), len(found.group().split())


def _words_before(text: str, end: int, words: int) -> tuple[int, int]:
    """Where the last `words` words before `end` (a word's start) start, and how many there
    are (fewer at the start of the text)."""
    if words < 1:
        return end, 0
    reach = _CHARS_PER_WORD * words
    while True:
        back = max(0, end - reach)
        stretch = text[back:end][::-1]
        reached, count = _words(stretch, 0, words)
        if back == 0 or (reached < len(stretch) and count == words):
            return end - reached, count
        reach *= 2  # the stretch may have cut a word, or held too few
