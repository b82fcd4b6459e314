"""Logging filters wired in settings.LOGGING."""

import logging
from http import HTTPStatus

from django.http import HttpRequest
from django.utils.functional import LazyObject, empty


class OneLineClientErrors(logging.Filter):
    """A 4xx on `django.request` becomes one line, e.g. "Forbidden: /accounts/5/edit/ (user rep)".

    Django logs a view's PermissionDenied (and a malformed request body) with its traceback, which
    reads like a crash; a refusal is the product working. 5xx records keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if not isinstance(status, int) or not 400 <= status < 500 or not isinstance(request, HttpRequest):
            return True
        # Escaped as Django escapes it, so a crafted URL cannot forge a second log line.
        path = request.path.encode("unicode_escape").decode("ascii")
        record.msg = "%s: %s%s"
        record.args = (_phrase(status), path, _who(request))
        record.exc_info = None
        record.exc_text = None
        return True


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"


def _who(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    # Only a user the request already loaded: a log line must not query the session store.
    if user is None or (isinstance(user, LazyObject) and user._wrapped is empty):  # type: ignore[attr-defined]
        return ""
    if not user.is_authenticated:
        return " (anonymous)"
    return f" (user {user.get_username()})"
