"""What the jobs page and /health/ read: the jobs with whoever started them, the workers and whether each
is alive, and the queue's state, each in one query whatever the history holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import BooleanField, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Now

from crm.models import BackgroundJob, JobStatus, WorkerBeat

from . import running
from .workers import FORGOTTEN_AFTER, alive_since

# The workers the page lists: a deployment runs a handful; more than this is old names piling up.
WORKERS_SHOWN = 20


def job_kinds() -> list[str]:
    """The kinds of job this installation runs (each app registers its own), for the page's filter."""
    return running.job_kinds()


def job_rows() -> QuerySet[BackgroundJob]:
    """Every job, with who started it, and the database's clock (which wrote the leases) to say how long
    ago or how soon each time is."""
    return BackgroundJob.objects.select_related("created_by").annotate(db_now=Now())


def _alive() -> Q:
    return Q(stopped_at__isnull=True, last_seen_at__gte=alive_since())


def worker_rows() -> list[WorkerBeat]:
    """The workers seen lately, the live ones first, each with `alive` and the database's `db_now`."""
    return list(
        WorkerBeat.objects.filter(last_seen_at__gte=Now() - FORGOTTEN_AFTER)
        .annotate(alive=ExpressionWrapper(_alive(), output_field=BooleanField()), db_now=Now())
        .order_by("-alive", "-last_seen_at", "name")[:WORKERS_SHOWN]
    )


def database_answers() -> bool:
    """Whether the database answers a trivial query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return bool(cursor.fetchone() == (1,))


@dataclass(frozen=True)
class QueueState:
    live_workers: int
    # How long the oldest due queued job has waited for a worker: work piling up shows here first.
    lag: timedelta
    queued: int
    running: int
    failed_last_day: int


def queue_state() -> QueueState:
    """Three small queries: the oldest due job from the partial index of queued jobs, the counts, and
    the live workers."""
    lag = (
        BackgroundJob.objects.filter(status=JobStatus.QUEUED, run_after__lte=Now())
        .order_by("run_after")
        .values_list(ExpressionWrapper(Now() - F("run_after"), output_field=DurationField()), flat=True)
        .first()
    )
    # Each count from its partial index: the failures of the last day, not of all time.
    counts = BackgroundJob.objects.filter(
        Q(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
        | Q(status=JobStatus.FAILED, finished_at__gte=Now() - timedelta(days=1))
    ).aggregate(
        queued=Count("pk", filter=Q(status=JobStatus.QUEUED)),
        running=Count("pk", filter=Q(status=JobStatus.RUNNING)),
        failed_last_day=Count("pk", filter=Q(status=JobStatus.FAILED)),
    )
    return QueueState(
        live_workers=WorkerBeat.objects.filter(_alive()).count(),
        lag=max(lag or timedelta(0), timedelta(0)),
        **counts,
    )
