"""A worker killed with kill -9 in the middle of an import, a rescore and a batch of emails: after a
restart the work finishes whole, nothing twice, and an email is sent at most twice per kill."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.db.models import Count

from crm.imports.running import CHUNK_ROWS
from crm.models import JobStatus, OutboundEmail, Role, User
from crm.timeline.notifications import email_queue
from leads.models import Lead, RuleKind, ScoringRule
from leads.scoring.services import rescore_start
from tests.factories import UserFactory

from .imports import assert_imported_whole, confirm_import, job_fields, job_row, wait_for_job
from .measure import FINISH_LIMIT_S, RECOVERY_LIMIT_S, RESUME_WAIT_S, expect_recovery, report, say, wait_until
from .servers import SmtpSink
from .stack import Stack

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

# 10,000 rows (ten chunks) to import, 20,000 leads to rescore: enough to kill mid-job, small enough
# for the whole suite to stay within a few minutes on 2 cores.
IMPORT_ROWS = 10_000
RESCORE_LEADS = 20_000
# The worker's pool: each process may be a sender when it is killed.
CONCURRENCY = 2


@pytest.fixture
def admin() -> User:
    return UserFactory(username="faults-admin", role=Role.ADMIN, is_staff=True)


def test_a_worker_killed_mid_import_resumes_after_a_restart_and_imports_every_row_once(
    stack: Stack, admin: User
) -> None:
    stack.beat()
    worker = stack.worker()
    lead_import = confirm_import(admin, IMPORT_ROWS)
    job_id = lead_import.job_id
    assert job_id is not None

    wait_for_job(
        "the import is under way", job_id, lambda j: j.done >= 3 * CHUNK_ROWS, seconds=120, stack=stack
    )
    worker.kill_hard()
    killed = job_row(job_id)
    assert killed.status == JobStatus.RUNNING, job_fields(killed)
    assert killed.done < IMPORT_ROWS, job_fields(killed)
    # Whole chunks only: the chunk in flight rolled back with the dead worker's connection.
    assert Lead.objects.count() == killed.done, job_fields(killed)
    assert killed.done % CHUNK_ROWS == 0, job_fields(killed)

    restarted = time.monotonic()
    stack.worker()
    resumed = wait_for_job(
        "the import resumes on the new worker",
        job_id,
        lambda j: j.attempts > killed.attempts and j.done > killed.done,
        seconds=RESUME_WAIT_S,
        stack=stack,
    )
    wait_for_job(
        "the import is done",
        job_id,
        lambda j: j.status == JobStatus.DONE,
        seconds=FINISH_LIMIT_S,
        stack=stack,
    )
    report(
        "a. kill -9 mid-import",
        resumed_after_restart=resumed,
        done_after_restart=time.monotonic() - restarted,
    )
    assert_imported_whole(lead_import, IMPORT_ROWS)
    expect_recovery("a. kill -9 mid-import", resumed)


def seed_leads(count: int) -> None:
    Lead.objects.bulk_create(
        (
            Lead(
                first_name=f"Ann{i}",
                last_name=f"Lee{i}",
                email=f"seed{i}@faults.example",
                email_normalized=f"seed{i}@faults.example",
                company=f"Company {i % 500}",
                employee_count=i % 1000,
            )
            for i in range(count)
        ),
        batch_size=2000,
    )


def test_b_worker_killed_mid_rescore_resumes_after_a_restart_and_scores_every_lead_once(
    stack: Stack, admin: User
) -> None:
    seed_leads(RESCORE_LEADS)
    for points in (5, 7, 11):
        ScoringRule.objects.create(
            name=f"Big {points}",
            kind=RuleKind.ATTRIBUTE,
            field="employee_count",
            operator="gte",
            value="500",
            points=points,
        )
    stack.beat()
    worker = stack.worker(concurrency=CONCURRENCY)
    job_id: int = rescore_start(actor=admin).pk

    wait_for_job(
        "the rescore committed a chunk", job_id, lambda j: j.done > 0, seconds=120, poll=0.05, stack=stack
    )
    worker.kill_hard()
    killed = job_row(job_id)
    assert killed.status == JobStatus.RUNNING, job_fields(killed)
    assert 0 < killed.done < RESCORE_LEADS, job_fields(killed)

    restarted = time.monotonic()
    stack.worker()
    resumed = wait_for_job(
        "the rescore resumes on the new worker",
        job_id,
        lambda j: j.attempts > killed.attempts and (j.done > killed.done or j.status == JobStatus.DONE),
        seconds=RESUME_WAIT_S,
        stack=stack,
    )
    wait_for_job(
        "the rescore is done",
        job_id,
        lambda j: j.status == JobStatus.DONE,
        seconds=FINISH_LIMIT_S,
        stack=stack,
    )
    report(
        "b. kill -9 mid-rescore",
        resumed_after_restart=resumed,
        done_after_restart=time.monotonic() - restarted,
    )
    job = job_row(job_id)
    assert (job.done, job.total) == (RESCORE_LEADS, RESCORE_LEADS), job_fields(job)
    # Every lead has each rule's points once: 23 for the big ones, none for the others.
    scores = dict(Lead.objects.values_list("score").annotate(n=Count("id")))
    assert scores == {23: RESCORE_LEADS // 2, 0: RESCORE_LEADS // 2}
    expect_recovery("b. kill -9 mid-rescore", resumed)


EMAILS = 200


def test_c_worker_killed_mid_send_sends_every_email_with_at_most_one_duplicate_per_sender(
    stack: Stack, smtp_sink: SmtpSink
) -> None:
    stack.extra_env["EMAIL_URL"] = smtp_sink.url
    stack.beat()
    worker = stack.worker(concurrency=CONCURRENCY)
    with transaction.atomic():
        for number in range(EMAILS):
            email_queue(to=f"reader{number}@faults.example", subject=f"Fault {number}", body="Hello")

    wait_until(
        "the worker sent a quarter of the emails",
        lambda: smtp_sink.total() >= EMAILS // 4,
        seconds=60,
        poll=0.02,
    )
    worker.kill_hard()
    unsent = OutboundEmail.objects.filter(sent_at__isnull=True).count()
    assert 0 < unsent < EMAILS, f"{smtp_sink.total()} received, {unsent} unsent at the kill"

    stack.worker()
    recovered = wait_until(
        "every email was received",
        lambda: set(smtp_sink.received) >= set(OutboundEmail.objects.values_list("message_id", flat=True)),
        seconds=RECOVERY_LIMIT_S,
    )
    wait_until(
        "every email is marked sent",
        lambda: not OutboundEmail.objects.filter(sent_at__isnull=True).exists(),
        seconds=30,
    )
    duplicates = sum(count - 1 for count in smtp_sink.received.values())
    report("c. kill -9 mid-send", all_received_after_restart=recovered)
    say(f"[faults] c. duplicate emails: {duplicates} for 1 kill of {CONCURRENCY} pool processes")
    assert len(smtp_sink.received) == EMAILS
    assert max(smtp_sink.received.values()) <= 2
    # The kill crashes every pool process, and each may have been sending (the wake-up's task and a
    # beat's): at most the one message each had in flight is sent again.
    assert duplicates <= CONCURRENCY
