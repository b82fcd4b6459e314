"""The signed-in person's own settings: the time zone they read dates in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from crm.errors import DomainError
from crm.forms import UserSettingsForm
from crm.services.people import user_set_time_zone
from crm.views import AuthenticatedRequest, service_error


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
