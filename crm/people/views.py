"""The signed-in person's own settings (the time zone they read dates in), and the password reset page,
throttled per client address and per email address (crm.people.security)."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from crm.errors import DomainError
from crm.people.forms import OutboxPasswordResetForm, UserSettingsForm
from crm.people.security import password_reset_wait, wait_words
from crm.people.services import user_set_time_zone
from crm.web.views import AuthenticatedRequest, service_error


@login_required
@require_http_methods(["GET", "POST"])
def user_settings(request: AuthenticatedRequest) -> HttpResponse:
    form = UserSettingsForm(request.POST or None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            user_set_time_zone(actor=request.user, time_zone=form.cleaned_data["time_zone"])
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, "Saved your settings.")
            return redirect("user-settings")
    return render(request, "profile/settings.html", {"form": form})


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
