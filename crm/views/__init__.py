"""The HTML pages: each view parses input, calls a selector or a service, and renders."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
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


View = Callable[..., HttpResponse]


def admin_only(view: View) -> View:
    """Signed-in admins only; to anyone else the page does not exist (404, as for others' records)."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
