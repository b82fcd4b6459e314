"""The kernel's job machinery: a job is a row PostgreSQL owns; workers claim it, hold it by lease, commit
its progress chunk by chunk, and a lost worker, message or database connection only delays it."""

from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from crm.errors import Conflict
from crm.jobs import tasks
from crm.jobs.running import JobRun, LeaseLost, job_claim, job_kind, job_run
from crm.jobs.services import job_cancel, job_enqueue, job_retry, jobs_sweep
from crm.models import BackgroundJob, JobInterrupt, JobStatus, Notification

pytestmark = pytest.mark.django_db

KIND = "Test counting"
# What the test kind did, chunk by chunk, and the faults it is told to meet: (chunk, what happens there).
applied: list[tuple[int, int]] = []
faults: dict[int, str] = {}


@job_kind(KIND)
def count_in_chunks(run: JobRun) -> None:
    """Counts to payload["items"] two at a time, one transaction a chunk, resuming at the checkpoint."""
    items = run.payload["items"]
    start = run.checkpoint.get("next", 0)
    for first in run.paced(range(start, items, 2)):
        fault = faults.pop(first, "")
        if fault == "database":
            raise OperationalError("server closed the connection unexpectedly")
        if fault == "stop":
            tasks._release_running_jobs(sender=run.job.claimed_by)
        with transaction.atomic():
            applied.append((run.attempt, first))
            run.save_progress(checkpoint={"next": first + 2}, advance=min(2, items - first))
    with transaction.atomic():
        run.finish(message=f"Counted {items}.", result={"items": items})


@pytest.fixture(autouse=True)
def _clean():
    applied.clear()
    faults.clear()


def _queue(actor=None, items=6) -> BackgroundJob:
    return job_enqueue(kind=KIND, created_by=actor, payload={"items": items}, total=items)


def _claimed(job: BackgroundJob, worker: str) -> JobRun:
    claimed = job_claim(job_id=job.pk, worker=worker)
    assert claimed is not None
    return JobRun(claimed)


def _reload(job: BackgroundJob) -> BackgroundJob:
    job.refresh_from_db()
    return job


def test_a_job_runs_chunk_by_chunk_to_done_and_tells_who_started_it(admin_user):
    job = _queue(admin_user)

    job_run(job_id=job.pk, worker="celery@one")

    job = _reload(job)
    assert (job.status, job.done, job.total, job.percent) == (JobStatus.DONE, 6, 6, 100)
    assert [first for _, first in applied] == [0, 2, 4]
    assert job.attempts == 1
    assert job.lease_expires_at is None
    assert Notification.objects.filter(recipient=admin_user, message="Counted 6.").exists()


def test_a_second_message_for_a_job_whose_lease_is_live_does_nothing():
    job = _queue()
    claimed = job_claim(job_id=job.pk, worker="celery@one")
    assert claimed is not None

    job_run(job_id=job.pk, worker="celery@two")

    assert applied == []
    assert _reload(job).claimed_by == "celery@one"


def test_a_job_whose_worker_died_resumes_after_its_last_checkpoint_on_another_worker():
    job = _queue(items=6)
    first = _claimed(job, "celery@one")
    with transaction.atomic():
        applied.append((first.attempt, 0))
        first.save_progress(checkpoint={"next": 2}, advance=2)
    BackgroundJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    job_run(job_id=job.pk, worker="celery@two")

    job = _reload(job)
    assert (job.status, job.done, job.attempts) == (JobStatus.DONE, 6, 2)
    assert applied == [(1, 0), (2, 2), (2, 4)]


def test_a_worker_that_lost_its_lease_cannot_commit_another_chunk():
    job = _queue()
    stale = _claimed(job, "celery@one")
    BackgroundJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert job_claim(job_id=job.pk, worker="celery@two") is not None

    def stale_chunk() -> None:
        with transaction.atomic():
            BackgroundJob.objects.filter(pk=job.pk).update(message="written by the stale worker")
            stale.save_progress(checkpoint={"next": 2}, advance=2)

    with pytest.raises(LeaseLost):
        stale_chunk()

    job = _reload(job)
    assert (job.done, job.checkpoint, job.claimed_by) == (0, {}, "celery@two")
    assert job.message != "written by the stale worker"  # its chunk rolled back with the checkpoint


