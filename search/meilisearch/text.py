"""The text Meilisearch indexes, and turning its marked (and cropped) answers back into our HTML.

Meilisearch v1.50.0 reads `>` as part of the word next to it, so a word glued to angle-bracket
markup is never found: `alert` does not find `<script>alert(1)</script>`, nor `alarm` find
`<b>alarm</b>`. So the engine gives Meilisearch a searchable copy of each text in which every
`<` and `>` stands apart, with a space on each side (`searchable_copy`), and keeps the stored
text beside it to show. The copy only ever inserts spaces, so each of its positions maps back to
one of the stored text (`_alignment`).

Meilisearch's marks are not always on whole words: it marks only the typed part of a prefix
(`recr` in `recruitment`) and, after a `<`, starts its mark one character early (`<zephyrin` for
`zephyrine`). `html_for` maps the marks onto the stored text and moves each onto the whole word
it belongs to (`search.highlight.whole_words`), then escapes the text and wraps the marks, the
same safe way as every engine. A cropped answer is found again in the copy it was cut from, so
the snippet shown is the same stretch of the stored text.
"""

from __future__ import annotations

from search.highlight import ELLIPSIS, mark_spans, snippet, unmark, whole_words

# Meilisearch's crop marker, asked for as a private-use character so that it cannot be confused
# with an ellipsis in the text (removed from stored text with the highlight markers).
CROP = "\ue002"
MARKUP = "<>"


def searchable_copy(text: str) -> str:
    """`text` with a space on each side of every `<` and `>` that has none."""
    if "<" not in text and ">" not in text:
        return text
    out: list[str] = []
    last = len(text) - 1
    for i, char in enumerate(text):
        if char in MARKUP:
            if out and not out[-1][-1:].isspace():
                out.append(" ")
            out.append(char)
            if i < last and not text[i + 1].isspace():
                out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def _alignment(stored: str, indexed: str) -> list[int] | None:
    """For each position of `indexed` (and its end), the position of `stored` it stands for;
    None when `indexed` is not `stored` with spaces inserted."""
    if stored == indexed:
        return list(range(len(stored) + 1))
    positions: list[int] = []
    i = 0
    for char in indexed:
        positions.append(i)
        if i < len(stored) and stored[i] == char:
            i += 1
        elif char != " ":
            return None
    if i != len(stored):
        return None
    positions.append(i)
    return positions


def html_for(stored: str, indexed: str, formatted: str | None, crop_words: int | None) -> str:
    """Highlighted HTML of the stored text from Meilisearch's `_formatted` value of its copy.

    `indexed` is the text Meilisearch holds (the searchable copy, or the stored text itself in
    an index written before copies were made), `formatted` its marked, perhaps cropped, form.
    With `crop_words`, the field was cropped by Meilisearch; when the answer cannot be placed in
    the text, the stored text is cropped here instead, unmarked, rather than shown wrongly.
    """
    if formatted is None:
        return snippet(stored, [], crop_words) if crop_words else mark_spans(stored, [])
    cut_start = formatted.startswith(CROP)
    cut_end = formatted.endswith(CROP) and len(formatted) > 1
    body = formatted[1 if cut_start else 0 : len(formatted) - 1 if cut_end else len(formatted)]
    plain, spans = unmark(body)
    plain = plain.replace(CROP, "")
    positions = _alignment(stored, indexed)
    offset = indexed.find(plain) if (cut_start or cut_end) else 0
    if positions is None or offset < 0 or indexed[offset : offset + len(plain)] != plain:
        return snippet(stored, [], crop_words) if crop_words else mark_spans(stored, [])
    start, end = positions[offset], positions[offset + len(plain)]
    marks = whole_words(stored, [(positions[s + offset], positions[e + offset]) for s, e in spans])
    if not (cut_start or cut_end):
        return mark_spans(stored, marks)
    while start < end and stored[start].isspace():
        start += 1
    while end > start and stored[end - 1].isspace():
        end -= 1
    inside = [
        (max(s, start) - start, min(e, end) - start) for s, e in marks if s < end and e > start
    ]
    return (
        (ELLIPSIS if start > 0 else "")
        + mark_spans(stored[start:end], inside)
        + (ELLIPSIS if end < len(stored) else "")
    )
