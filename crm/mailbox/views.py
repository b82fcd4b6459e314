"""Captured email, for admins running without an SMTP server (the file-based email backend)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.mailbox.selectors import captured_emails
from crm.web.views import AuthenticatedRequest, admin_only

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@admin_only
@require_GET
def mailbox(request: AuthenticatedRequest) -> HttpResponse:
    captures = settings.EMAIL_BACKEND == FILE_BACKEND
    directory = Path(settings.EMAIL_FILE_PATH) if captures else None
    context = {
        "captures": captures,
        "backend": settings.EMAIL_BACKEND,
        "directory": directory,
        "emails": captured_emails(directory) if directory is not None else [],
    }
    return render(request, "mailbox/index.html", context)
