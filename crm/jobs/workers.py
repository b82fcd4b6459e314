"""Each Celery worker records itself in `WorkerBeat` while it runs, so the jobs page and /health/ can say
which workers are alive and when each was last seen.

Imported by crm/jobs/tasks.py, the module every worker loads. On `worker_ready` a daemon thread records
the worker, then beats every WORKER_BEAT_SECONDS on its own database connection (a job's transaction on
the main thread never waits for it, nor it for a job); on `worker_shutdown` it records the stop. A worker
that is killed simply stops beating and counts as gone after `MISSED_BEATS` beats.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models.functions import Now

from crm.models import WorkerBeat

from .running import worker_name

logger = logging.getLogger(__name__)

# A worker that has not been seen for this many beats counts as gone (one late beat is not a death).
MISSED_BEATS = 3
# Workers not seen for this long are forgotten (a host renamed by a redeploy leaves its old name behind).
FORGOTTEN_AFTER = timedelta(days=7)
# How long a stopping worker waits for its last beat to record the stop.
STOP_WAIT_S = 5.0


def beat_interval() -> timedelta:
    return timedelta(seconds=settings.WORKER_BEAT_SECONDS)


def alive_since() -> Any:
    """The database time after which a worker's last beat says it is alive (the database's clock, as the
    beats are written by it: the web and worker hosts' clocks may differ)."""
    return Now() - MISSED_BEATS * beat_interval()


def worker_started(*, name: str, hostname: str, pid: int, concurrency: int | None) -> None:
    """Records the worker as running now (a restart under the same node name starts it afresh), and
    forgets the workers long gone."""
    WorkerBeat.objects.bulk_create(
        [
            WorkerBeat(
                name=name[:200],
                hostname=hostname[:255],
                pid=pid,
                concurrency=concurrency,
                started_at=Now(),
                last_seen_at=Now(),
                stopped_at=None,
            )
        ],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["hostname", "pid", "concurrency", "started_at", "last_seen_at", "stopped_at"],
    )
    WorkerBeat.objects.filter(last_seen_at__lt=Now() - FORGOTTEN_AFTER).delete()


def worker_seen(*, name: str) -> bool:
    """One beat; False when the worker's row is gone (forgotten by another worker) and must be recorded
    again."""
    return bool(WorkerBeat.objects.filter(name=name[:200]).update(last_seen_at=Now(), stopped_at=None))


def worker_stopped(*, name: str) -> None:
    WorkerBeat.objects.filter(name=name[:200]).update(last_seen_at=Now(), stopped_at=Now())


class _Beat(threading.Thread):
    """Records the worker, beats until asked to stop, then records the stop; all on its own connection,
    which it closes (a database that is away is retried at the next beat)."""

    def __init__(self, *, name: str, concurrency: int | None) -> None:
        super().__init__(name="worker-beat", daemon=True)
        self.worker = name
        self.concurrency = concurrency
        self.stopping = threading.Event()

    def run(self) -> None:
        recorded = False
        try:
            while True:
                try:
                    if not recorded or not worker_seen(name=self.worker):
                        self._record_start()
                        recorded = True
                except DatabaseError as error:
                    logger.warning("Worker %s: could not record its beat (%s).", self.worker, error)
                    connection.close()
                if self.stopping.wait(settings.WORKER_BEAT_SECONDS):
                    break
            worker_stopped(name=self.worker)
        except DatabaseError as error:
            logger.warning("Worker %s: could not record its stop (%s).", self.worker, error)
        finally:
            connection.close()

    def _record_start(self) -> None:
        worker_started(
            name=self.worker, hostname=socket.gethostname(), pid=os.getpid(), concurrency=self.concurrency
        )


_beat: _Beat | None = None


@worker_ready.connect(dispatch_uid="crm.jobs.workers.start_beat")
def _start_beat(sender: Any, **kwargs: Any) -> None:
    """`sender` is the worker's consumer: its node name is what jobs' `claimed_by` holds."""
    global _beat
    if _beat is not None and _beat.is_alive():  # ready again after a broker reconnection
        return
    # The pool's limit: a solo pool runs one task whatever --concurrency says.
    concurrency = getattr(getattr(sender, "pool", None), "limit", None)
    _beat = _Beat(
        name=worker_name(getattr(sender, "hostname", None)),
        concurrency=concurrency if isinstance(concurrency, int) else None,
    )
    _beat.start()


@worker_shutdown.connect(dispatch_uid="crm.jobs.workers.stop_beat")
def _stop_beat(sender: Any, **kwargs: Any) -> None:
    if _beat is None:
        return
    _beat.stopping.set()
    _beat.join(STOP_WAIT_S)
