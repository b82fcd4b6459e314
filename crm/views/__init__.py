"""The HTML pages: each view parses input, calls a selector or a service, and renders."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from crm.models import User


class AuthenticatedRequest(HttpRequest):
    """What a login-required view receives (for the type checker): a real user, and HTMX details."""

    user: User
    htmx: HtmxDetails


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` URL of a form when it points back into this site, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = {request.get_host()}
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts=allowed, require_https=request.is_secure()):
        return candidate
    return default
