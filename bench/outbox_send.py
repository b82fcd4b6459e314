"""The outbox: queued emails sent through a real SMTP server (aiosmtpd on loopback) by the sender a
worker runs, in messages per second."""

from __future__ import annotations

import socket
import time

from aiosmtpd.controller import Controller
from django.db import transaction
from django.test import override_settings

from bench.background import Outcome, background, held_tasks
from bench.scales import Scale
from crm.timeline.notifications import email_queue, emails_send_queued

# Whatever the scale: the sender's pace does not depend on how many other rows there are.
EMAILS = 2_000


class _Sink:
    """Accepts every message, as fast as aiosmtpd can."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802  (aiosmtpd's name)
        self.received += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@background("outbox-send", description="Send 2,000 queued emails through a local SMTP server (aiosmtpd)")
def outbox_send(scale: Scale) -> Outcome:
    count = EMAILS
    with held_tasks("crm.tasks.send_queued_emails"), transaction.atomic():
        for number in range(count):
            email_queue(to=f"reader{number}@bench.example", subject=f"Bench {number}", body="Hello " * 40)
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": controller.port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
    }
    try:
        with override_settings(**smtp):
            began = time.perf_counter()
            sent = emails_send_queued()
            seconds = time.perf_counter() - began
    finally:
        controller.stop()
    return Outcome(rows=sent, seconds=seconds, details={"received": sink.received})
