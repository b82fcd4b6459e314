"""The broker lost, PostgreSQL stopped, two beats, and Ctrl-C of `make run`, each in the middle of an
import: the import still ends done with exactly its rows, by itself, soon after the fault clears."""

from __future__ import annotations

import fcntl
import re
import signal
import sys
import time

import pytest
from django.db import connection

from crm.imports.running import CHUNK_ROWS
from crm.models import JobStatus, Role, User
from leads.models import ImportStatus
from tests.factories import UserFactory
from tests.processes import free_port

from .imports import assert_imported_whole, confirm_import, confirm_remote_import, remote_done, wait_for_job
from .measure import FINISH_LIMIT_S, RESUME_WAIT_S, expect_recovery, report, say, wait_until
from .servers import Postgres, Redis
from .stack import ROOT, SWEEP_S, Child, Stack, embedded_broker, use_broker

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ROWS = 5_000
BROKER_DOWN_S = 10
POSTGRES_DOWN_S = 20


@pytest.fixture
def admin() -> User:
    return UserFactory(username="faults-admin", role=Role.ADMIN, is_staff=True)


def test_d_an_import_confirmed_while_the_broker_is_down_runs_once_it_is_back(
    stack: Stack, admin: User, request: pytest.FixtureRequest
) -> None:
    redis: Redis | None = None
    if not embedded_broker():
        # Our own Redis without persistence: stopping it loses every queued message.
        redis = request.getfixturevalue("own_redis")
        stack.broker_url = redis.url
        use_broker(redis.url)
    stack.beat()
    worker = stack.worker()
    first = confirm_import(admin, ROWS, prefix="first")
    assert first.job_id is not None
    wait_for_job(
        "the first import is under way",
        first.job_id,
        lambda j: j.done >= 2 * CHUNK_ROWS,
        seconds=120,
        stack=stack,
    )

    if redis is not None:
        redis.kill()
    else:
        # The embedded broker is the database itself: its outage is case e. Here the worker is cut off
        # and every message it had not taken yet is lost, as a broker without persistence loses them.
        worker.kill_hard()
        _drop_broker_messages()
    down = time.monotonic()
    second = confirm_import(admin, ROWS, prefix="second")  # the request succeeds all the same
    confirm_s = time.monotonic() - down
    assert second.status == ImportStatus.QUEUED
    assert second.job_id is not None
    if redis is None:
        _drop_broker_messages()
    time.sleep(max(0.0, BROKER_DOWN_S - (time.monotonic() - down)))

    cleared = time.monotonic()
    if redis is not None:
        redis.start()
    else:
        stack.worker()
    started = wait_for_job(
        "the import confirmed during the outage starts",
        second.job_id,
        lambda j: j.done > 0 or j.status == JobStatus.DONE,
        seconds=RESUME_WAIT_S,
        stack=stack,
    )
    for lead_import in (first, second):
        assert lead_import.job_id is not None
        wait_for_job(
            "both imports are done",
            lead_import.job_id,
            lambda j: j.status == JobStatus.DONE,
            seconds=FINISH_LIMIT_S,
            stack=stack,
        )
    report(
        "d. broker lost mid-job" + (" (Redis stopped)" if redis else " (messages deleted, worker killed)"),
        confirm_during_outage=confirm_s,
        second_import_started_after_broker_back=started,
        both_done_after_broker_back=time.monotonic() - cleared,
    )
    assert_imported_whole(first, ROWS, prefix="first")
    assert_imported_whole(second, ROWS, prefix="second")
    expect_recovery("d. broker lost mid-job", started)


def _drop_broker_messages() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kombu_message")


def test_e_postgres_stopped_for_20_s_mid_import_the_import_ends_done_with_every_row_once(
    own_postgres: Postgres, own_stack: Stack
) -> None:
    own_stack.beat()
    own_stack.worker()
    job = confirm_remote_import(own_stack, ROWS)
    wait_until("the import is under way", lambda: remote_done(job) >= 2 * CHUNK_ROWS, seconds=120)

    own_postgres.stop()
    time.sleep(POSTGRES_DOWN_S)
    own_postgres.start()
    cleared = time.monotonic()
    stopped_at = remote_done(job)

    try:
        resumed = wait_until(
            "the import moves again",
            lambda: job.job().get("status") == "done" or remote_done(job) > stopped_at,
            seconds=RESUME_WAIT_S,
            poll=0.5,
        )
        wait_until(
            "the import is done", lambda: job.job().get("status") == "done", seconds=FINISH_LIMIT_S, poll=0.5
        )
    except pytest.fail.Exception as failure:
        raise pytest.fail.Exception(f"{failure}\nJob: {job.job()}\n{own_stack.logs()}") from None
    report(
        "e. PostgreSQL stopped 20 s mid-import",
        moving_again_after_restart=resumed,
        done_after_restart=time.monotonic() - cleared,
    )
    assert job.leads() == (ROWS, ROWS)
    assert job.import_status() == (ImportStatus.DONE, ROWS)
    assert (job.job()["done"], job.job()["total"]) == (ROWS, ROWS)
    expect_recovery("e. PostgreSQL stopped mid-import", resumed)


