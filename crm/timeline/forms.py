"""The timeline's forms: an activity to log and a task to create on a record."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from crm import access
from crm.models import ActivityKind, User

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date and time picker; its value has no seconds and no zone (the current zone)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL_FORMAT)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=ActivityKind.choices, initial=ActivityKind.NOTE)
    subject = forms.CharField(label="Subject", max_length=200, required=False)
    body = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    occurred_at = forms.DateTimeField(
        label="Occurred at",
        required=False,
        widget=DateTimeLocalInput(),
        help_text="Leave empty for now.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("subject") and not cleaned.get("body"):
            raise ValidationError("Write a subject or some notes.", code="empty")
        return cleaned


class TaskForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    due_at = forms.DateTimeField(label="Due at", widget=DateTimeLocalInput())
    assignee = forms.ModelChoiceField(label="Assignee", queryset=User.objects.none(), empty_label=None)

    def __init__(self, *args: Any, user: User, with_assignee: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_assignee:
            assignee = cast(forms.ModelChoiceField, self.fields["assignee"])
            assignee.queryset = access.assignable_owners(user)
            self.initial.setdefault("assignee", user.pk)
        else:
            del self.fields["assignee"]
