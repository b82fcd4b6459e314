"""In-app notifications and the outbound email queue (each email sent once, never lost)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import make_msgid
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from crm.jobs.wakeups import on_commit_once
from crm.models import Notification, OutboundEmail, User

logger = logging.getLogger(__name__)

# Small batches over one SMTP connection: a crash re-sends at most the one message in flight.
EMAIL_BATCH_SIZE = 20
# A claim older than this belongs to a worker that died; its unsent messages are claimed again.
EMAIL_CLAIM_LEASE = timedelta(minutes=10)
EMAIL_MAX_ATTEMPTS = 5


def notification_send(
    *,
    recipient: User,
    kind: str,
    message: str,
    url: str = "",
    task_id: int | None = None,
    due_at: datetime | None = None,
) -> Notification:
    """`due_at` is a moment the message speaks of: never write it into `message`, since the page shows
    it in the reader's time zone."""
    return Notification.objects.create(
        recipient=recipient, kind=kind, message=message, url=url, task_id=task_id, due_at=due_at
    )


def notifications_mark_read(*, actor: User, notification_ids: list[int] | None = None) -> int:
    """Marks the actor's own notifications read (all unread ones when no ids are given)."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def email_queue(*, to: str, subject: str, body: str) -> OutboundEmail:
    """Queues an email in the caller's transaction; a worker sends it after commit."""
    from crm.timeline.tasks import send_queued_emails

    email = OutboundEmail.objects.create(
        to=to, subject=subject, body=body, message_id=make_msgid(domain=settings.EMAIL_MESSAGE_ID_DOMAIN)
    )
    # One wake-up per transaction, however many emails it queued (a reminder sweep queues hundreds).
    on_commit_once(send_queued_emails.delay)
    return email


def _claim_email_batch() -> list[OutboundEmail]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, attempts__lt=EMAIL_MAX_ATTEMPTS)
            .exclude(claimed_at__gt=now - EMAIL_CLAIM_LEASE)
            .order_by("created_at")
            .values_list("pk", flat=True)[:EMAIL_BATCH_SIZE]
        )
        OutboundEmail.objects.filter(pk__in=ids).update(claimed_at=now)
    return list(OutboundEmail.objects.filter(pk__in=ids).order_by("created_at"))


def emails_send_queued() -> int:
    """Sends every queued email; each is marked sent on its own, right after the SMTP server took it."""
    sent = 0
    while batch := _claim_email_batch():
        try:
            with get_connection() as connection:
                for email in batch:
                    _send_one(email, connection)
                    sent += 1
        except (SMTPException, OSError) as error:
            # The claim's lease keeps the unsent rest of the batch from being retried until it expires.
            logger.warning("Sending queued email failed: %s", error)
            OutboundEmail.objects.filter(pk__in=[e.pk for e in batch], sent_at__isnull=True).update(
                attempts=F("attempts") + 1, last_error=str(error)
            )
    return sent


def _send_one(email: OutboundEmail, connection: BaseEmailBackend) -> None:
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        to=[email.to],
        headers={"Message-ID": email.message_id},
        connection=connection,
    )
    message.send()
    OutboundEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
