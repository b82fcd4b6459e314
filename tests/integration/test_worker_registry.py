"""A real Celery worker process records itself: it shows as alive on the jobs page and in /health/ within
seconds of starting, as stopped once it stops cleanly, and as not responding once it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from crm.models import User, WorkerBeat
from tests.processes import database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
BEAT_SECONDS = 1


@pytest.fixture
def node_name() -> str:
    return f"registry-{uuid.uuid4().hex[:8]}@test-host"


@pytest.fixture
def worker(node_name: str) -> Iterator[subprocess.Popen]:
    env: dict[str, str] = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": str(django_settings.CELERY_BROKER_URL),
        "WORKER_BEAT_SECONDS": str(BEAT_SECONDS),
    }
    process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
        [
            sys.executable,
            *("-m", "celery", "-A", "crm", "worker", "--pool", "solo", "--loglevel", "INFO"),
            # A queue of its own: it takes no message meant for another worker on the same broker.
            *("--queues", f"test-{uuid.uuid4().hex[:12]}", "--hostname", node_name),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    if process.poll() is None:
        process.terminate()
    output = process.communicate(timeout=20)[0]
    pytest.fail(f"Not seen within {seconds}s. The worker's output:\n{output}")


def _worker_row(page: str, name: str) -> str:
    """The jobs page's row of the worker `name`."""
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_a_started_worker_shows_alive_then_stopped_after_a_clean_stop(worker, node_name, admin_client):
    page = lambda: admin_client.get(reverse("job-list")).content.decode()  # noqa: E731

    _wait_for(lambda: node_name in page() and "Alive" in _worker_row(page(), node_name), worker)
    row = _worker_row(page(), node_name)
    assert "s ago" in row or "just now" in row
    assert Client().get("/health/").json()["workers"]["alive"] == 1
    beat = WorkerBeat.objects.get(name=node_name)
    first_seen = beat.last_seen_at
    # It keeps beating while it runs.
    _wait_for(lambda: WorkerBeat.objects.get(name=node_name).last_seen_at > first_seen, worker, seconds=10)
    assert beat.pid
    assert beat.concurrency == 1  # a solo pool
    assert beat.hostname

    worker.send_signal(signal.SIGTERM)  # a warm shutdown, as `make run`'s Ctrl-C or a redeploy
    worker.wait(timeout=30)

    assert WorkerBeat.objects.get(name=node_name).stopped_at is not None
    assert "Stopped" in _worker_row(page(), node_name)
    assert Client().get("/health/").json()["workers"]["alive"] == 0


def test_a_killed_worker_shows_as_not_responding_once_it_misses_its_beats(
    worker, node_name, admin_client, settings
):
    settings.WORKER_BEAT_SECONDS = BEAT_SECONDS  # the page expects the worker's beat
    _wait_for(lambda: WorkerBeat.objects.filter(name=node_name).exists(), worker)

    worker.kill()  # no shutdown signal: the host died or the OOM killer struck
    worker.wait(timeout=10)
    time.sleep(3 * BEAT_SECONDS + 1)

    row = _worker_row(admin_client.get(reverse("job-list")).content.decode(), node_name)
    assert "Not responding" in row
    assert WorkerBeat.objects.get(name=node_name).stopped_at is None
    assert Client().get("/health/").json()["workers"]["alive"] == 0
