"""The progress of a background job, polled by htmx from the page that started it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.models import BackgroundJob
from crm.web.views import AuthenticatedRequest

# htmx stops polling when a response has this status: a finished job needs no more questions.
STOP_POLLING = 286


@login_required
@require_GET
def job_progress(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = BackgroundJob.objects.filter(pk=pk).first()
    if job is None or not (request.user.is_admin or job.created_by_id == request.user.pk):
        raise Http404
    context = {"job": job, "polled": True, "status_badge": request.GET.get("status_badge") == "1"}
    response = render(request, "jobs/_progress.html", context)
    if job.is_finished and request.htmx:
        response.status_code = STOP_POLLING
    return response
