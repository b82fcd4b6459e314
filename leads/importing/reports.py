"""The downloadable report of an import's rows that were not imported: line, column, problem, and the
row as it was in the file, so the user can correct it and import just those rows again."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator

from leads.models import LeadImport

from .parsing import FileProblem
from .rows import neutralise
from .storage import stored_table

REPORT_COLUMNS = ["Line", "Column", "Problem"]


class _Line:
    """csv.writer's file: hands back each written line instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def import_report_lines(lead_import: LeadImport) -> Iterator[str]:
    """The report as CSV text, line by line, for a streaming response; formula-looking cells are
    neutralised (a leading apostrophe) so that opening the report in a spreadsheet runs nothing."""
    writer = csv.writer(_Line())
    notes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for line, column, message in lead_import.errors.order_by("line", "id").values_list(
        "line", "field", "message"
    ):
        notes[line].append((column, message))
    try:
        table = stored_table(lead_import)
        headers: tuple[str, ...] = table.headers
        rows = table.rows()
    except FileProblem:  # the file is gone: the report still says what was wrong, without the values
        headers, rows = (), iter(())
    yield "\ufeff" + writer.writerow(_safe([*REPORT_COLUMNS, *headers]))  # the BOM tells Excel: UTF-8
    for row in rows:
        for column, message in notes.pop(row.line, ()):
            yield writer.writerow(_safe([str(row.line), column, message, *row.values]))
        if not notes:
            return
    for line, problems in sorted(notes.items()):
        for column, message in problems:
            yield writer.writerow(_safe([str(line), column, message]))


def _safe(cells: list[str]) -> list[str]:
    return [neutralise(cell.strip()) if cell.strip() else cell for cell in cells]
