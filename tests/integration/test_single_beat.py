"""Two real `celery beat` processes on one database: only one sends the schedule, and when it is killed
the other takes over within seconds (crm/jobs/beat.py)."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.processes import database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
SENT = "Scheduler: Sending due task"
ACTIVE = "this beat sends the schedule"
STANDBY = "standing by"


@dataclass
class Beat:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "\n".join(self.lines)

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def sent_since(self, line_number: int) -> int:
        return sum(SENT in line for line in self.lines[line_number:])


@pytest.fixture
def start_beat(tmp_path: Path) -> Iterator[Callable[[str], Beat]]:
    # make run's settings, not the test settings: those run a task in the sending process (eager mode).
    queue = f"beat-test-{uuid.uuid4().hex[:12]}"
    env: dict[str, str] = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "tests.crm.serve_settings",
        "SERVE_TEST_DIR": str(tmp_path),
        "SERVE_TEST_QUEUE": queue,
        "SECRET_KEY": "beat-test-secret-key",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": str(settings.CELERY_BROKER_URL),
        "JOB_SWEEP_SECONDS": "1",  # "sweep-jobs" falls due every second
        "PYTHONUNBUFFERED": "1",
    }
    beats: list[Beat] = []

    def start(name: str) -> Beat:
        schedule = tmp_path / f"{name}-schedule"
        process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            [sys.executable, "-m", "celery", "-A", "crm", "beat", "-l", "info", "-s", str(schedule)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        beat = Beat(process)
        threading.Thread(target=lambda: beat.lines.extend(process.stdout or ()), daemon=True).start()
        beats.append(beat)
        return beat

    yield start
    for beat in beats:
        if beat.process.poll() is None:
            beat.process.kill()
        beat.process.wait(timeout=10)
    broker = str(settings.CELERY_BROKER_URL)
    if broker.startswith("redis"):
        redis.Redis.from_url(broker).delete(queue)  # nobody consumes the sent messages


def _wait_for(condition: Callable[[], bool], beats: list[Beat], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            outputs = "\n\n".join(f"beat pid {b.process.pid}:\n{b.output()[-3000:]}" for b in beats)
            pytest.fail(f"{what} did not happen within {seconds}s.\n{outputs}")
        time.sleep(0.1)


def test_one_of_two_beats_sends_the_schedule_and_the_other_takes_over_when_it_is_killed(start_beat):
    beats = [start_beat("one"), start_beat("two")]
    _wait_for(
        lambda: all(b.count(ACTIVE) + b.count(STANDBY) for b in beats), beats, 20, "Both beats starting"
    )
    active, standby = sorted(beats, key=lambda b: b.count(ACTIVE), reverse=True)
    assert standby.count(ACTIVE) == 0
    (standing_by,) = [line for line in standby.lines if STANDBY in line]
    assert re.search(
        rf"another beat holds the schedule \(pid {active.process.pid} on host \S+\)", standing_by
    )

    # "sweep-jobs" falls due every second; a loaded machine may send a little late, never on the standby.
    _wait_for(lambda: active.count(SENT) >= 3, beats, 10, "Three sends by the active beat")
    assert standby.count(SENT) == 0

    active.process.send_signal(signal.SIGKILL)
    active.process.wait(timeout=10)
    killed_at, seen = time.monotonic(), len(standby.lines)
    _wait_for(lambda: standby.sent_since(seen) > 0, beats, 12, "The standby beat's takeover")

    assert time.monotonic() - killed_at < 10
    assert standby.count(ACTIVE) == 1
    sent_at_takeover = standby.count(SENT)
    _wait_for(lambda: standby.count(SENT) > sent_at_takeover, beats, 10, "The new active beat's next send")
