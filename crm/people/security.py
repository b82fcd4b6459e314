"""Limits on guessing passwords and flooding the sign-in pages.

- django-axes counts failed sign-ins (settings AXES_*): past the limit, a username is locked out from
  the client's address, and `lockout_response` shows the login page's card saying how long to wait.
  The API token endpoint answers the same lockout with a 429 (crm.people.authentication.SignInLockedOut).
- Password reset requests are counted per client address and per email address with DRF's throttles,
  on the same shared cache as the API's throttles.
- A new password or a deactivation revokes the user's API tokens, whatever changed it (the password
  pages, a reset link, the admin, a management command), as Django's sessions end with the password.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from axes.helpers import get_cool_off
from axes.utils import reset as axes_reset
from django.db.models.signals import pre_save
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from crm.models import User
from crm.people.tokens import api_tokens_revoke

if TYPE_CHECKING:
    # Not at run time: DRF's views import the API's authentication classes, which import this module.
    from rest_framework.views import APIView

DISPATCH_UID = "crm.security.revoke_credentials_on_user_change"


def client_ip(request: HttpRequest | Request) -> str | None:
    """The client's address as DRF's throttles read it (NUM_PROXIES), so axes and DRF count the same one."""
    return cast(str | None, BaseThrottle().get_ident(cast(Request, request)))


def wait_words(seconds: float) -> str:
    """'15 minutes', '1 minute', '40 seconds', '2 hours': rounded up, so nobody is told to come back early."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return ngettext("%(count)d second", "%(count)d seconds", whole) % {"count": whole}
    minutes = math.ceil(whole / 60)
    if minutes < 120:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def lockout_wait(request: HttpRequest | Request) -> timedelta:
    """How long a locked-out client waits: the whole cool-off, which each attempt while locked restarts."""
    cool_off = get_cool_off(request)
    return cool_off if cool_off is not None else timedelta(0)


def lockout_message(wait: timedelta) -> str:
    return f"Too many failed sign-ins. Try again in {wait_words(wait.total_seconds())}."


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page's card with the wait, for /auth/login/ and /admin/login/."""
    wait = lockout_wait(request)
    response = render(request, "registration/locked_out.html", {"message": lockout_message(wait)}, status=429)
    response["Retry-After"] = str(math.ceil(wait.total_seconds()))
    return response


class PasswordResetClientThrottle(SimpleRateThrottle):
    """Reset requests from one client address (rate "password_reset_ip")."""

    scope = "password_reset_ip"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PasswordResetAddressThrottle(SimpleRateThrottle):
    """Reset requests for one email address, from anywhere (rate "password_reset_email")."""

    scope = "password_reset_email"

    def __init__(self, email: str) -> None:
        super().__init__()
        self.email = email

    def get_cache_key(self, request: Request, view: Any) -> str:
        # Hashed: the cache (a database table in embedded mode) need not list who asked.
        digest = hashlib.sha256(self.email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


def password_reset_wait(request: HttpRequest, *, email: str) -> float | None:
    """Counts one reset request; None when it may go ahead, else the seconds to wait.

    The same work whether or not an account has the address, so the answer tells nothing about it.
    """
    drf_request, no_view = cast(Request, request), cast("APIView", None)  # the keys read neither's DRF parts
    waits = [
        throttle.wait() or 0.0
        for throttle in (PasswordResetClientThrottle(), PasswordResetAddressThrottle(email))
        if not throttle.allow_request(drf_request, no_view)
    ]
    return max(waits) if waits else None


def _on_user_saving(sender: type[User], instance: User, raw: bool, update_fields: Any, **kwargs: Any) -> None:
    if raw or instance._state.adding:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login on every sign-in
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    new_password = before["password"] != instance.password
    if new_password or (before["is_active"] and not instance.is_active):
        api_tokens_revoke(user_ids=[instance.pk])
    if new_password:
        # Whoever set it proved they may (the old password, a reset link, an admin): the lockout ends.
        axes_reset(username=instance.get_username())


def connect() -> None:
    """Connects the receiver; calling it again changes nothing (the dispatch_uid is the same)."""
    pre_save.connect(_on_user_saving, sender=User, dispatch_uid=DISPATCH_UID)
