"""The home page: each role's dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.home.selectors import dashboard_for
from crm.web.views import AuthenticatedRequest


@login_required
@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "home.html", dashboard_for(user=request.user))