BEATS_WATCHED_S = 12


def test_f_of_two_beats_only_one_sends_the_schedule(stack: Stack) -> None:
    # The worker first, so that no sweep waits in the queue from before the window.
    worker = stack.worker()
    beats = stack.beat(), stack.beat()
    before = [_sweeps_sent(beat) for beat in beats], _sweeps_received(worker)
    time.sleep(BEATS_WATCHED_S)
    sent = [_sweeps_sent(beat) - earlier for beat, earlier in zip(beats, before[0], strict=True)]
    received = _sweeps_received(worker) - before[1]

    say(
        f"[faults] f. two beats for {BEATS_WATCHED_S} s: sweeps sent per beat {sent}, "
        f"run by the worker {received}"
    )
    periods = BEATS_WATCHED_S // SWEEP_S
    assert sorted(sent)[0] == 0, sent
    assert periods - 1 <= sorted(sent)[1] <= periods + 1, sent
    # The sweep's effect is not doubled: the worker ran what the one beat sent, give or take the one
    # in flight at the window's edges.
    assert received <= sum(sent) + 1, (received, sent)


def _sweeps_sent(beat: Child) -> int:
    return len(re.findall(r"Sending due task sweep-jobs", beat.output()))


def _sweeps_received(worker: Child) -> int:
    return len(re.findall(r"crm\.jobs\.sweep\[[^]]+\] received", worker.output()))


SERVE_READY = "The CRM is running at"


def test_g_ctrl_c_of_make_run_mid_import_releases_the_job_and_the_next_start_finishes_it(
    own_stack: Stack,
) -> None:
    _skip_if_make_run_is_running()
    own_stack.extra_env["DEBUG"] = "true"  # no collectstatic: the case is about the worker, not the files
    port = free_port()
    serve_argv = [sys.executable, "manage.py", "serve", "--port", str(port), "--no-seed"]
    serve = own_stack.spawn("serve", serve_argv)
    own_stack.wait_for_line(serve, SERVE_READY, seconds=120)
    job = confirm_remote_import(own_stack, ROWS)
    wait_until("the import is under way", lambda: remote_done(job) >= 2 * CHUNK_ROWS, seconds=120)

    serve.popen.send_signal(signal.SIGINT)
    serve.popen.wait(timeout=60)
    stopped = job.job()
    count, distinct = job.leads()
    say(f"[faults] g. the job after Ctrl-C: {stopped}")
    # Released to the queue at a checkpoint (or, had the worker been killed, running until its lease
    # lapses); either way only whole chunks were written.
    assert stopped["status"] in ("queued", "running"), stopped
    assert count == distinct == stopped["done"], (count, stopped)
    assert count % CHUNK_ROWS == 0, (count, stopped)
    assert count < ROWS, "the import finished before Ctrl-C; nothing was tested"

    restarted = time.monotonic()
    serve = own_stack.spawn("serve", serve_argv)
    own_stack.wait_for_line(serve, SERVE_READY, seconds=120)
    ready_s = time.monotonic() - restarted
    try:
        resumed = wait_until(
            "the import moves again after the restart",
            lambda: job.job().get("status") == "done" or remote_done(job) > stopped["done"],
            seconds=RESUME_WAIT_S,
            poll=0.5,
        )
        wait_until(
            "the import is done", lambda: job.job().get("status") == "done", seconds=FINISH_LIMIT_S, poll=0.5
        )
    except pytest.fail.Exception as failure:
        raise pytest.fail.Exception(f"{failure}\nJob: {job.job()}\n{own_stack.logs()}") from None
    report(
        "g. Ctrl-C of make run mid-import",
        serve_answering_after_restart=ready_s,
        moving_again_after_it_answers=resumed,
        done_after_restart=time.monotonic() - restarted,
    )
    assert job.leads() == (ROWS, ROWS)
    assert job.import_status() == (ImportStatus.DONE, ROWS)
    serve.stop(signal.SIGINT, timeout=40)
    # serve migrates and starts three servers before the worker can take the job: the fault clears
    # when it answers, so recovery counts from then.
    expect_recovery("g. Ctrl-C of make run mid-import", resumed)


def _skip_if_make_run_is_running() -> None:
    """serve allows one run per checkout (.data/serve.lock); a developer's `make run` holds it."""
    lock = ROOT / ".data" / "serve.lock"
    if not lock.exists():
        return
    with lock.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pytest.skip("A `make run` is running in this checkout (it holds .data/serve.lock)")
        fcntl.flock(file, fcntl.LOCK_UN)
