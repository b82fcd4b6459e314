"""Background jobs as people see them: the progress of one job, polled by htmx from the page that started
it, and the admins' page of every job and worker, with retry and cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from crm.errors import DomainError
from crm.models import BackgroundJob
from crm.web.views import AuthenticatedRequest, admin_only, is_paged, page_refusal, requested_page, safe_next

from . import presenters, selectors, services
from .filters import JobListFilter

# htmx stops polling when a response has this status: a finished job needs no more questions.
STOP_POLLING = 286
PAGE_SIZE = 50


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


@admin_only
@require_GET
def job_list(request: AuthenticatedRequest) -> HttpResponse:
    filterset = JobListFilter(request.GET, queryset=selectors.job_rows())
    page = requested_page(request, filterset.qs, ordering=filterset.keyset_ordering(), size=PAGE_SIZE)
    workers = [presenters.worker_line(worker) for worker in selectors.worker_rows()]
    live = {worker.name for worker in workers if worker.alive}
    context = {
        "filter": filterset,
        "page": page,
        "rows": [presenters.job_line(job, live_workers=live) for job in page.rows],
        "workers": workers,
        "live_count": len(live),
        "is_filtered": filterset.is_filtered,
        "is_paged": is_paged(request),
    }
    return render(request, "jobs/job_list.html", context)


@admin_only
@require_POST
def job_retry(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        job = services.job_retry(actor=request.user, job_id=pk)
    except DomainError as error:
        messages.error(request, page_refusal(error))
    else:
        messages.success(request, f"{job.kind} #{job.pk} is queued again; it resumes where it stopped.")
    return redirect(safe_next(request, reverse("job-list")))


@admin_only
@require_POST
def job_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        job = services.job_cancel(actor=request.user, job_id=pk)
    except DomainError as error:
        messages.error(request, page_refusal(error))
    else:
        if job.is_finished:
            messages.success(request, f"{job.kind} #{job.pk} was cancelled.")
        else:
            messages.success(request, f"{job.kind} #{job.pk} stops at its next checkpoint.")
    return redirect(safe_next(request, reverse("job-list")))
