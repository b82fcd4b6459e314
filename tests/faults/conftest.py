"""Fault injection: real workers, beats, brokers and PostgreSQL servers, killed and stopped mid-job.

Every process here is a real subprocess of this checkout (`celery worker`, `celery beat`, `manage.py
serve`, `redis-server`, `postgres`), started on loopback ports and stopped by its own pid. Leases are
short (JOB_LEASE_SECONDS=6, JOB_SWEEP_SECONDS=2) so that a lost worker is noticed in seconds; each case
prints how long the system took to recover, for the lead to quote (`make faults` shows the output).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from django.db import connection

from crm.celery import app as celery_app
from tests.processes import database_url, free_port

from . import measure
from .servers import Postgres, Redis, SmtpSink
from .stack import ROOT, Stack, broker_for, declare_broker_queue, embedded_broker, use_broker


def pytest_configure(config: pytest.Config) -> None:
    measure._config[:] = [config]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if measure._said:
        terminalreporter.section("fault injection: measured recovery")
        for line in measure._said:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session", autouse=True)
def _release_broker_connections(django_db_setup: None) -> Iterator[None]:
    """Closes this process's broker connections before the test database is dropped: in the embedded
    default they are connections to that database."""
    yield
    if vars(celery_app).get("_pool") is not None:
        cast(Any, celery_app.pool).force_close_all()  # a kombu connection pool, whatever the stubs say
    from kombu.transport import sqlalchemy as kombu_sqlalchemy

    for engine, _ in kombu_sqlalchemy.Channel._engines.values():
        engine.dispose()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def stack(
    transactional_db: None, media: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Stack]:
    """A stack on the test database; its processes stop before the database is flushed."""
    url = database_url()
    running = Stack(database_url=url, broker_url=broker_for(url), workdir=tmp_path)
    use_broker(running.broker_url)
    if embedded_broker():
        # Messages a previous case left unanswered must not wake this case's jobs.
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('kombu_message') IS NOT NULL")
            if cursor.fetchone()[0]:
                cursor.execute("DELETE FROM kombu_message")
    yield running
    running.stop_all()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(port=free_port(), workdir=tmp_path)
    server.start()
    yield server
    server.kill()


MIGRATED = "faults_migrated"


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[Postgres]:
    """One cluster for the session, with a migrated database each case copies (CREATE ... TEMPLATE)."""
    root = Path(tempfile.mkdtemp(prefix="crm-faults-pg-"))
    root.chmod(0o755)
    server = Postgres(root=root)
    server.init()
    server.start()
    try:
        server.psql(f"CREATE DATABASE {MIGRATED}")
        env = Stack(server.url(MIGRATED), "", root).env() | {"CELERY_BROKER_URL": "redis://127.0.0.1:9/0"}
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if migrate.returncode != 0:
            pytest.fail(f"migrate failed on the throwaway cluster:\n{migrate.stdout}\n{migrate.stderr}")
        yield server
    finally:
        if server.running():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def own_database(own_postgres: Postgres, request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database of this case's own on the throwaway cluster; gives its URL."""
    name = "faults_" + request.node.name.split("[")[0][-40:].lower()
    own_postgres.psql(f"DROP DATABASE IF EXISTS {name}")
    own_postgres.psql(f"CREATE DATABASE {name} TEMPLATE {MIGRATED}")
    yield own_postgres.url(name)
    if own_postgres.running():
        own_postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(delay_s=0.02)
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
def own_stack(own_database: str, media: Path, tmp_path: Path) -> Iterator[Stack]:
    """A stack on a database of the throwaway cluster (its own SQLAlchemy broker in the embedded default)."""
    running = Stack(database_url=own_database, broker_url=broker_for(own_database), workdir=tmp_path)
    if running.broker_url.startswith("sqla+"):
        declare_broker_queue(running.broker_url)
    yield running
    running.stop_all()
