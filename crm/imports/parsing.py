"""Reading an uploaded file into its column names and its numbered rows.

CSV text is read as UTF-8 (with or without a byte-order mark, or UTF-16 when it starts with one),
else as Windows-1252, the encoding Excel on Windows writes; a file that is neither is refused with the
line of the first unreadable byte, never decoded into garbage. The separator (comma, semicolon, tab or
bar) is sniffed. Excel workbooks (.xlsx) are read from their first sheet in openpyxl's read-only mode,
so a large sheet streams instead of filling memory.

Every row keeps the line the user sees in a text editor or in Excel: the header is usually line 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from crm.errors import Invalid

XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
DELIMITERS = ",;\t|"
# Enough lines for csv.Sniffer to see the separator, small enough to sniff in a millisecond.
SNIFF_CHARS = 64 * 1024
# A valid UTF-8 multi-byte sequence: in a file that is not valid UTF-8 overall, these betray a UTF-8
# file with a damaged byte (Windows-1252 text almost never contains them).
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NUMBER_LIKE = re.compile(r"^\+?[\d\s().\-/]{6,}$")


class FileProblem(Invalid):
    """The file as a whole cannot be imported: the message says why and, when known, on which line."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message, field="file", code="file_unreadable")
        self.line = line


@dataclass(frozen=True)
class Row:
    line: int
    values: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """The file's column names (unique, blank ones named "Column N") and a way to read its data rows."""

    headers: tuple[str, ...]
    header_line: int
    read_rows: Callable[[], Iterator[Row]]

    def rows(self) -> Iterator[Row]:
        """The non-blank data rows, in file order; raises FileProblem at a line the parser cannot read."""
        return self.read_rows()


def read_table(data: bytes) -> Table:
    if not data.strip():
        raise FileProblem("The file is empty.")
    if data.startswith(XLSX_MAGIC):
        return _xlsx_table(data)
    if data.startswith(OLD_EXCEL_MAGIC):
        raise FileProblem(
            "This is an old Excel file (.xls). "
            "Save it as an Excel workbook (.xlsx) or as CSV and upload it again."
        )
    return _csv_table(decode_text(data))


def decode_text(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileProblem("The file says it is UTF-16 text but it is damaged; save it again.") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            text = _decode_windows_1252(data, error)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FileProblem(
            f"Line {line} contains binary data, so this is not a CSV text file. "
            "Save it as CSV (UTF-8) or as an Excel workbook (.xlsx).",
            line=line,
        )
    return text


def _decode_windows_1252(data: bytes, utf8_error: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, utf8_error.start) + 1
    byte = data[utf8_error.start]
    if UTF8_SEQUENCE.search(data):
        raise FileProblem(
            f"The file is UTF-8 text, but line {line} has a byte (0x{byte:02X}) that is not valid UTF-8. "
            "Correct that character, or save the file again as CSV UTF-8.",
            line=line,
        )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileProblem(
            f"Line {line} has a byte (0x{data[error.start]:02X}) that is neither UTF-8 "
            "nor Windows-1252 text. Save the file as CSV UTF-8 and upload it again.",
            line=line,
        ) from None


def _csv_table(text: str) -> Table:
    dialect = _dialect(text)
    records = _csv_rows(text, dialect)
    header = next(records, None)
    if header is None:
        raise FileProblem("The file is empty.")
    headers = _headers(header)

    def read_rows() -> Iterator[Row]:
        rows = _csv_rows(text, dialect)
        next(rows)  # the header
        return rows

    return Table(headers=headers, header_line=header.line, read_rows=read_rows)


def _dialect(text: str) -> type[csv.Dialect]:
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # one column, or too little text to tell: the standard comma
        delimiter = ","
    # Only the separator is taken from the sniffer; quoting stays Excel's, which every CRM exports.
    return type("SniffedDialect", (csv.excel,), {"delimiter": delimiter})


def _csv_rows(text: str, dialect: type[csv.Dialect]) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    line = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                yield Row(line=line, values=tuple(record))
            line = reader.line_num + 1
    except csv.Error as error:
        raise FileProblem(
            f"Line {line} cannot be read as CSV ({error}); look for a quote that is not closed "
            "or a quote inside a value that is not doubled.",
            line=line,
        ) from None


def _headers(header: Row) -> tuple[str, ...]:
    names = [value.strip() or f"Column {index}" for index, value in enumerate(header.values, start=1)]
    for index, name in enumerate(names, start=1):
        if EMAIL_LIKE.match(name) or NUMBER_LIKE.match(name):
            raise FileProblem(
                f'Line {header.line} looks like data, not column names ("{name}" in column {index}). '
                "Add a first row that names the columns, e.g. First Name, Last Name, Email Address.",
                line=header.line,
            )
    seen: dict[str, int] = {}
    for index, name in enumerate(names, start=1):
        if name.casefold() in seen:
            raise FileProblem(
                f'Line {header.line} names the column "{name}" twice (columns {seen[name.casefold()]} '
                f"and {index}); give each column its own name.",
                line=header.line,
            )
        seen[name.casefold()] = index
    return tuple(names)


def _xlsx_table(data: bytes) -> Table:
    rows = _xlsx_rows(data)
    header = next(rows, None)
    if header is None:
        raise FileProblem("The workbook's first sheet is empty.")
    headers = _headers(header)
    width = len(headers)

    def read_rows() -> Iterator[Row]:
        rows = _xlsx_rows(data)
        next(rows)  # the header
        for row in rows:
            # Excel leaves out trailing empty cells; pad them back so every row is as wide as the header.
            yield Row(line=row.line, values=row.values + ("",) * (width - len(row.values)))

    return Table(headers=headers, header_line=header.line, read_rows=read_rows)


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged or disguised archive fails in many ways inside openpyxl and zipfile
        raise FileProblem(
            "The file is not a readable Excel workbook (.xlsx). Open it in Excel and save it again, "
            "or save it as CSV."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = [_cell_text(value) for value in cells]
            while values and not values[-1]:
                values.pop()
            if values:
                yield Row(line=line, values=tuple(values))
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores every number as a float: 250.0 employees are 250
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()
