"""In-app notifications and the outbound email queue (each email sent once, never lost)."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from email.utils import make_msgid
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import DateTimeField, F, Func
from django.db.models.functions import Now
from django.utils import timezone

from crm.jobs.wakeups import on_commit_once
from crm.models import Notification, OutboundEmail, User

logger = logging.getLogger(__name__)

# Emails claimed at once and sent over one SMTP connection: few enough that a batch's claim and renewals
# stay quick statements, enough to spare a connection per email.
EMAIL_BATCH_SIZE = 20
# A claim its sender has not renewed for this long belongs to a sender that died: the next sweep (every
# EMAIL_SWEEP_SECONDS) claims its unsent emails again. A sender renews it after the message that ends a
# third of it (as a job's heartbeat does), and settings.EMAIL_TIMEOUT, well under it, keeps a hung SMTP
# server from holding one message longer.
EMAIL_CLAIM_LEASE = timedelta(seconds=30)
# After a failed send (the SMTP server refused or could not be reached), the batch's next try.
EMAIL_RETRY_DELAY = timedelta(minutes=10)
EMAIL_MAX_ATTEMPTS = 5


class _TransactionStart(Func):
    """When the transaction started, by the database's clock: one value in all its statements, so a claim
    written with it can be read back by it (Django's Now() is the statement's time)."""

    template = "CURRENT_TIMESTAMP"
    output_field = DateTimeField()


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
    """Claims the oldest unclaimed emails (or those whose sender stopped renewing its claim), by the
    database's clock: workers' clocks may differ. Every row of one claim has the same `claimed_at`."""
    with transaction.atomic():
        ids = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, attempts__lt=EMAIL_MAX_ATTEMPTS)
            .exclude(claimed_at__gt=Now() - EMAIL_CLAIM_LEASE)
            .order_by("created_at")
            .values_list("pk", flat=True)[:EMAIL_BATCH_SIZE]
        )
        OutboundEmail.objects.filter(pk__in=ids).update(claimed_at=_TransactionStart())
        return list(OutboundEmail.objects.filter(pk__in=ids).order_by("created_at"))


def emails_send_queued() -> int:
    """Sends every queued email; each is marked sent on its own, right after the SMTP server took it."""
    sent = 0
    while batch := _claim_email_batch():
        sent += _send_batch(batch)
    return sent


def _send_batch(batch: list[OutboundEmail]) -> int:
    """Sends a claimed batch, renewing the claim on its unsent rest while it goes, so a sender that dies
    leaves the rest to the next sweep one lease later, and only the message it was sending may go out
    twice (its stable Message-ID lets the recipient's server and client recognise it)."""
    held, claimed_at = batch, batch[0].claimed_at
    renewed = time.monotonic()
    sent = 0
    try:
        with get_connection() as connection:
            while held:
                _send_one(held[0], connection)
                sent += 1
                if time.monotonic() - renewed < EMAIL_CLAIM_LEASE.total_seconds() / 3:
                    _mark_sent(held[0])
                    held = held[1:]
                else:
                    held, claimed_at = _mark_sent_and_renew(held[0], rest=held[1:], claimed_at=claimed_at)
                    renewed = time.monotonic()
    except (SMTPException, OSError) as error:
        logger.warning("Sending queued email failed: %s", error)
        # Held until the retry is due: the claim then looks EMAIL_RETRY_DELAY old to the next sweeps.
        OutboundEmail.objects.filter(
            pk__in=[email.pk for email in held], claimed_at=claimed_at, sent_at__isnull=True
        ).update(
            attempts=F("attempts") + 1,
            last_error=str(error),
            claimed_at=Now() + (EMAIL_RETRY_DELAY - EMAIL_CLAIM_LEASE),
        )
    return sent


def _mark_sent_and_renew(
    email: OutboundEmail, *, rest: list[OutboundEmail], claimed_at: datetime | None
) -> tuple[list[OutboundEmail], datetime | None]:
    """Records `email` sent and renews the claim on `rest`; returns the part of `rest` still held (a
    sender that outlived its lease lost the rest to another) and the renewed claim's time."""
    with transaction.atomic():
        _mark_sent(email)
        if not rest:
            return [], claimed_at
        OutboundEmail.objects.filter(
            pk__in=[e.pk for e in rest], claimed_at=claimed_at, sent_at__isnull=True
        ).update(claimed_at=_TransactionStart())
        renewed = dict(
            OutboundEmail.objects.filter(
                pk__in=[e.pk for e in rest], claimed_at=_TransactionStart()
            ).values_list("pk", "claimed_at")
        )
    still_held = [e for e in rest if e.pk in renewed]
    return still_held, (renewed[still_held[0].pk] if still_held else None)


def _mark_sent(email: OutboundEmail) -> None:
    OutboundEmail.objects.filter(pk=email.pk).update(sent_at=Now(), attempts=F("attempts") + 1)


def _send_one(email: OutboundEmail, connection: BaseEmailBackend) -> None:
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        to=[email.to],
        headers={"Message-ID": email.message_id},
        connection=connection,
    )
    message.send()
