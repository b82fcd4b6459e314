"""What people fill in about themselves: their settings, and the password reset request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest

from crm.people.passwords import password_reset_request
from crm.people.timezones import time_zone_choices


class UserSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=time_zone_choices,
        help_text="Dates and times on the pages and in your emails are shown in this zone.",
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Queues a job for the address, which queues the reset email if an account has it.

    The request does the same work for every address (crm.people.passwords says why); the job looks
    the accounts up, renders their links and queues them in the outbox.
    """

    def save(self, *args: Any, **kwargs: Any) -> None:
        request: HttpRequest | None = kwargs.get("request")
        domain = kwargs.get("domain_override") or (request.get_host() if request is not None else "")
        password_reset_request(
            email=self.cleaned_data["email"], domain=domain, use_https=bool(kwargs.get("use_https"))
        )
