"""The outbox's claim leases against a real SMTP server (aiosmtpd) and real sender processes.

A sender claims a batch and renews the claim on its unsent rest after each message. One that dies leaves
the rest to the next sweep once the lease runs out, with their Message-IDs; one that is alive keeps them,
however long the batch takes.
"""

import asyncio
import email
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db.models import F
from django.utils import timezone

from crm.models import OutboundEmail
from crm.timeline import notifications
from crm.timeline.notifications import EMAIL_CLAIM_LEASE, emails_send_queued
from tests.processes import database_url
from tests.smtp import smtp_server

ROOT = Path(__file__).resolve().parents[2]
STALL_ADDRESS = "stall@example.com"

# A sender process: the test settings with SMTP instead of their in-memory backend, and optionally a
# shorter lease (argv[2], seconds), so a test can outlast it without waiting half a minute.
SENDER_SCRIPT = """
import sys
from datetime import timedelta
import django
django.setup()
from django.conf import settings
settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", int(sys.argv[1])
settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
from crm.timeline import notifications
if len(sys.argv) > 2:
    notifications.EMAIL_CLAIM_LEASE = timedelta(seconds=float(sys.argv[2]))
print("sent", notifications.emails_send_queued(), flush=True)
"""


class SlowInbox:
    """An SMTP server that takes `delay` seconds per message and holds the first one to STALL_ADDRESS
    until released; that one it then refuses, as if its sender's crash had cut it off."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []
        self.delay = 0.0
        self.stalled = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if STALL_ADDRESS in envelope.rcpt_tos and not self.stalled.is_set():  # type: ignore[attr-defined]
            self.stalled.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "421 Closing the connection"
        await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content)  # type: ignore[attr-defined]
        self.message_ids.append(str(message["Message-ID"]))
        return "250 OK"


@pytest.fixture
def smtp_inbox(settings) -> Iterator[SlowInbox]:
    inbox = SlowInbox()
    with smtp_server(inbox, settings):
        try:
            yield inbox
        finally:
            inbox.released.set()  # else the server waits on the stalled message as it stops


def _start_sender(inbox_port: int, lease_seconds: float | None = None) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": str(django_settings.CELERY_BROKER_URL),
    }
    lease = [] if lease_seconds is None else [str(lease_seconds)]
    return subprocess.Popen(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", SENDER_SCRIPT, str(inbox_port), *lease],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _queued(*addresses: str) -> list[OutboundEmail]:
    # Rows as email_queue writes them, without its wake-up: the test decides who sends them, and when.
    start = timezone.now()
    return [
        OutboundEmail.objects.create(
            to=address,
            subject=f"Hello {i}",
            body="Hi",
            message_id=make_msgid(domain="crm.localhost"),
            created_at=start + timedelta(milliseconds=i),
        )
        for i, address in enumerate(addresses)
    ]


def _wait_until(condition, process: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The sender did not get there:\n{process.communicate()[0]}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_batch_leaves_the_rest_to_the_next_sweep_with_the_same_message_ids(smtp_inbox):
    first, in_flight, last = _queued("first@example.com", STALL_ADDRESS, "last@example.com")
    sender = _start_sender(django_settings.EMAIL_PORT)
    _wait_until(smtp_inbox.stalled.is_set, sender)

    sender.kill()
    sender.wait(timeout=10)
    smtp_inbox.released.set()

    # Until the dead sender's lease runs out, a sweep leaves its claim alone.
    assert emails_send_queued() == 0
    OutboundEmail.objects.filter(sent_at__isnull=True).update(claimed_at=F("claimed_at") - EMAIL_CLAIM_LEASE)

    assert emails_send_queued() == 2

    assert Counter(smtp_inbox.message_ids) == Counter(
        [first.message_id, in_flight.message_id, last.message_id]
    )
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_live_sender_keeps_its_batch_past_the_lease_and_concurrent_sweeps_send_nothing_twice(
    smtp_inbox, monkeypatch
):
    lease = 1.5
    smtp_inbox.delay = 0.5  # five messages take 2.5 s, well past one lease: only renewals keep the claim
    monkeypatch.setattr(notifications, "EMAIL_CLAIM_LEASE", timedelta(seconds=lease))
    queued = _queued(*(f"person{i}@example.com" for i in range(5)))
    sender = _start_sender(django_settings.EMAIL_PORT, lease_seconds=lease)
    _wait_until(lambda: smtp_inbox.message_ids, sender)

    swept = 0
    while sender.poll() is None:
        swept += emails_send_queued()
        time.sleep(0.1)

    assert sender.returncode == 0, sender.communicate()[0]
    assert swept == 0
    assert sorted(smtp_inbox.message_ids) == sorted(e.message_id for e in queued)
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_hung_smtp_server_gives_the_email_back_within_the_timeout_to_retry_later(settings):
    assert EMAIL_CLAIM_LEASE.total_seconds() > settings.EMAIL_TIMEOUT
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 1
    with socket.socket() as hung:  # accepts connections (the kernel's backlog) and never says a word
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", hung.getsockname()[1]
        (waiting,) = _queued("person@example.com")

        started = time.monotonic()
        assert emails_send_queued() == 0
        assert time.monotonic() - started < 5

        # The next sweeps leave it for the retry delay rather than retrying it every few seconds.
        assert emails_send_queued() == 0

    waiting.refresh_from_db()
    assert waiting.sent_at is None
    assert waiting.attempts == 1
    assert "timed out" in waiting.last_error
