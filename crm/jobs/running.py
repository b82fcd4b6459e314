"""Running a job: claim its row, hold the lease while the work goes on, and record how it ended.

A job kind (registered with `job_kind`) does its work in chunks, each in one transaction that ends with
`JobRun.save_progress`: the chunk's writes and the checkpoint commit together or not at all, and only
while this worker's claim is still the job's latest (the attempt number fences out a worker whose
lease expired and was re-claimed), so a resumed job never applies a chunk twice. A heartbeat thread
renews the lease while a chunk runs; a worker that dies stops renewing, and the sweep
(`crm.jobs.services.jobs_sweep`) hands the job to another worker within one lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from crm.models import BackgroundJob, JobInterrupt, JobStatus, NotificationKind
from crm.timeline.notifications import notification_send

logger = logging.getLogger(__name__)

# A connection lost, the server restarting, a deadlock victim: worth another attempt after a pause.
DATABASE_FAULTS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
# Pauses between attempts after a database fault: 2 s, 4 s ... at most a minute.
BACKOFF_FIRST_S, BACKOFF_MAX_S = 2, 60
# Tries at recording a retry or a failure while the database is coming back, a second apart; after
# that the lease, which nobody renews, gives the job back to the sweep.
RECORD_TRIES = 5
_Item = TypeVar("_Item")


def lease_length() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def lease_end() -> Any:
    """When a lease taken or renewed now ends, by the database's clock (workers' clocks may differ)."""
    return Now() + lease_length()


class JobFailed(Exception):
    """Raised by a kind when its work cannot be done (a broken file): the job fails with `message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JobInterrupted(Exception):
    def __init__(self, interrupt: str) -> None:
        super().__init__(interrupt)
        self.interrupt = interrupt


class LeaseLost(Exception):
    """This worker's claim is no longer the job's latest: another worker resumed it."""


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[JobRun], None]
    # Called inside the transaction that ends the job without finishing it (failed or cancelled), to
    # mark what the job was for (an import's own status) with the same message.
    on_stop: Callable[[BackgroundJob, str], None] | None = None
    # The page the creator's notification links to.
    url: Callable[[BackgroundJob], str] | None = None


_kinds: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    on_stop: Callable[[BackgroundJob, str], None] | None = None,
    url: Callable[[BackgroundJob], str] | None = None,
) -> Callable[[Callable[[JobRun], None]], Callable[[JobRun], None]]:
    """Registers the function that runs jobs of kind `name` (the kind is also what the admin sees)."""

    def register(run: Callable[[JobRun], None]) -> Callable[[JobRun], None]:
        _kinds[name] = JobKind(name=name, run=run, on_stop=on_stop, url=url)
        return run

    return register


def job_kinds() -> list[str]:
    return sorted(_kinds)


def kind_of(job: BackgroundJob) -> JobKind | None:
    return _kinds.get(job.kind)


def worker_name(hostname: str | None = None) -> str:
    """The Celery node name (what the worker registry and the shutdown signal know it by)."""
    return hostname or f"celery@{socket.gethostname()} (pid {os.getpid()})"


class JobRun:
    """One attempt at a job, as its kind sees it: what to do, how far it got, and the calls that record
    progress."""

    def __init__(self, job: BackgroundJob) -> None:
        self.job = job
        self.attempt = job.attempts
        self.interrupt = ""
        self.lease_lost = False

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = self.job.payload
        return payload

    @property
    def checkpoint(self) -> dict[str, Any]:
        """The state the last committed chunk left ({} on a first attempt)."""
        checkpoint: dict[str, Any] = self.job.checkpoint
        return checkpoint

    def mine(self) -> Any:
        """The job's row while this attempt still holds it: an update through it is fenced."""
        return BackgroundJob.objects.filter(pk=self.job.pk, attempts=self.attempt, status=JobStatus.RUNNING)

    def _extend(self, **fields: Any) -> bool:
        """Writes the lease (and `fields`) if this attempt still holds the job, then reads any interrupt
        asked since; False when another worker has taken the job over."""
        if not self.mine().update(lease_expires_at=lease_end(), **fields):
            self.lease_lost = True
            return False
        self.interrupt = self.mine().values_list("interrupt", flat=True).first() or ""
        return True

    def save_progress(
        self,
        *,
        checkpoint: dict[str, Any] | None = None,
        advance: int = 0,
        total: int | None = None,
        message: str = "",
    ) -> None:
        """Records a chunk's progress in the chunk's own transaction; raises LeaseLost, rolling the chunk
        back, when another worker has taken the job over."""
        if not connection.in_atomic_block:
            raise RuntimeError("save_progress belongs in the transaction of the chunk it records.")
        fields: dict[str, Any] = {}
        if advance:
            fields["done"] = F("done") + advance
        if checkpoint is not None:
            fields["checkpoint"] = checkpoint
            self.job.checkpoint = checkpoint
        if total is not None:
            fields["total"] = total
            self.job.total = total
        if message:
            fields["message"] = message[:500]
        if not self._extend(**fields):
            raise LeaseLost
        self.job.done += advance

    def paced(self, items: Iterable[_Item]) -> Iterator[_Item]:
        """`items`, stopping between two of them when the job is asked to stop or was taken over."""
        for item in items:
            if self.lease_lost:
                raise LeaseLost
            if self.interrupt:
                raise JobInterrupted(self.interrupt)
            yield item

    def finish(self, *, message: str, result: dict[str, Any] | None = None) -> None:
        """Marks the job done; call it in the transaction of the job's last writes."""
        done = self.mine().update(
            status=JobStatus.DONE,
            message=message[:500],
            result=result if result is not None else {},
            finished_at=timezone.now(),
            lease_expires_at=None,
            interrupt="",
        )
        if not done:
            self.lease_lost = True
            raise LeaseLost
        self.job.status = JobStatus.DONE
        _tell_creator(self.job, message=message)

    def renew(self) -> None:
        """The heartbeat: extends the lease and picks up an interrupt asked since the last chunk."""
        self._extend()


class _Heartbeat(threading.Thread):
    """Renews the lease a third of its length apart, on its own connection, while the job runs."""

    def __init__(self, run: JobRun) -> None:
        super().__init__(name=f"job-{run.job.pk}-heartbeat", daemon=True)
        self.job_run = run
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = lease_length().total_seconds() / 3
        try:
            while not self.stopped.wait(interval):
                try:
                    self.job_run.renew()
                except DatabaseError as error:  # the lease lapses if the database stays away
                    logger.warning("Job %s: the lease could not be renewed (%s).", self.job_run.job.pk, error)
                    connection.close()
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.join()


def job_claim(*, job_id: int, worker: str) -> BackgroundJob | None:
    """Takes a due queued job, or a running one whose lease expired, for `worker`; None when the job is
    another worker's, finished, or not due (a second message for the same job does nothing)."""
    with transaction.atomic():
        job = (
            BackgroundJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id)
            .filter(
                Q(status=JobStatus.QUEUED, run_after__lte=Now())
                | Q(status=JobStatus.RUNNING, lease_expires_at__lt=Now())
            )
            .first()
        )
        if job is None:
            return None
        if job.attempts >= job.attempt_limit:
            job_end(JobRun(job), status=JobStatus.FAILED, message=_gave_up(job), fenced=False)
            return None
        claim = {
            "status": JobStatus.RUNNING,
            "attempts": job.attempts + 1,  # the row is locked: nobody else counts it meanwhile
            "claimed_by": worker[:200],
            "started_at": job.started_at or timezone.now(),
            "interrupt": "",
        }
        BackgroundJob.objects.filter(pk=job.pk).update(lease_expires_at=lease_end(), **claim)
    for name, value in claim.items():
        setattr(job, name, value)
    return job


def _gave_up(job: BackgroundJob) -> str:
    return (
        f"{job.kind} stopped after {job.attempts} attempts. Last error: {job.last_error or 'none recorded'}"
    )


def job_run(*, job_id: int, worker: str) -> None:
    """Claims the job and runs it to its end, or to a fault that leaves it for the next attempt."""
    job = job_claim(job_id=job_id, worker=worker)
    if job is None:
        return
    kind = kind_of(job)
    run = JobRun(job)
    if kind is None:
        _record(run, status=JobStatus.FAILED, message=f"No worker knows how to run a {job.kind!r} job.")
        return
    with _Heartbeat(run):
        try:
            kind.run(run)
        except JobInterrupted as stop:
            _stopped(run, stop.interrupt)
        except LeaseLost:
            logger.warning("Job %s: another worker took it over; this attempt stops here.", job_id)
        except JobFailed as failure:
            _record(run, status=JobStatus.FAILED, message=failure.message)
        except DATABASE_FAULTS as fault:
            logger.warning("Job %s: database fault (%s); retrying later.", job_id, fault)
            _retry_later(run, error=str(fault))
        except Exception as error:
            logger.exception("Job %s (%s) stopped", job_id, job.kind)
            _record(
                run,
                status=JobStatus.FAILED,
                message=f"{job.kind} stopped unexpectedly; the details are in the server log.",
                error=f"{type(error).__name__}: {error}",
            )
        else:
            if run.job.status != JobStatus.DONE:
                _record(run, status=JobStatus.DONE, message=run.job.message)


def _stopped(run: JobRun, interrupt: str) -> None:
    if interrupt == JobInterrupt.CANCEL:
        _record(run, status=JobStatus.CANCELLED, message=f"{run.job.kind} was cancelled.")
        return
    # Its worker is shutting down: back to the queue, to resume from the checkpoint on the next start.
    _record(run, status=JobStatus.QUEUED, message="Paused while its worker restarts", requeue=True)


def _retry_later(run: JobRun, *, error: str) -> None:
    wait = min(BACKOFF_FIRST_S * 2 ** max(run.attempt - 1, 0), BACKOFF_MAX_S)
    _record(
        run,
        status=JobStatus.QUEUED,
        message="Waiting to retry after a database error",
        error=error,
        requeue=True,
        run_after=timezone.now() + timedelta(seconds=wait),
    )


def _record(run: JobRun, *, status: str, message: str, error: str = "", **requeue: Any) -> None:
    """Records how this attempt ended, retrying while the database comes back; if it never does, the
    lease lapses and the sweep takes the job up again, so nothing is lost."""
    for attempt in range(RECORD_TRIES):
        try:
            job_end(run, status=status, message=message, error=error, **requeue)
            return
        except LeaseLost:
            return
        except DATABASE_FAULTS as fault:
            logger.warning("Job %s: could not record its end yet (%s).", run.job.pk, fault)
            connection.close()
            if attempt < RECORD_TRIES - 1:
                time.sleep(1)
    logger.error("Job %s: its end is not recorded; its lease will hand it to the sweep.", run.job.pk)


@transaction.atomic
def job_end(
    run: JobRun,
    *,
    status: str,
    message: str,
    error: str = "",
    requeue: bool = False,
    run_after: Any = None,
    fenced: bool = True,
) -> None:
    job = run.job
    fields: dict[str, Any] = {"status": status, "interrupt": "", "lease_expires_at": None, "claimed_by": ""}
    if message:
        fields["message"] = message[:500]
    if error:
        fields["last_error"] = error
    if requeue:
        fields |= {"woken_at": None, "run_after": run_after or Now()}
    else:
        fields["finished_at"] = timezone.now()
    rows = run.mine() if fenced else BackgroundJob.objects.filter(pk=job.pk)
    if not rows.update(**fields):
        raise LeaseLost
    job.status = status
    if requeue:
        return
    kind = kind_of(job)
    if status != JobStatus.DONE and kind is not None and kind.on_stop is not None:
        kind.on_stop(job, message)
    _tell_creator(job, message=message)


def _tell_creator(job: BackgroundJob, *, message: str) -> None:
    if job.created_by is None or not message:
        return
    kind = kind_of(job)
    url = kind.url(job) if kind is not None and kind.url is not None else ""
    notification_send(
        recipient=job.created_by, kind=NotificationKind.JOB_FINISHED, message=message[:300], url=url
    )
