"""Small presentation helpers: Bootstrap form fields, sortable table headers, icons and badges."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms, template
from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format, number_format

from crm.home.navigation import NavItem
from crm.lists.counting import BoundedCount
from crm.models import ActivityKind, ConsentStatus, LifecycleStage
from crm.people.timezones import DATE_FORMAT, DATETIME_FORMAT
from crm.timeline.events import EventField, ValueKind, find_event_type

register = template.Library()

ACTIVITY_ICONS: dict[str, str] = {
    ActivityKind.NOTE: "bi-sticky",
    ActivityKind.CALL: "bi-telephone",
    ActivityKind.EMAIL: "bi-envelope",
    ActivityKind.MEETING: "bi-people",
}
STAGE_BADGES: dict[str, str] = {
    LifecycleStage.PROSPECT: "text-bg-info",
    LifecycleStage.CUSTOMER: "text-bg-success",
    LifecycleStage.CHURNED: "text-bg-secondary",
}
CONSENT_BADGES: dict[str, str] = {
    ConsentStatus.UNKNOWN: "text-bg-light border",
    ConsentStatus.GRANTED: "text-bg-success",
    ConsentStatus.WITHDRAWN: "text-bg-warning",
}


def _widget_class(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    return f"{css} is-invalid" if field.errors else css


@register.inclusion_tag("includes/form_field.html")
def form_field(field: forms.BoundField, size: str = "") -> dict[str, Any]:
    """Label, control, help text and errors; Django links them with aria-describedby and aria-invalid."""
    css = _widget_class(field)
    base = css.split()[0]
    if size and base != "form-check-input":
        css = f"{css} {base}-{size}"
    return {
        "field": field,
        "widget": field.as_widget(attrs={"class": css}),
        "is_checkbox": isinstance(field.field.widget, forms.CheckboxInput),
    }


@register.filter
def model_label(record: Model) -> str:
    """The record type as the timeline URLs name it, e.g. "crm.account"."""
    return record._meta.label_lower


@register.filter
def activity_icon(kind: str) -> str:
    return ACTIVITY_ICONS.get(kind, "bi-journal-text")


@register.filter
def stage_badge(stage: str) -> str:
    return STAGE_BADGES.get(stage, "text-bg-light border")


@register.filter
def consent_badge(status: str) -> str:
    return CONSENT_BADGES.get(status, "text-bg-light border")


@register.filter
def startswith(text: str, prefix: str) -> bool:
    """For the navigation: an item is current on its own page and the pages below it."""
    return bool(prefix) and prefix != "/" and str(text).startswith(prefix)


EMPTY = "—"


def _label(value: Any, choices: Sequence[tuple[str, str]]) -> str:
    if value in (None, ""):
        return EMPTY
    return str(dict(choices).get(value, value)) if choices else str(value)


def _change(value: Any, choices: Sequence[tuple[str, str]] = ()) -> str | None:
    if isinstance(value, dict) and {"from", "to"} <= value.keys():
        return f"{_label(value['from'], choices)} → {_label(value['to'], choices)}"
    return None


def _value(value: Any, spec: EventField) -> str:
    """A stored value as people read it: a choice's label, a moment in the reader's zone, a date."""
    if (change := _change(value, spec.choices)) is not None:
        return change
    if spec.kind == "yes_no" or isinstance(value, bool):
        return "Yes" if value else "No"
    if spec.kind in ("datetime", "date") and isinstance(value, str):
        return _moment(value, spec.kind)
    if spec.kind == "amount":
        try:
            return number_format(Decimal(str(value)), 2, force_grouping=True)
        except ArithmeticError:
            return str(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or EMPTY
    return _label(value, spec.choices)


def _moment(text: str, kind: ValueKind) -> str:
    """An ISO date or datetime from an event's data as people read it (as stored when it is no date)."""
    try:
        if kind == "date" and (day := parse_date(text)) is not None:
            return date_format(day, DATE_FORMAT)
        if kind == "datetime" and (moment := parse_datetime(text)) is not None:
            local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
            return date_format(local, DATETIME_FORMAT)
    except ValueError:  # well formed but no real date, e.g. 31 February
        pass
    return text


@register.filter
def event_summary(event: Any) -> str:
    """One line for a lifecycle or engagement event's data, with labels instead of stored values,
    e.g. "New → Working" or "Source: Web form; Type: New business" (see crm.timeline.events.EventField)."""
    data = getattr(event, "data", None)
    if not isinstance(data, dict) or not data:
        return ""
    spec = find_event_type(getattr(event, "type", ""))
    fields = spec.fields if spec is not None else {}
    change = _change(data, spec.change_choices if spec is not None else ())
    parts = [change] if change is not None else []
    for key, value in data.items():
        if change is not None and key in ("from", "to"):
            continue
        if key.endswith("_id") or value in (None, ""):
            continue
        field = fields.get(key) or EventField(key.replace("_", " ").capitalize(), kind=_implied_kind(key))
        parts.append(f"{field.label}: {_value(value, field)}")
    return "; ".join(parts)


def _implied_kind(key: str) -> ValueKind:
    return "datetime" if key.endswith("_at") else "text"


@register.filter
def with_summary(items: Sequence[NavItem]) -> list[NavItem]:
    """The navigation entries the home page describes (those that say what is there)."""
    return [item for item in items if item.summary]


@register.filter
def bounded(value: int) -> str:
    """A capped count as people read it: "1,234" or "10,000+" (see crm.lists.counting)."""
    return str(BoundedCount.of(value))
