"""Job writes: queue work, sweep for work whose worker or message was lost, and an admin's retry and
cancel. How a job runs is crm/jobs/running.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from crm import access
from crm.errors import Conflict, NotFound
from crm.models import ATTEMPTS_ALLOWED, BackgroundJob, JobInterrupt, JobStatus, User

from .running import JobRun, job_end, lease_length
from .wakeups import wake_on_commit

# Queued jobs woken per sweep: enough to keep every worker busy; the next sweep wakes the rest.
SWEEP_WAKES = 200


def job_enqueue(
    *,
    kind: str,
    created_by: User | None,
    payload: dict[str, Any] | None = None,
    total: int | None = None,
    message: str = "Waiting for a worker",
) -> BackgroundJob:
    """Writes the job and wakes a worker once the caller's transaction commits. A broker that is down
    only delays it: the sweep wakes every queued job that has waited a lease without a worker."""
    from .tasks import run_job

    job = BackgroundJob.objects.create(
        kind=kind,
        created_by=created_by,
        payload=payload or {},
        total=total,
        message=message,
        woken_at=timezone.now(),
    )
    wake_on_commit(run_job.delay, job.pk)
    return job


@dataclass(frozen=True)
class Sweep:
    requeued: int  # running jobs whose worker stopped renewing the lease
    woken: int  # queued jobs woken again (their message lost, or their worker gone)


def jobs_sweep(*, wakes: int = SWEEP_WAKES) -> Sweep:
    """Hands every job whose worker died back to the queue, and wakes the queued jobs that waited a
    lease without a worker: two index scans, however many jobs there are."""
    from .tasks import run_job

    expired = BackgroundJob.objects.filter(status=JobStatus.RUNNING, lease_expires_at__lt=Now())
    requeued = expired.update(
        status=JobStatus.QUEUED,
        claimed_by="",
        lease_expires_at=None,
        woken_at=None,
        interrupt="",
        message="Resuming after its worker stopped",
        last_error="The worker running it stopped renewing its lease (it was killed or lost the database).",
    )
    unanswered = Now() - lease_length()
    with transaction.atomic():
        due = list(
            BackgroundJob.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.QUEUED, run_after__lte=Now())
            .filter(Q(woken_at__isnull=True) | Q(woken_at__lt=unanswered))
            .order_by("run_after")
            .values_list("pk", flat=True)[:wakes]
        )
        BackgroundJob.objects.filter(pk__in=due).update(woken_at=Now())
        for job_id in due:
            wake_on_commit(run_job.delay, job_id)
    return Sweep(requeued=requeued, woken=len(due))


def job_cancel(*, actor: User, job_id: int) -> BackgroundJob:
    """Cancels a queued job at once, and a running one at its next checkpoint (what it committed stays)."""
    access.ensure_admin(actor, doing="cancel background jobs")
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            raise NotFound
        if job.status == JobStatus.RUNNING:
            BackgroundJob.objects.filter(pk=job.pk).update(
                interrupt=JobInterrupt.CANCEL, message="Cancelling at its next checkpoint"
            )
        elif job.status == JobStatus.QUEUED:
            job_end(
                JobRun(job), status=JobStatus.CANCELLED, message=f"{job.kind} was cancelled.", fenced=False
            )
        else:
            raise Conflict(
                f"This job has already ended ({job.get_status_display().lower()}).", code="job_ended"
            )
    job.refresh_from_db()
    return job


def job_retry(*, actor: User, job_id: int) -> BackgroundJob:
    """Queues a failed or cancelled job again; it resumes from its last checkpoint."""
    from .tasks import run_job

    access.ensure_admin(actor, doing="retry background jobs")
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            raise NotFound
        if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
            raise Conflict("Only a failed or cancelled job can be retried.", code="job_not_ended")
        BackgroundJob.objects.filter(pk=job.pk).update(
            status=JobStatus.QUEUED,
            attempt_limit=F("attempts") + ATTEMPTS_ALLOWED,
            run_after=Now(),
            woken_at=Now(),
            finished_at=None,
            interrupt="",
            message="Waiting for a worker",
        )
        wake_on_commit(run_job.delay, job.pk)
    job.refresh_from_db()
    return job
