"""Highlight HTML: stored text is escaped before any `<mark>` goes in, whatever the text holds."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.highlight import POST, PRE, mark_spans, render, strip_markers

pytestmark = pytest.mark.engine_only


class Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""
        self.marked: list[str] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._open = tag == "mark"
        if self._open:
            self.marked.append("")

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)
        self._open = False

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._open:
            self.marked[-1] += data


def read(fragment: str) -> Reader:
    reader = Reader()
    reader.feed(fragment)
    reader.close()
    return reader


stored_text = st.lists(
    st.sampled_from(["<script>", "</script>", "&amp;", "&", "<", ">", '"', "'", "\u0000", " "])
    | st.text(max_size=5),
    max_size=10,
).map("".join)


@given(stored_text, st.data())
def test_marked_text_reads_back_as_the_stored_text(text: str, data: st.DataObject) -> None:
    text = strip_markers(text)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6, unique=True)))
    spans = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    reader = read(mark_spans(text, spans))
    assert reader.text == text
    assert set(reader.tags) <= {"mark", "/mark"}
    assert reader.marked == [text[start:end] for start, end in spans if start < end]


def test_a_stored_script_never_comes_back_live() -> None:
    html = mark_spans("<script>alert(1)</script>", [(8, 13)])
    assert html == "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;"


def test_forged_markers_in_stored_text_are_dropped() -> None:
    assert mark_spans(f"a{PRE}b{POST}c", []) == "abc"
    assert strip_markers(f"{PRE}x{POST}") == "x"


@pytest.mark.parametrize(
    ("marked", "expected"),
    [
        (f"{PRE}a{POST} & {PRE}b{POST}", "<mark>a</mark> &amp; <mark>b</mark>"),
        (f"{POST}stray{PRE}open", "stray<mark>open</mark>"),
        (f"{PRE}{PRE}nested{POST}{POST}", "<mark>nested</mark>"),
        (f"{PRE}{POST}empty", "empty"),
        ("quote \" and ' marks", "quote &quot; and &#x27; marks"),
    ],
)
def test_markers_become_balanced_mark_elements(marked: str, expected: str) -> None:
    assert render(marked) == expected
