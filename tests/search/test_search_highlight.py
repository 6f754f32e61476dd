"""Highlight HTML: stored text is escaped before any `<mark>` goes in, whatever the text holds."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.highlight import POST, PRE, mark_spans, render, strip_markers

pytestmark = pytest.mark.no_database


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


def test_a_short_text_is_not_cropped():
    from search.highlight import snippet

    assert snippet("Damp in council homes", [(0, 4)], 10) == "<mark>Damp</mark> in council homes"


def test_a_snippet_keeps_the_words_around_the_first_match_and_says_where_it_was_cut():
    from search.highlight import ELLIPSIS, snippet

    text = " ".join(f"w{n}" for n in range(50)) + " target " + " ".join(f"v{n}" for n in range(50))
    start = text.index("target")
    html = snippet(text, [(start, start + 6)], 9)
    reader = read(html)
    assert reader.marked == ["target"]
    words = reader.text.split()
    assert len(words) <= 9
    assert html.startswith(ELLIPSIS)
    assert html.endswith(ELLIPSIS)
    middle = words.index("target")
    assert 2 <= middle <= len(words) - 3  # the match sits near the middle


def test_a_snippet_of_a_text_without_a_match_starts_at_the_beginning():
    from search.highlight import ELLIPSIS, snippet

    text = " ".join(f"w{n}" for n in range(40))
    html = snippet(text, [], 5)
    assert html == "w0 w1 w2 w3 w4" + ELLIPSIS


@given(st.text(max_size=60))
def test_unmark_reads_markers_the_way_render_does(text):
    from search.highlight import unmark

    marked = text.replace("[", PRE).replace("]", POST)
    assert mark_spans(*unmark(marked)) == render(marked)


@pytest.mark.parametrize(
    "text", ["Flood-warning sensors, 2024!", "ÉILEAN roads", "a" * 300 + " short words"]
)
def test_the_fast_word_split_matches_the_analyzers_words(text):
    from search.tantivy.text import _ANALYZER, words_of

    assert words_of(text) == set(_ANALYZER.analyze(text))
