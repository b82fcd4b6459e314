"""Which of a lead's fields a merge lets the user pick from either lead, and how a value reads."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Field
from django.utils.text import capfirst

from leads.models import IDENTITY_FIELDS, Lead

Side = Literal["kept", "merged"]
SIDES: tuple[Side, ...] = ("kept", "merged")

# Tags are not picked but joined; the score is the scoring engine's to recompute; the disqualified
# reason follows the status it explains; timestamps, timers and the capturing web form stay as kept.
MERGE_FIELDS: tuple[str, ...] = (
    *IDENTITY_FIELDS,
    "status",
    "owner",
    "team",
    "budget",
    "authority",
    "need",
    "timeline",
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
)
EMPTY = "(empty)"


def _model_field(name: str) -> Field[Any, Any]:
    field = Lead._meta.get_field(name)
    if not isinstance(field, Field):
        raise LookupError(f"{name} is not a field of a lead.")
    return field


def field_label(name: str) -> str:
    return str(capfirst(str(_model_field(name).verbose_name)))


def field_value(lead: Lead, name: str) -> Any:
    """The value to compare and to copy: the related object for owner and team (loaded with the lead)."""
    return getattr(lead, name)


def is_empty(value: Any) -> bool:
    return value is None or value == ""


def field_display(lead: Lead, name: str) -> str:
    value = field_value(lead, name)
    if is_empty(value):
        return EMPTY
    if name == "status":
        label = lead.get_status_display()
        return f"{label}: {lead.disqualified_reason}" if lead.disqualified_reason else label
    field = _model_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def joined_tags(kept: Lead, merged: Lead) -> list[str]:
    """The kept lead's tags in their order, then the merged lead's new ones."""
    return list(dict.fromkeys([*kept.tags, *merged.tags]))
