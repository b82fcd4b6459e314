"""A real Celery worker process executes a real task through the configured broker.

In embedded mode the broker is kombu's SQLAlchemy transport on PostgreSQL; in server mode
(CELERY_BROKER_URL=redis://...) it is Redis. Either way nothing is mocked.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from crm.celery import app as celery_app
from crm.models import Notification, NotificationKind, OutboundEmail
from crm.timeline.tasks import send_due_task_reminders
from leads.models import Lead, LeadDuplicate
from leads.services.leads import lead_create
from tests.factories import TaskFactory
from tests.processes import database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


# A queue of its own, so that a `make run` worker on the same broker never takes the test's message.
QUEUE = f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def worker() -> Iterator[subprocess.Popen]:
    env: dict[str, str] = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": str(settings.CELERY_BROKER_URL),
    }
    process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--queues",
            QUEUE,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_default_queue, conf.task_routes
    # Every task to the test's queue, jobs included (the settings route those to a queue of their own).
    conf.task_always_eager, conf.task_default_queue, conf.task_routes = False, QUEUE, {}
    _reroute()
    yield process
    conf.task_always_eager, conf.task_default_queue, conf.task_routes = saved
    _reroute()
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _reroute() -> None:
    """Makes Celery read task_routes again: it keeps the router it made first."""
    celery_app.amqp.flush_routes()
    vars(celery_app.amqp).pop("router", None)


def _wait_for(condition, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"The worker exited early:\n{process.stdout.read() if process.stdout else ''}")
        time.sleep(0.5)
    process.terminate()
    output = process.communicate(timeout=20)[0]
    pytest.fail(f"The worker did not do the work within {seconds}s. Its output:\n{output}")


def test_a_separate_worker_process_sends_a_due_reminder_through_the_broker(worker, rep):
    task = TaskFactory(assignee=rep, due_at=timezone.now() - timedelta(minutes=1))

    send_due_task_reminders.delay()

    _wait_for(lambda: Notification.objects.filter(task=task, kind=NotificationKind.TASK_DUE).exists(), worker)
    # The reminder's email was queued in the same transaction and sent by the worker after commit.
    _wait_for(lambda: OutboundEmail.objects.filter(to=rep.email, sent_at__isnull=False).exists(), worker)


def test_a_separate_worker_checks_a_new_leads_duplicates_after_it_is_saved(worker, rep):
    first = lead_create(actor=rep, fields={"last_name": "Doe", "email": "jane@example.com"})
    second = lead_create(actor=rep, fields={"last_name": "Doe", "email": "JANE@example.com"})

    _wait_for(lambda: not Lead.objects.filter(duplicates_checked_at=None).exists(), worker)
    pairs = set(LeadDuplicate.objects.values_list("lead_id", "candidate_id", "same_email"))
    assert pairs == {(first.pk, second.pk, True), (second.pk, first.pk, True)}
