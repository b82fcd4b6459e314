"""The jobs page's rows as an admin reads them: times in their time zone and relative to now ("3 min
ago", "in 12 s"), progress and attempts in words, and which buttons the services would accept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm.models import BackgroundJob, JobInterrupt, JobStatus, WorkerBeat
from crm.web.presenters import clock_moment

STATUS_BADGES = {
    JobStatus.QUEUED: "text-bg-secondary",
    JobStatus.RUNNING: "text-bg-info",
    JobStatus.DONE: "text-bg-success",
    JobStatus.FAILED: "text-bg-danger",
    JobStatus.CANCELLED: "text-bg-warning",
}


def span(seconds: float) -> str:
    """A duration as a glance reads it: "12 s", "3 min", "2 h", "4 days"."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    days = seconds // 86400
    return f"{days} day{'s' if days != 1 else ''}"


def relative(value: datetime, now: datetime) -> str:
    """How long ago or how soon: "12 s ago", "in 3 min", or "just now" within a second."""
    seconds = (now - value).total_seconds()
    if abs(seconds) < 1:
        return "just now"
    return f"{span(seconds)} ago" if seconds > 0 else f"in {span(seconds)}"


@dataclass(frozen=True, slots=True)
class When:
    """A point in time as a <time> element shows it: ISO, the user's local time, and how long ago."""

    iso: str
    label: str
    ago: str


def when(value: datetime | None, now: datetime) -> When | None:
    if value is None:
        return None
    moment = clock_moment(value)
    return When(moment.iso, moment.label, relative(value, now))


def lease_text(expires_at: datetime | None, now: datetime) -> str:
    if expires_at is None:
        return ""
    if expires_at > now:
        return f"expires in {span((expires_at - now).total_seconds())}"
    return f"expired {relative(expires_at, now)}"


@dataclass(frozen=True, slots=True)
class JobLine:
    pk: int
    kind: str
    started_by: str
    status: str
    status_label: str
    badge: str
    message: str
    percent: int
    progress: str
    attempts: str
    last_error: str
    worker: str
    # Whether the worker holding the job still beats (None when no worker holds it).
    worker_alive: bool | None
    lease: str
    lease_expired: bool
    created: When | None
    started: When | None
    finished: When | None
    can_retry: bool
    can_cancel: bool
    cancelling: bool


def _progress(job: BackgroundJob) -> str:
    if job.total:
        return f"{job.done:,} of {job.total:,} ({job.percent}%)"
    if job.status == JobStatus.DONE:
        return f"{job.done:,} done (100%)"
    return f"{job.done:,} done" if job.done else "Not started"


def job_line(job: BackgroundJob, *, live_workers: set[str]) -> JobLine:
    now: datetime = job.db_now  # type: ignore[attr-defined]  # the selector's annotation
    running = job.status == JobStatus.RUNNING
    cancelling = running and job.interrupt == JobInterrupt.CANCEL
    return JobLine(
        pk=job.pk,
        kind=job.kind,
        started_by=str(job.created_by) if job.created_by else "The system",
        status=job.status,
        status_label=job.get_status_display(),
        badge=STATUS_BADGES.get(JobStatus(job.status), "text-bg-secondary"),
        message=job.message,
        percent=job.percent,
        progress=_progress(job),
        attempts=f"{job.attempts} of {job.attempt_limit}",
        last_error=job.last_error,
        worker=job.claimed_by,
        worker_alive=(job.claimed_by in live_workers) if job.claimed_by else None,
        lease=lease_text(job.lease_expires_at, now) if running else "",
        lease_expired=running and job.lease_expires_at is not None and job.lease_expires_at <= now,
        created=when(job.created_at, now),
        started=when(job.started_at, now),
        finished=when(job.finished_at, now),
        can_retry=job.status in (JobStatus.FAILED, JobStatus.CANCELLED),
        can_cancel=job.status == JobStatus.QUEUED or (running and not cancelling),
        cancelling=cancelling,
    )


@dataclass(frozen=True, slots=True)
class WorkerLine:
    name: str
    alive: bool
    stopped: bool
    last_seen: When | None
    started: When | None
    host: str
    pid: int | None
    concurrency: int | None


def worker_line(worker: WorkerBeat) -> WorkerLine:
    now: datetime = worker.db_now  # type: ignore[attr-defined]  # the selector's annotation
    return WorkerLine(
        name=worker.name,
        alive=bool(worker.alive),  # type: ignore[attr-defined]
        stopped=worker.stopped_at is not None,
        last_seen=when(worker.last_seen_at, now),
        started=when(worker.started_at, now),
        host=worker.hostname,
        pid=worker.pid,
        concurrency=worker.concurrency,
    )
