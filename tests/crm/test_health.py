"""GET /health/ as a load balancer and a monitor read it: 200 while the database and the broker answer,
503 when either does not, and how background work is doing, without signing in and without secrets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from crm.celery import app as celery_app
from crm.models import BackgroundJob, JobStatus, WorkerBeat

pytestmark = pytest.mark.django_db

URL = "/health/"
# A port nothing listens on: every connection is refused at once.
UNREACHABLE = "redis://127.0.0.1:9/0"


def _job(status: str, **fields: Any) -> BackgroundJob:
    return BackgroundJob.objects.create(kind="Lead import", status=status, **fields)


def _worker(name: str, *, seen_ago: timedelta, stopped: bool = False) -> WorkerBeat:
    now = timezone.now()
    return WorkerBeat.objects.create(
        name=name,
        started_at=now - timedelta(hours=1),
        last_seen_at=now - seen_ago,
        stopped_at=now if stopped else None,
    )


@pytest.fixture
def broker_down(monkeypatch):
    # Celery takes the broker from the environment first, then from its settings (as in
    # tests/crm/test_broker_outage.py).
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)
    conf = celery_app.conf
    saved = conf.get("CELERY_BROKER_URL")
    conf.update({"CELERY_BROKER_URL": UNREACHABLE})
    yield
    monkeypatch.undo()
    conf.update({"CELERY_BROKER_URL": saved})


def test_a_healthy_site_answers_200_with_the_state_of_its_background_work(client):
    now = timezone.now()
    _worker("celery@a", seen_ago=timedelta(seconds=3))
    _worker("celery@b", seen_ago=timedelta(seconds=settings.WORKER_BEAT_SECONDS))
    _worker("celery@silent", seen_ago=timedelta(minutes=10))
    _worker("celery@stopped", seen_ago=timedelta(seconds=1), stopped=True)
    _job(JobStatus.QUEUED, run_after=now - timedelta(seconds=90))  # waiting a minute and a half
    _job(JobStatus.QUEUED, run_after=now - timedelta(seconds=5))
    _job(JobStatus.QUEUED, run_after=now + timedelta(hours=1))  # a retry later: not due, not lag
    _job(JobStatus.RUNNING)
    _job(JobStatus.FAILED, finished_at=timezone.now() - timedelta(hours=2))
    _job(JobStatus.FAILED, finished_at=timezone.now() - timedelta(hours=3))
    _job(JobStatus.FAILED, finished_at=timezone.now() - timedelta(days=2))  # old news
    _job(JobStatus.DONE)

    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["workers"] == {"alive": 2}
    assert 85 <= body["jobs"]["queue_lag_seconds"] <= 95
    assert {key: body["jobs"][key] for key in ("queued", "running", "failed_last_day")} == {
        "queued": 3,
        "running": 1,
        "failed_last_day": 2,
    }


def test_with_no_due_work_the_lag_is_zero(client):
    _job(JobStatus.QUEUED, run_after=timezone.now() + timedelta(minutes=5))

    body = client.get(URL).json()

    assert body["jobs"]["queue_lag_seconds"] == 0


def test_no_live_worker_is_reported_but_the_site_still_serves(client):
    _worker("celery@silent", seen_ago=timedelta(minutes=10))

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json()["workers"] == {"alive": 0}


def test_an_unreachable_broker_is_a_503_within_the_load_balancers_patience(client, broker_down):
    started = timezone.now()
    response = client.get(URL)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"] == "error"
    assert body["database"] == "ok"
    assert (timezone.now() - started).total_seconds() < 5
    assert "127.0.0.1:9" not in response.content.decode()  # the broker's address (and password) stay in


def test_the_answer_holds_no_secret(client):
    text = client.get(URL).content.decode()

    assert str(settings.CELERY_BROKER_URL) not in text
    assert settings.DATABASES["default"]["NAME"] not in text
    assert "redis://" not in text
    assert "postgres" not in text


def test_it_needs_no_sign_in_and_is_never_cached(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_it_costs_the_same_few_queries_however_many_jobs(client, django_assert_max_num_queries):
    for _ in range(30):
        _job(JobStatus.DONE)
        _job(JobStatus.QUEUED, run_after=timezone.now() - timedelta(seconds=10))

    with django_assert_max_num_queries(4):
        assert client.get(URL).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_is_a_503_that_still_answers(client):
    # The web process's connection pointed at a port nothing listens on, as when PostgreSQL is down.
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": 9})
    try:
        response = client.get(URL)
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "error"
    assert body["broker"] == "ok"
    assert body["jobs"]["queue_lag_seconds"] is None
    assert body["workers"] == {"alive": None}


def test_a_plain_http_probe_is_answered_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(URL).status_code == 200
    assert client.get("/auth/login/").status_code == 301  # the rest still moves to HTTPS
