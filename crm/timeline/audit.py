"""The audit trail of a record: who changed which field from what to what, read from its history."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.db.models import ForeignKey, Model
from django.utils import timezone
from django.utils.formats import date_format, number_format

from crm.models import User
from crm.people.timezones import DATE_FORMAT, DATETIME_FORMAT

AUDIT_LIMIT = 30
IGNORED_FIELDS = {"updated_at", "created_at", "consent_changed_at"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    user: User | None
    action: str  # "created", "changed" or "deleted"
    changes: list[FieldChange]


def record_changes(*, record: Model, limit: int = AUDIT_LIMIT) -> list[AuditEntry]:
    """Newest first; one query for the history rows and one per related model shown in them."""
    rows = record.history.select_related("history_user")  # type: ignore[attr-defined]
    history = list(rows.order_by("-history_date", "-history_id")[: limit + 1])
    # The fields the history tracks: a model may exclude some (timers, normalised copies).
    tracked = {f.name for f in record.history.model._meta.concrete_fields}  # type: ignore[attr-defined]
    fields = [
        f
        for f in type(record)._meta.concrete_fields
        if f.name in tracked and f.name not in IGNORED_FIELDS and not f.primary_key
    ]
    # Each row is compared with the previous row of the same record: a merge moves the merged record's
    # rows onto the kept one (marked "Merged from ..."), and the two histories must not be diffed together.
    pairs = [
        (row, next((older for older in history[i + 1 :] if _origin(older) == _origin(row)), None))
        for i, row in enumerate(history[:limit])
    ]

    raw: list[tuple[Any, list[tuple[Any, Any, Any]]]] = []
    related_ids: dict[type[Model], set[Any]] = defaultdict(set)
    for row, previous in pairs:
        changed = []
        for field in fields:
            new = getattr(row, field.attname)
            old = getattr(previous, field.attname) if previous is not None else None
            if previous is None and row.history_type == "+" and new in ("", None, []):
                continue
            if previous is not None and old == new:
                continue
            if row.history_type == "-":
                continue
            changed.append((field, old, new))
            if isinstance(field, ForeignKey):
                related_ids[cast(type[Model], field.related_model)].update(
                    v for v in (old, new) if v is not None
                )
        raw.append((row, changed))

    names = {m: m._default_manager.in_bulk(ids) for m, ids in related_ids.items() if ids}
    actions = {"+": "created", "~": "changed", "-": "deleted"}
    return [
        AuditEntry(
            at=row.history_date,
            user=row.history_user,
            action=actions[row.history_type],
            changes=[
                FieldChange(str(field.verbose_name), _display(field, old, names), _display(field, new, names))
                for field, old, new in changed
            ],
        )
        for row, changed in raw
        if changed or row.history_type != "~"
    ]


def _display(field: Any, value: Any, names: dict[type[Model], dict[Any, Model]]) -> str:
    """A stored value as people read it: the related record's name, a choice's label, a moment in the
    reader's time zone (the request's active zone), Yes/No, "—" for nothing."""
    if value in (None, ""):
        return "—"
    if isinstance(field, ForeignKey):
        related = names.get(cast(type[Model], field.related_model), {}).get(value)
        return str(related) if related is not None else f"#{value} (deleted)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, DATETIME_FORMAT)
    if isinstance(value, date):
        return date_format(value, DATE_FORMAT)
    if isinstance(value, Decimal):
        return number_format(value, force_grouping=True)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


MERGED_FROM = "Merged from "


def _origin(row: Any) -> str:
    reason: str = getattr(row, "history_change_reason", None) or ""
    return reason if reason.startswith(MERGED_FROM) else ""
