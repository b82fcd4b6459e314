"""The job sweep over a large job table: the beat runs it every few seconds, so it must stay cheap
however many jobs are queued or running."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from bench.background import Outcome, background, held_tasks
from bench.scales import Scale
from crm.jobs.services import jobs_sweep
from crm.models import BackgroundJob, JobStatus

# The figure: the sweep over 100,000 queued or running jobs (10,000 at the tiny scale of CI's
# smoke run, where writing them would take most of the minute).
JOBS = 100_000
TINY_JOBS = 10_000
# Of them, whose worker died (lease expired) and whose wake-up was lost: the sweep's actual work.
EXPIRED, UNANSWERED = 500, 1_000


@background(
    "job-sweep",
    description="The beat's job sweep over 100,000 queued and running jobs (1,500 of them lost)",
)
def job_sweep(scale: Scale) -> Outcome:
    count = TINY_JOBS if scale.import_rows < TINY_JOBS else JOBS
    now = timezone.now()
    recently, long_ago = now - timedelta(seconds=5), now - timedelta(minutes=10)
    live, expired = now + timedelta(hours=1), now - timedelta(seconds=5)
    jobs = []
    for n in range(count):
        running = n % 2 == 0
        jobs.append(
            BackgroundJob(
                kind="Bench sweep",
                status=JobStatus.RUNNING if running else JobStatus.QUEUED,
                claimed_by="celery@bench" if running else "",
                lease_expires_at=(expired if n < 2 * EXPIRED else live) if running else None,
                woken_at=None if running else (long_ago if n < 2 * UNANSWERED else recently),
            )
        )
    BackgroundJob.objects.bulk_create(jobs, batch_size=5_000)
    with held_tasks("crm.jobs.run") as held:
        began = time.perf_counter()
        sweep = jobs_sweep()
        seconds = time.perf_counter() - began
    return Outcome(
        rows=count,
        seconds=seconds,
        details={"requeued": sweep.requeued, "woken": sweep.woken, "wakeups_held": len(held)},
    )
