"""The admins' page of background jobs: what each job is doing and who holds it, the workers alive, and
retry and cancel through the page's buttons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import BackgroundJob, JobInterrupt, JobStatus, User, WorkerBeat
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("job-list")


def _job(**fields: Any) -> BackgroundJob:
    created_at = fields.pop("created_at", None)
    job = BackgroundJob.objects.create(**{"kind": "Lead import", **fields})
    if created_at is not None:
        BackgroundJob.objects.filter(pk=job.pk).update(created_at=created_at)
        job.refresh_from_db()
    return job


def _worker(name: str, *, seen_ago: timedelta, stopped: bool = False) -> WorkerBeat:
    now = timezone.now()
    return WorkerBeat.objects.create(
        name=name,
        hostname="web-1",
        pid=4242,
        concurrency=2,
        started_at=now - timedelta(hours=1),
        last_seen_at=now - seen_ago,
        stopped_at=now if stopped else None,
    )


@pytest.fixture
def admin(admin_user: User) -> User:
    admin_user.first_name, admin_user.last_name = "Ada", "Admin"
    admin_user.time_zone = "Asia/Tokyo"
    admin_user.save()
    return admin_user


def test_an_admin_sees_what_a_running_job_is_doing_and_which_worker_holds_it(as_user, admin, rep):
    _worker("celery@worker-1", seen_ago=timedelta(seconds=2))
    started = timezone.now() - timedelta(minutes=3)
    _job(
        status=JobStatus.RUNNING,
        created_by=rep,
        total=200,
        done=80,
        attempts=2,
        attempt_limit=10,
        message="Imported 80 of 200 rows",
        last_error="OperationalError: server closed the connection unexpectedly",
        claimed_by="celery@worker-1",
        lease_expires_at=timezone.now() + timedelta(seconds=20),
        started_at=started,
    )

    page = as_user(admin).get(LIST).content.decode()

    assert "Lead import" in page
    assert f"Started by {rep}" in page
    assert '<span class="badge text-bg-info">Running</span>' in page
    assert "80 of 200 (40%)" in page
    assert "2 of 10" in page
    assert "server closed the connection unexpectedly" in page
    assert "celery@worker-1" in page
    assert "Lease expires in 1" in page  # "in 19 s" or "in 20 s", as the request's second falls
    assert "Not seen lately" not in page
    # Times read in the admin's own time zone (Tokyo), not the server's UTC.
    local_start = timezone.localtime(started, timezone=timezone.get_fixed_timezone(9 * 60))
    assert f"{local_start:%H:%M}" in page
    assert "3 min ago" in page
    assert started.isoformat() not in page


def test_a_job_whose_worker_stopped_beating_shows_its_lease_expired_and_its_worker_gone(as_user, admin):
    _worker("celery@gone", seen_ago=timedelta(minutes=5))
    _job(
        status=JobStatus.RUNNING,
        claimed_by="celery@gone",
        attempts=1,
        lease_expires_at=timezone.now() - timedelta(minutes=3, seconds=5),
        started_at=timezone.now() - timedelta(minutes=10),
    )

    page = as_user(admin).get(LIST).content.decode()

    assert "Lease expired 3 min ago" in page
    assert "Not seen lately" in page
    assert "Not responding" in page  # the worker's own row
    assert "0 alive" in page


def test_the_page_lists_the_workers_alive_stopped_and_silent_with_when_each_was_last_seen(as_user, admin):
    _worker("celery@alive", seen_ago=timedelta(seconds=4))
    _worker("celery@silent", seen_ago=timedelta(minutes=2))
    _worker("celery@stopped", seen_ago=timedelta(hours=2), stopped=True)
    _worker("celery@long-gone", seen_ago=timedelta(days=30))

    page = as_user(admin).get(LIST).content.decode()

    assert "1 alive" in page
    alive, silent, stopped = (
        page.index(name) for name in ("celery@alive", "celery@silent", "celery@stopped")
    )
    assert alive < silent < stopped  # the live ones first, then by when they were last seen
    assert "Alive" in page[alive:silent]
    assert "Not responding" in page[silent:stopped]
    assert "2 min ago" in page[silent:stopped]
    assert "Stopped" in page[stopped:]
    assert "2 h ago" in page[stopped:]
    assert "celery@long-gone" not in page


def test_jobs_filter_by_status_and_kind(as_user, admin):
    _job(kind="Lead import", status=JobStatus.FAILED, message="Import A failed")
    _job(kind="Lead import", status=JobStatus.DONE, message="Import B done")
    _job(kind="Lead rescoring", status=JobStatus.FAILED, message="Rescore C failed")

    client = as_user(admin)
    failed = client.get(LIST, {"status": "failed"}).content.decode()
    imports = client.get(LIST, {"status": "failed", "kind": "Lead import"}).content.decode()

    assert "Import A failed" in failed
    assert "Rescore C failed" in failed
    assert "Import B done" not in failed
    assert "Import A failed" in imports
    assert "Rescore C failed" not in imports
    assert "Import B done" not in imports
    assert "No jobs match these filters." in client.get(LIST, {"status": "cancelled"}).content.decode()


def test_only_the_buttons_the_services_would_accept_are_offered(as_user, admin):
    queued = _job(status=JobStatus.QUEUED)
    failed = _job(status=JobStatus.FAILED)
    done = _job(status=JobStatus.DONE)

    page = as_user(admin).get(LIST).content.decode()

    assert reverse("job-cancel", args=[queued.pk]) in page
    assert reverse("job-retry", args=[queued.pk]) not in page
    assert reverse("job-retry", args=[failed.pk]) in page
    assert reverse("job-cancel", args=[failed.pk]) not in page
    assert reverse("job-retry", args=[done.pk]) not in page
    assert reverse("job-cancel", args=[done.pk]) not in page


def test_retrying_a_failed_job_from_the_page_queues_it_again_with_fresh_attempts(as_user, admin):
    job = _job(status=JobStatus.FAILED, attempts=10, attempt_limit=10, last_error="Boom")
    client = as_user(admin)

    response = client.post(
        reverse("job-retry", args=[job.pk]), {"next": f"{LIST}?status=failed"}, follow=True
    )

    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.attempt_limit == 20
    assert response.redirect_chain == [(f"{LIST}?status=failed", 302)]
    assert f"Lead import #{job.pk} is queued again" in response.content.decode()


def test_cancelling_a_queued_job_ends_it_and_a_running_one_stops_at_its_checkpoint(as_user, admin):
    queued = _job(status=JobStatus.QUEUED)
    running = _job(status=JobStatus.RUNNING, attempts=1, claimed_by="celery@w")
    client = as_user(admin)

    first = client.post(reverse("job-cancel", args=[queued.pk]), follow=True).content.decode()
    second = client.post(reverse("job-cancel", args=[running.pk]), follow=True).content.decode()

    queued.refresh_from_db()
    running.refresh_from_db()
    assert queued.status == JobStatus.CANCELLED
    assert f"Lead import #{queued.pk} was cancelled." in first
    assert running.status == JobStatus.RUNNING
    assert running.interrupt == JobInterrupt.CANCEL
    assert f"Lead import #{running.pk} stops at its next checkpoint." in second
    assert "Cancelling" in second  # and no second Cancel button for it
    assert reverse("job-cancel", args=[running.pk]) not in second


def test_a_refused_retry_or_cancel_shows_why(as_user, admin):
    done = _job(status=JobStatus.DONE)
    client = as_user(admin)

    cancel = client.post(reverse("job-cancel", args=[done.pk]), follow=True).content.decode()
    retry = client.post(reverse("job-retry", args=[done.pk]), follow=True).content.decode()

    assert "This job has already ended (done)." in cancel
    assert "Only a failed or cancelled job can be retried." in retry
    done.refresh_from_db()
    assert done.status == JobStatus.DONE


def test_retrying_a_job_that_does_not_exist_is_the_404_page(as_user, admin):
    assert as_user(admin).post(reverse("job-retry", args=[999_999])).status_code == 404


def test_the_page_and_its_buttons_do_not_exist_for_others(as_user, rep):
    job = _job(status=JobStatus.FAILED)
    client = as_user(rep)

    assert client.get(LIST).status_code == 404
    assert client.post(reverse("job-retry", args=[job.pk])).status_code == 404
    assert client.post(reverse("job-cancel", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_admin_menu_links_the_page_for_admins_only(as_user, admin, rep):
    assert f'href="{LIST}">Background jobs</a>' in as_user(admin).get(reverse("home")).content.decode()
    assert "Background jobs" not in as_user(rep).get(reverse("home")).content.decode()


def test_the_page_is_paged_newest_first(as_user, admin):
    now = timezone.now()
    for minutes in range(55):
        _job(message=f"job {minutes:02d} min old", created_at=now - timedelta(minutes=minutes))
    client = as_user(admin)

    first = client.get(LIST).content.decode()
    assert "job 00 min old" in first
    assert "job 49 min old" in first
    assert "job 50 min old" not in first
    assert first.index("job 00 min old") < first.index("job 49 min old")

    next_link = 'href="?after='
    assert next_link in first
    cursor = first.split(next_link, 1)[1].split('"', 1)[0]
    second = client.get(LIST, {"after": cursor}).content.decode()
    assert "job 50 min old" in second
    assert "job 54 min old" in second
    assert "job 49 min old" not in second


def test_the_page_costs_the_same_queries_for_5_jobs_as_for_30(as_user, admin, assert_same_query_count):
    statuses = list(JobStatus)

    def jobs(count: int, offset: int = 0) -> None:
        for index in range(count):
            starter = UserFactory()
            _worker(f"celery@w{offset + index}", seen_ago=timedelta(seconds=index))
            _job(
                status=statuses[index % len(statuses)],
                created_by=starter,
                claimed_by=f"celery@w{offset + index}",
                total=10,
                done=index % 10,
            )

    jobs(5)
    client = as_user(admin)
    queries = assert_same_query_count(lambda: client.get(LIST), grow=lambda: jobs(25, offset=5))
    assert queries <= 5, queries


def test_the_page_stays_within_its_query_budget(as_user, admin, django_assert_max_num_queries):
    for index in range(30):
        _job(status=JobStatus.FAILED, created_by=UserFactory(), message=f"job {index}")
    client = as_user(admin)
    client.get(LIST)  # warm the per-process caches (content types, sessions)

    with django_assert_max_num_queries(5):
        response = client.get(LIST, {"status": "failed"})
    assert response.status_code == 200
