"""The lead export's CSV: its columns, spreadsheet-safe cells, and the chunks a view streams.

A cell a spreadsheet would read as a formula (starting with =, +, - or @, also after leading spaces or
line breaks, or starting with a tab or carriage return) runs on whoever opens the file (CSV injection).
Such text cells get a leading apostrophe, which Excel and LibreOffice show as text and do not evaluate;
numbers the CRM writes itself (id, employees, score) are left as numbers. The file starts with a UTF-8
byte order mark so that Excel reads non-Latin names instead of guessing a legacy code page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast

from django.db.models import Field, QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from leads.models import IDENTITY_FIELDS, Lead, LeadSource, LeadStatus

from .selectors import lead_export_batches

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r")
# Every character a risky cell can start with: most cells start with none, and are passed on untouched.
RISKY_FIRST = frozenset("=+-@\t\r \n")
STATUS_LABELS = dict(LeadStatus.choices)
SOURCE_LABELS = dict(LeadSource.choices)


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
    value: Callable[[Any], Any]  # of a row of lead_export_batches
    is_text: bool = True  # text people typed, made safe; else a number or time the CRM wrote


def _field(name: str, *, is_text: bool = True) -> Column:
    field = cast("Field[Any, Any]", Lead._meta.get_field(name))
    return Column(capfirst(str(field.verbose_name)), attrgetter(name), is_text)


def _owner(row: Any) -> str:
    """The owner's name as User.__str__ gives it (full name, else username); "" for the queue."""
    if row.owner__username is None:
        return ""
    return f"{row.owner__first_name} {row.owner__last_name}".strip() or str(row.owner__username)


def columns() -> list[Column]:
    """The lead list's columns with the lead's identity and marketing fields, as the export writes them."""
    zone = timezone.get_current_timezone()
    return [
        Column("ID", attrgetter("pk"), is_text=False),
        *(_field(name, is_text=name != "employee_count") for name in IDENTITY_FIELDS),
        Column("Source", lambda row: SOURCE_LABELS.get(row.source, row.source)),
        *(_field(name) for name in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")),
        Column("Tags", lambda row: ", ".join(row.tags)),
        Column("Status", lambda row: STATUS_LABELS.get(row.status, row.status)),
        Column("Score", attrgetter("score"), is_text=False),
        Column("Owner", _owner),
        Column("Team", lambda row: row.team__name or ""),
        Column(
            f"Created ({timezone.get_current_timezone_name()})",
            lambda row: row.created_at.astimezone(zone).replace(tzinfo=None).isoformat(" ", "seconds"),
            is_text=False,
        ),
    ]


def csv_chunks(batches: Iterable[list[Any]]) -> Iterator[str]:
    """The BOM and header row first (the download starts at once), then one chunk of rows per batch."""
    chosen = columns()
    cells = [(column.value, column.is_text) for column in chosen]
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # writes None as an empty cell
    writer.writerow([column.header for column in chosen])
    yield BOM + buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            writer.writerow(
                [spreadsheet_safe(value(row)) if is_text else value(row) for value, is_text in cells]
            )
        yield buffer.getvalue()


def lead_export_chunks(leads: QuerySet[Lead], *, ordering: list[str]) -> Iterator[str]:
    """`leads` (already scoped and filtered) in `ordering` as CSV text, batch by batch."""
    return csv_chunks(lead_export_batches(leads, ordering=ordering))


def export_filename() -> str:
    return f"leads-{timezone.localdate():%Y-%m-%d}.csv"
