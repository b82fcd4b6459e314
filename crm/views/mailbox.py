"""Captured email, for admins running without an SMTP server (the file-based email backend)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.mailbox import captured_emails
from crm.views import AuthenticatedRequest

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@login_required
@require_GET
def mailbox(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.is_admin:
        raise Http404
    captures = settings.EMAIL_BACKEND == FILE_BACKEND
    directory = Path(settings.EMAIL_FILE_PATH) if captures else None
    context = {
        "captures": captures,
        "backend": settings.EMAIL_BACKEND,
        "directory": directory,
        "emails": captured_emails(directory) if directory is not None else [],
    }
    return render(request, "mailbox/index.html", context)
