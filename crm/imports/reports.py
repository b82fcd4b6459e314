"""The downloadable report of an import's rows that were not imported: one line per row, with its line
in the file, every problem it has, and the row as it was in the file, so the user can correct it and
import just those rows again (the Line and Problems columns are then left out by the column mapping)."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator

from django.http import StreamingHttpResponse

from crm.lists.exporting import csv_download, spreadsheet_safe
from crm.models.imports import FileImport

from .parsing import FileProblem
from .storage import stored_table

REPORT_COLUMNS = ["Line", "Problems"]


class _Line:
    """csv.writer's file: hands back each written line instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def import_report_download(file_import: FileImport) -> StreamingHttpResponse:
    """The report as a download named after the file: accounts.csv -> accounts-not-imported.csv."""
    stem = file_import.original_name.rsplit(".", 1)[0] or "import"
    name = "".join(char if char.isalnum() or char in "-_" else "-" for char in stem)
    return csv_download(import_report_lines(file_import), filename=f"{name}-not-imported.csv")


def import_report_lines(file_import: FileImport) -> Iterator[str]:
    """The report as CSV text, line by line, for a streaming response. Every cell, the file's own values
    included, is spreadsheet-safe (crm.lists.exporting.spreadsheet_safe): opening the report runs nothing."""
    writer = csv.writer(_Line())
    problems: dict[int, list[str]] = defaultdict(list)
    for line, column, message in file_import.errors.order_by("line", "id").values_list(
        "line", "field", "message"
    ):
        problems[line].append(f"{column}: {message}" if column else message)
    try:
        table = stored_table(file_import)
        headers: tuple[str, ...] = table.headers
        rows = table.rows()
    except FileProblem:  # the file is gone: the report still says what was wrong, without the values
        headers, rows = (), iter(())
    yield "\ufeff" + writer.writerow(_safe([*REPORT_COLUMNS, *headers]))  # the BOM tells Excel: UTF-8
    for row in rows:
        if row.line in problems:
            yield writer.writerow(_safe([str(row.line), _joined(problems.pop(row.line)), *row.values]))
        if not problems:
            return
    for line, reasons in sorted(problems.items()):
        yield writer.writerow(_safe([str(line), _joined(reasons)]))


def _joined(reasons: list[str]) -> str:
    """A row's problems in one cell, one per line (a spreadsheet shows them wrapped in the cell)."""
    return "\n".join(reasons)


def _safe(cells: list[str]) -> list[str]:
    return [spreadsheet_safe(cell) for cell in cells]
