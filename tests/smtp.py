"""A real SMTP server (aiosmtpd) on a loopback port, with Django's settings pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller

from tests.processes import free_port


@contextmanager
def smtp_server(handler: Any, settings: Any) -> Iterator[int]:
    """Serves SMTP with `handler` (aiosmtpd's handler protocol) and sends Django's mail to it; gives the
    port, for processes of their own to send to."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield controller.port
    finally:
        controller.stop()
