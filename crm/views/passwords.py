"""The password reset page, throttled per client address and per email address (crm.security)."""

from __future__ import annotations

import math

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from crm.forms import OutboxPasswordResetForm
from crm.security import password_reset_wait, wait_words


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm

    def form_valid(self, form: OutboxPasswordResetForm) -> HttpResponse:
        wait = password_reset_wait(self.request, email=form.cleaned_data["email"])
        if wait is None:
            return super().form_valid(form)
        form.add_error(None, f"Too many password reset requests. Try again in {wait_words(wait)}.")
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(math.ceil(wait))
        return response
