"""The lead export's CSV: its columns, and the chunks a view streams (crm.lists.exporting writes them,
spreadsheet-safe). Numbers the CRM writes itself (id, employees, score) are left as numbers."""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter
from typing import Any, cast

from django.db.models import Field, QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from crm.lists.exporting import Column, csv_chunks
from leads.models import IDENTITY_FIELDS, Lead, LeadSource, LeadStatus

from .selectors import lead_export_batches

STATUS_LABELS = dict(LeadStatus.choices)
SOURCE_LABELS = dict(LeadSource.choices)


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
        # A lead from another system keeps its key: the file imports back as updates of these leads.
        _field("external_id"),
        _field("external_source"),
        Column(
            f"Created ({timezone.get_current_timezone_name()})",
            lambda row: row.created_at.astimezone(zone).replace(tzinfo=None).isoformat(" ", "seconds"),
            is_text=False,
        ),
    ]


def lead_export_chunks(leads: QuerySet[Lead], *, ordering: list[str]) -> Iterator[str]:
    """`leads` (already scoped and filtered) in `ordering` as CSV text, batch by batch."""
    return csv_chunks(columns(), lead_export_batches(leads, ordering=ordering))


def export_filename() -> str:
    return f"leads-{timezone.localdate():%Y-%m-%d}.csv"
