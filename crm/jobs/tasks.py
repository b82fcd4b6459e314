"""The job machinery's Celery tasks: a message only says which job to look at; PostgreSQL says the rest."""

from typing import Any

from celery import Task, shared_task
from celery.signals import worker_shutting_down

from crm.models import BackgroundJob, JobInterrupt, JobStatus

from . import workers  # noqa: F401  (records this worker's heartbeat)
from .running import job_run, worker_name
from .services import jobs_sweep


@shared_task(name="crm.jobs.run", bind=True)
def run_job(self: Task, job_id: int) -> None:
    job_run(job_id=job_id, worker=worker_name(self.request.hostname))


@shared_task(name="crm.jobs.sweep")
def sweep_jobs() -> dict[str, int]:
    sweep = jobs_sweep()
    return {"requeued": sweep.requeued, "woken": sweep.woken}


@worker_shutting_down.connect
def _release_running_jobs(sender: str, **kwargs: Any) -> None:
    """A worker asked to stop (Ctrl-C of make run) lets its jobs reach their next checkpoint and hands
    them back to the queue, so the next start resumes them; Celery waits for the tasks meanwhile."""
    BackgroundJob.objects.filter(status=JobStatus.RUNNING, claimed_by=worker_name(sender)).update(
        interrupt=JobInterrupt.RELEASE
    )
