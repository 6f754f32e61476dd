"""CSV out: rows streamed as UTF-8 CSV with a header row, safe to open in a spreadsheet.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by spreadsheet
programs as a formula (`=HYPERLINK(...)` becomes a live link, others can run commands), so such
a cell is written with a leading apostrophe, which spreadsheets show as text and do not
evaluate. Rows are written one at a time: `stream_csv` yields text chunks from any iterable of
rows (sync or async), so a long list is never held in memory.

Pure: the caller supplies the rows; an async caller iterates `astream_csv`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MEDIA_TYPE = "text/csv; charset=utf-8"
ROWS_PER_CHUNK = 200


def neutralise(value: Any) -> str:
    """The text of one cell, with a formula-like start made inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, (datetime, date)):
        text = value.isoformat()
    elif isinstance(value, (int, Decimal, float)):
        # A number is a number: "-5" written from an int is data, not a formula.
        return str(value)
    else:
        text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Chunks:
    def __init__(self, header: Sequence[str]):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")
        self.writer.writerow([neutralise(name) for name in header])

    def add(self, row: Sequence[Any]) -> None:
        self.writer.writerow([neutralise(cell) for cell in row])

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def stream_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text in chunks: the header row first, then the rows as they come."""
    chunks = _Chunks(header)
    for count, row in enumerate(rows, start=1):
        chunks.add(row)
        if count % ROWS_PER_CHUNK == 0:
            yield chunks.take()
    tail = chunks.take()
    if tail:
        yield tail


async def astream_csv(
    header: Sequence[str], rows: AsyncIterable[Sequence[Any]]
) -> AsyncIterator[str]:
    """`stream_csv` for rows that arrive asynchronously (from the database, page by page)."""
    chunks = _Chunks(header)
    count = 0
    async for row in rows:
        chunks.add(row)
        count += 1
        if count % ROWS_PER_CHUNK == 0:
            yield chunks.take()
    tail = chunks.take()
    if tail:
        yield tail


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV as one string (for small lists and tests)."""
    return "".join(stream_csv(header, rows))
