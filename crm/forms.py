"""HTML forms: they parse and validate input; the services decide and write.

Bootstrap classes are added when a field is rendered (crm_ui's `form_field`), so the forms stay plain.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from crm import access
from crm.models import Account, ActivityKind, Contact, User
from crm.selectors.customers import account_list
from crm.tasks import send_password_reset
from crm.timezones import time_zone_choices

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date and time picker; its value has no seconds and no zone (the current zone)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL_FORMAT)


def _limit_owner(form: forms.BaseModelForm, user: User) -> None:
    field = cast(forms.ModelChoiceField, form.fields["owner"])
    owners = access.assignable_owners(user)
    if form.instance.owner_id is not None:
        # The current owner stays selectable: the services check the owner only when it changes.
        owners = owners | User.objects.filter(pk=form.instance.owner_id)
    field.queryset = owners
    # Only admins may leave a record without an owner (crm.services.records.check_owner_assignable).
    field.required = not user.is_admin
    field.empty_label = "No owner" if user.is_admin else None


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = [
            "name",
            "domain",
            "industry",
            "size",
            "lifecycle_stage",
            "owner",
            "billing_street",
            "billing_city",
            "billing_postal_code",
            "billing_region",
            "billing_country",
            "shipping_street",
            "shipping_city",
            "shipping_postal_code",
            "shipping_region",
            "shipping_country",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_owner(self, user)
        if self.instance.pk is None:
            self.initial.setdefault("owner", user.pk)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "account",
            "title",
            "email",
            "phone",
            "email_consent",
            "phone_consent",
            "owner",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_owner(self, user)
        account = cast(forms.ModelChoiceField, self.fields["account"])
        accounts = account_list(user=user)
        if self.instance.account_id is not None:
            accounts = accounts | Account.objects.filter(pk=self.instance.account_id)
        account.queryset = accounts.order_by("name", "id")
        account.empty_label = "No account"
        if self.instance.pk is None:
            self.initial.setdefault("owner", user.pk)


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


class UserSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        help_text="Dates and times on the pages and in your emails are shown in this zone.",
    )


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Shows a service's ValidationError on the form: on its fields when the form has them."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, ValidationError(errors))


class OutboxPasswordResetForm(PasswordResetForm):
    """Hands the address to a worker, which queues the reset email if an account has it.

    The request does the same work for every address (crm.services.passwords says why); the worker
    looks the accounts up, renders their links and queues them in the outbox.
    """

    def save(self, *args: Any, **kwargs: Any) -> None:
        request: HttpRequest | None = kwargs.get("request")
        domain = kwargs.get("domain_override") or (request.get_host() if request is not None else "")
        # Nothing was written for the task to wait for: it is queued now, not on commit.
        send_password_reset.delay(self.cleaned_data["email"], domain, bool(kwargs.get("use_https")))
