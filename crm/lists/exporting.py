"""A whole list as a download, streamed: keyset batches read one query at a time (memory stays flat and
a deep batch costs what the first does), written as spreadsheet-safe CSV chunks.

A cell a spreadsheet would read as a formula (starting with =, +, - or @, also after leading spaces or
line breaks, or starting with a tab or carriage return) runs on whoever opens the file (CSV injection).
Such text cells get a leading apostrophe, which Excel and LibreOffice show as text and do not evaluate;
numbers the CRM writes itself are left as numbers. The file starts with a UTF-8 byte order mark so that
Excel reads non-Latin names instead of guessing a legacy code page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from .pagination import keyset_page

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r")
# Every character a risky cell can start with: most cells start with none, and are passed on untouched.
RISKY_FIRST = frozenset("=+-@\t\r \n")


def spreadsheet_safe(value: str) -> str:
    """Text a spreadsheet shows as typed instead of evaluating it: "=1+2" becomes "'=1+2"."""
    if (
        value
        and value[0] in RISKY_FIRST
        and (value.startswith(CONTROL_STARTS) or value.lstrip(" \n").startswith(FORMULA_STARTS))
    ):
        return f"'{value}"
    return value


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]  # of a row of the batches
    is_text: bool = True  # text people typed, made safe; else a number or time the CRM wrote

    @classmethod
    def text(cls, header: str, name: str) -> Column:
        """A text attribute of the row; None (an empty join) is an empty cell."""
        return cls(header, lambda row: getattr(row, name) or "")


def keyset_batches(rows: QuerySet[Any], *, ordering: list[str], size: int) -> Iterator[list[Any]]:
    """`rows` in `ordering`, a keyset page of `size` at a time, each page one query after the previous
    one's last row. A row whose sort value changes meanwhile can be written twice or not at all: sort
    an export by something stable (the creation time) where that matters."""
    page = keyset_page(rows, ordering=ordering, size=size)
    yield page.rows
    while page.has_next:
        page = keyset_page(rows, ordering=ordering, after=page.next_cursor, size=size)
        if not page.has_previous:
            return  # every row after the cursor was deleted meanwhile, and keyset_page started over
        yield page.rows


def csv_chunks(columns: list[Column], batches: Iterable[list[Any]]) -> Iterator[str]:
    """The BOM and header row first (the download starts at once), then one chunk of rows per batch."""
    cells = [(column.value, column.is_text) for column in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # writes None as an empty cell
    writer.writerow([column.header for column in columns])
    yield BOM + buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            writer.writerow(
                [spreadsheet_safe(value(row)) if is_text else value(row) for value, is_text in cells]
            )
        yield buffer.getvalue()


def csv_download(chunks: Iterator[str], *, filename: str) -> StreamingHttpResponse:
    """`chunks` as a CSV file download, streamed as they are made."""
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # the user's own records: no shared or stored copy
    return response
