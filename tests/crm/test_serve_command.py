"""`make run` as a script or a supervisor drives it: no terminal, signals sent to make's pid alone.

Each test runs the Makefile's real `run` recipe (without its `install` step) against the test
database, with `make run`'s settings and their state in a temporary folder (tests/crm/serve_settings.py).
"""

import http.client
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from crm.management.commands import serve
from tests.processes import database_url, free_port

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 180
STOP_TIMEOUT_S = 60


@dataclass
class Run:
    make: subprocess.Popen[bytes]
    log: Path
    port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            connection.close()


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One folder for the module: the second run finds the static files the first one collected.
    return tmp_path_factory.mktemp("serve-state")


@pytest.fixture
def environment(state_dir: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "DJANGO_"))}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "tests.crm.serve_settings",
        "SERVE_TEST_DIR": str(state_dir),
        "SERVE_TEST_QUEUE": f"serve-test-{uuid.uuid4().hex[:12]}",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": str(settings.CELERY_BROKER_URL),
        "SECRET_KEY": "serve-test-secret-key",
        "EMAIL_URL": "",
        "DEBUG": "false",
        "PORT": str(free_port()),
    }


def _allow_sigint() -> None:
    # A suite started in the background by a script inherits SIGINT ignored, and so would make.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def run(environment: dict[str, str], tmp_path: Path) -> Iterator[Run]:
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        make = subprocess.Popen(  # noqa: S603  (make, our own interpreter and arguments)
            ["make", "--no-print-directory", "-o", "install", f"PY={sys.executable}", "run"],  # noqa: S607
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_allow_sigint,
        )
    started = Run(make, log, int(environment["PORT"]))
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "The CRM is running at" not in started.output():
            if make.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`make run` did not start:\n{started.output()[-4000:]}")
            time.sleep(0.5)
        yield started
    finally:
        if make.poll() is None:  # a failed test: leave nothing behind
            for process in [*psutil.Process(make.pid).children(recursive=True), make]:
                process.kill()
        make.wait()


def _stop(run: Run, sig: signal.Signals) -> list[psutil.Process]:
    """Signals make's pid alone, as `kill -<sig> <pid>` does; returns what was left running."""
    started = psutil.Process(run.make.pid).children(recursive=True)
    assert {"gunicorn", "worker", "beat"} <= {word for p in started for word in p.cmdline()}
    run.make.send_signal(sig)
    try:
        run.make.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"make was still running {STOP_TIMEOUT_S}s after {sig.name}:\n{run.output()[-4000:]}")
    deadline = time.monotonic() + 10
    while (left := [p for p in started if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def _alive(process: psutil.Process) -> bool:
    try:
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def test_sigterm_to_make_stops_the_server_the_worker_and_beat(run, environment):
    status, page = run.get("/no-such-page/")
    assert status == 404
    assert "Page not found" in page  # the product's page: debug mode is off
    stylesheet = page.split('href="/static/css/crm.', 1)[1].split('"', 1)[0]
    assert run.get(f"/static/css/crm.{stylesheet}")[0] == 200  # collected, with its hashed name

    second = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [sys.executable, "manage.py", "serve", "--no-seed"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    serve = psutil.Process(run.make.pid).children()[0]
    assert second.returncode != 0
    message = f"The CRM is already running at http://127.0.0.1:{run.port}/ (pid {serve.pid}); stop it first."
    assert message in second.stderr
    assert "migrations" not in second.stdout.lower()  # refused before touching anything

    left = _stop(run, signal.SIGTERM)

    assert left == [], f"still running: {[p.cmdline() for p in left]}"
    assert "Received SIGTERM; stopping." in run.output()
    assert "Not Found: /no-such-page/ (anonymous)" in run.output()


def test_sigint_to_make_alone_stops_everything_too(run):
    left = _stop(run, signal.SIGINT)

    assert left == [], f"still running: {[p.cmdline() for p in left]}"
    assert "Received SIGINT; stopping." in run.output()


def test_the_console_leaves_out_the_sweeps_routine_lines_but_not_their_warnings():
    assert serve._housekeeping(
        "[2026-12-07 14:39:07,746: INFO/MainProcess] Scheduler: Sending due task sweep-jobs (crm.jobs.sweep)"
    )
    assert serve._housekeeping(
        "[2026-12-07 14:39:07,751: INFO/MainProcess] Task crm.jobs.sweep[4cb8] received"
    )
    assert not serve._housekeeping(
        "[2026-12-07 14:39:07,751: WARNING/ForkPoolWorker-1] Job 7: database fault (crm.jobs.sweep)"
    )
    assert not serve._housekeeping(
        "[2026-12-07 14:39:07,751: INFO/MainProcess] Task crm.jobs.run[4cb8] received"
    )
    # Every task the beat sends a minute apart or more often is routine; the hourly pass is news.
    assert serve._housekeeping(
        "[2026-12-07 14:39:07,751: INFO/MainProcess] Task leads.send_first_touch_alerts[9] received"
    )
    assert not serve._housekeeping(
        "[2026-12-07 14:39:07,751: INFO/MainProcess] Task leads.reconcile_scores[9] received"
    )
