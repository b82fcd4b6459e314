"""The email outbox against a real SMTP server (aiosmtpd) on this machine."""

from collections.abc import Iterator
from functools import partial

import pytest
from aiosmtpd.handlers import Message
from django.db import transaction

from crm.models import OutboundEmail
from crm.timeline.notifications import email_queue, emails_send_queued
from crm.timeline.tasks import send_queued_emails
from tests.processes import free_port
from tests.smtp import smtp_server


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_inbox(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    with smtp_server(inbox, settings):
        yield inbox


@pytest.mark.django_db
def test_queued_emails_reach_the_smtp_server_once_with_their_message_id(smtp_inbox):
    queued = [email_queue(to=f"person{i}@example.com", subject=f"Hello {i}", body="Hi") for i in range(3)]

    assert emails_send_queued() == 3
    assert emails_send_queued() == 0

    assert sorted(m["Message-ID"] for m in smtp_inbox.messages) == sorted(e.message_id for e in queued)
    assert not OutboundEmail.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_an_unreachable_smtp_server_keeps_the_email_queued_with_the_error(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    email = email_queue(to="person@example.com", subject="Hello", body="Hi")

    assert emails_send_queued() == 0

    email.refresh_from_db()
    assert email.sent_at is None
    assert email.attempts == 1
    assert email.last_error


@pytest.mark.django_db
def test_a_transaction_queueing_many_emails_wakes_the_sender_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for i in range(5):
            email_queue(to=f"person{i}@example.com", subject="Hello", body="Hi")

    wakeups = [c for c in callbacks if isinstance(c, partial) and c.args[:1] == (send_queued_emails.delay,)]
    assert len(wakeups) == 1
