"""Small presentation helpers: Bootstrap form fields, sortable table headers, icons and badges."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.db.models import Model

from crm.counting import BoundedCount
from crm.models import ActivityKind, ConsentStatus, LifecycleStage

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


def _change(value: Any) -> str | None:
    if isinstance(value, dict) and {"from", "to"} <= value.keys():
        return f"{value['from'] or '—'} → {value['to'] or '—'}"
    return None


@register.filter
def event_summary(data: dict[str, Any]) -> str:
    """One line for a lifecycle event's data, e.g. "prospect → customer" or "email consent: ..."."""
    if not isinstance(data, dict) or not data:
        return ""
    if (change := _change(data)) is not None:
        return change
    parts = []
    for key, value in data.items():
        if key.endswith("_id") or value is None:
            continue
        shown = _change(value) or str(value)
        parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts)


@register.filter
def bounded(value: int) -> str:
    """A capped count as people read it: "1,234" or "10,000+" (see crm.counting)."""
    return str(BoundedCount.of(value))