def test_the_sweep_requeues_expired_leases_and_wakes_only_jobs_nobody_answered(
    monkeypatch, django_capture_on_commit_callbacks
):
    woken: list[int] = []
    monkeypatch.setattr(tasks.run_job, "delay", woken.append)
    expired, live, unanswered, recent = (_queue() for _ in range(4))
    job_claim(job_id=expired.pk, worker="celery@dead")
    job_claim(job_id=live.pk, worker="celery@alive")
    BackgroundJob.objects.filter(pk=expired.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    BackgroundJob.objects.filter(pk=unanswered.pk).update(woken_at=timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        sweep = jobs_sweep()

    assert (sweep.requeued, sweep.woken) == (1, 2)
    assert sorted(woken) == sorted([expired.pk, unanswered.pk])
    assert _reload(expired).status == JobStatus.QUEUED
    assert "stopped renewing its lease" in _reload(expired).last_error
    assert _reload(live).status == JobStatus.RUNNING
    assert recent.pk not in woken


def test_the_sweep_takes_the_same_queries_for_three_jobs_or_thirty(django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(tasks.run_job, "delay", lambda job_id: None)
    for _ in range(3):
        BackgroundJob.objects.create(kind=KIND, payload={"items": 2})
    with django_assert_num_queries(5):  # requeue, savepoint, select, update, release
        jobs_sweep()
    for _ in range(30):
        BackgroundJob.objects.create(kind=KIND, payload={"items": 2})
    with django_assert_num_queries(5):
        jobs_sweep()


def test_a_database_fault_is_retried_later_from_the_checkpoint():
    job = _queue(items=6)
    faults[2] = "database"

    job_run(job_id=job.pk, worker="celery@one")

    job = _reload(job)
    assert (job.status, job.done, job.checkpoint) == (JobStatus.QUEUED, 2, {"next": 2})
    assert "server closed the connection" in job.last_error
    assert job.run_after > timezone.now()  # backing off
    assert job_claim(job_id=job.pk, worker="celery@one") is None  # not before its time

    BackgroundJob.objects.filter(pk=job.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    job_run(job_id=job.pk, worker="celery@one")

    job = _reload(job)
    assert (job.status, job.done, job.attempts) == (JobStatus.DONE, 6, 2)
    assert [first for _, first in applied] == [0, 2, 4]


def test_a_job_out_of_attempts_fails_with_its_last_error(admin_user):
    job = _queue(admin_user)
    BackgroundJob.objects.filter(pk=job.pk).update(attempts=10, last_error="OperationalError: gone")

    job_run(job_id=job.pk, worker="celery@one")

    job = _reload(job)
    assert job.status == JobStatus.FAILED
    assert job.message == "Test counting stopped after 10 attempts. Last error: OperationalError: gone"
    assert applied == []


def test_a_stopping_worker_hands_its_job_back_at_the_next_checkpoint_and_it_resumes():
    job = _queue(items=6)
    faults[2] = "stop"  # Ctrl-C reaches the worker while it works on the second chunk

    job_run(job_id=job.pk, worker="celery@one")

    job = _reload(job)
    assert (job.status, job.done, job.interrupt, job.claimed_by) == (JobStatus.QUEUED, 4, "", "")
    assert job.message == "Paused while its worker restarts"

    job_run(job_id=job.pk, worker="celery@one")

    assert _reload(job).status == JobStatus.DONE
    assert [first for _, first in applied] == [0, 2, 4]


def test_an_admin_cancels_a_queued_job_at_once_and_a_running_one_at_its_next_checkpoint(admin_user):
    queued, running = _queue(), _queue(items=6)

    assert job_cancel(actor=admin_user, job_id=queued.pk).status == JobStatus.CANCELLED
    run = _claimed(running, "celery@one")
    assert job_cancel(actor=admin_user, job_id=running.pk).interrupt == JobInterrupt.CANCEL
    with transaction.atomic():
        run.save_progress(checkpoint={"next": 2}, advance=2)
    assert run.interrupt == JobInterrupt.CANCEL
    with pytest.raises(Conflict):
        job_cancel(actor=admin_user, job_id=queued.pk)


def test_an_admin_retries_a_failed_job_and_it_resumes_from_its_checkpoint(admin_user):
    job = _queue(items=6)
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, attempts=10, done=4, checkpoint={"next": 4}
    )

    job_retry(actor=admin_user, job_id=job.pk)
    job_run(job_id=job.pk, worker="celery@one")

    job = _reload(job)
    assert (job.status, job.done, job.attempts) == (JobStatus.DONE, 6, 11)
    assert [first for _, first in applied] == [4]
    with pytest.raises(Conflict):
        job_retry(actor=admin_user, job_id=job.pk)
