"""Workers, beats and `manage.py serve` as real subprocesses of this checkout, on loopback, each in a
session of its own so that kill -9 reaches its pool."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from crm.celery import app as celery_app
from crm.jobs import wakeups

from .measure import STARTUP_LIMIT_S

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 6
SWEEP_S = 2
EMAIL_SWEEP_S = 2


@dataclass
class Child:
    """A subprocess in a session of its own, so that its pool children die with it on kill -9."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def running(self) -> bool:
        return self.popen.poll() is None

    def kill_hard(self) -> None:
        """kill -9 of the process and every process in its group (a worker's pool children)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.running():
            self.popen.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        self.kill_hard()  # whatever it left behind in its group


@dataclass
class Stack:
    """Workers and beats on one database and broker, with the settings a deployment has."""

    database_url: str
    broker_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "DJANGO_")) and key != "TEST_DATABASE_NAME"
        }
        return (
            environment
            | {
                "DJANGO_SETTINGS_MODULE": "crm.settings.local",
                "SECRET_KEY": "faults-secret-key-not-for-production",
                "DEBUG": "false",
                "DATABASE_URL": self.database_url,
                "CELERY_BROKER_URL": self.broker_url,
                "JOB_LEASE_SECONDS": str(LEASE_S),
                "JOB_SWEEP_SECONDS": str(SWEEP_S),
                "EMAIL_SWEEP_SECONDS": str(EMAIL_SWEEP_S),
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "EMAIL_URL": "consolemail://",
                "PYTHONUNBUFFERED": "1",
                "LOG_LEVEL": "INFO",
            }
            | self.extra_env
        )

    def spawn(self, name: str, argv: list[str]) -> Child:
        log = self.workdir / f"{name}-{len(self.children)}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
                argv,
                cwd=ROOT,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = Child(name, popen, log)
        self.children.append(child)
        return child

    def worker(self, *, concurrency: int = 2) -> Child:
        """A prefork worker, as `make run` starts one; returns once it consumes."""
        number = sum(1 for child in self.children if child.name == "worker")
        child = self.spawn(
            "worker",
            [
                sys.executable,
                *("-m", "celery", "-A", "crm", "worker", "-l", "info"),
                *(
                    "--concurrency",
                    str(concurrency),
                    "-n",
                    f"faults{number}-{os.getpid()}@%h",
                ),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
        )
        self.wait_for_line(child, " ready.")
        return child

    def beat(self) -> Child:
        number = sum(1 for child in self.children if child.name == "beat")
        schedule = self.workdir / f"celerybeat-schedule-{number}"
        child = self.spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "crm",
                "beat",
                "-l",
                "info",
                "-s",
                str(schedule),
            ],
        )
        self.wait_for_line(child, "beat: Starting")
        return child

    def wait_for_line(self, child: Child, text: str, seconds: float = STARTUP_LIMIT_S) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in child.output():
                return
            if not child.running():
                pytest.fail(f"The {child.name} exited during start-up:\n{child.tail()}")
            time.sleep(0.2)
        pytest.fail(f"The {child.name} did not print {text!r} within {seconds:.0f} s:\n{child.tail()}")

    def stop_all(self) -> None:
        for child in self.children:
            # serve gives its worker STOP_TIMEOUT_S (15 s) to finish; the others stop in seconds.
            child.stop(timeout=30 if child.name == "serve" else 10)

    def logs(self) -> str:
        return "\n".join(f"--- {c.name} (pid {c.pid}) ---\n{c.tail()}" for c in self.children)


# Brokers


def sqla_broker(url: str) -> str:
    """kombu's SQLAlchemy transport on the database at `url`: the embedded default's broker."""
    return "sqla+" + url.replace("postgresql://", "postgresql+psycopg://", 1)


def embedded_broker() -> bool:
    return str(settings.CELERY_BROKER_URL).startswith("sqla+")


def broker_for(url: str) -> str:
    """The broker a stack on the database at `url` uses: that database's own tables in the embedded
    default (never the development database's), otherwise the configured Redis."""
    return sqla_broker(url) if embedded_broker() else str(settings.CELERY_BROKER_URL)


def use_broker(url: str) -> None:
    """Points this process's wake-ups at `url` (a real broker, no eager tasks)."""
    celery_app.conf.task_always_eager = False
    celery_app.conf.update(broker_url=url)
    # The connection pools are cached per app; forget them as a fork does.
    vars(celery_app)["_pool"] = None
    vars(celery_app.amqp)["_producer_pool"] = None
    # A broker found down earlier must not keep this process quiet in the next case.
    wakeups._quiet_until = 0.0


def declare_broker_queue(url: str) -> None:
    """Creates the SQLAlchemy transport's tables and its queue rows, as `manage.py serve` does before it
    starts a worker and a beat together (on a brand-new database they would race to insert them)."""
    from kombu import Connection

    with Connection(url) as broker:
        for queue in settings.CELERY_TASK_QUEUES:
            queue.bind(broker.default_channel).declare()
