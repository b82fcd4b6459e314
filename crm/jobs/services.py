"""Progress rows for bulk work: created by the service that queues the work, advanced by its task."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from crm.models import BackgroundJob, JobStatus, NotificationKind, User
from crm.timeline.notifications import notification_send


def job_create(
    *, kind: str, created_by: User | None, total: int | None = None, message: str = ""
) -> BackgroundJob:
    return BackgroundJob.objects.create(kind=kind, created_by=created_by, total=total, message=message)


def job_start(*, job_id: int, total: int | None = None) -> bool:
    """Claims a queued job for one worker (compare-and-swap); False when another worker has it."""
    fields: dict[str, Any] = {"status": JobStatus.RUNNING, "started_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    return bool(BackgroundJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(**fields))


def job_advance(*, job_id: int, by: int, message: str = "") -> None:
    fields: dict[str, Any] = {"done": F("done") + by}
    if message:
        fields["message"] = message
    BackgroundJob.objects.filter(pk=job_id).update(**fields)


def job_finish(*, job_id: int, result: dict[str, Any], message: str, url: str = "") -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.DONE, result=result, message=message, finished_at=timezone.now()
    )
    _tell_creator(job_id=job_id, message=message, url=url)


def job_fail(*, job_id: int, message: str, url: str = "") -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, message=message[:500], finished_at=timezone.now()
    )
    _tell_creator(job_id=job_id, message=message, url=url)


def _tell_creator(*, job_id: int, message: str, url: str) -> None:
    job = BackgroundJob.objects.select_related("created_by").get(pk=job_id)
    if job.created_by is not None:
        notification_send(
            recipient=job.created_by, kind=NotificationKind.JOB_FINISHED, message=message[:300], url=url
        )
