"""API tokens: one per user (DRF's authtoken), sent as "Authorization: Token <key>".

A token is issued at sign-in (POST /api/v1/auth/token/), expires API_TOKEN_TTL_DAYS after it was issued
(when that is set), and is revoked when the user's password changes, the user is deactivated
(crm.people.security) or an admin revokes it. The next sign-in after that issues a new key.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from crm.models import User


@dataclass(frozen=True)
class IssuedToken:
    key: str
    expires_at: datetime | None


def api_token_expires_at(token: Token) -> datetime | None:
    days: int = settings.API_TOKEN_TTL_DAYS
    return token.created + timedelta(days=days) if days else None


def api_token_is_expired(token: Token) -> bool:
    expires_at = api_token_expires_at(token)
    return expires_at is not None and expires_at <= timezone.now()


def api_token_issue(*, user: User) -> IssuedToken:
    """The user's token; a new one when they have none or theirs has expired. Asking again is harmless."""
    with transaction.atomic():
        # The user's row is the lock: two first sign-ins at once share one token instead of colliding.
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        token = Token.objects.filter(user=user).first()
        if token is not None and api_token_is_expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
    return IssuedToken(key=token.key, expires_at=api_token_expires_at(token))


def api_tokens_revoke(*, user_ids: Collection[int]) -> int:
    """Revokes the users' tokens: their keys stop working at once. Returns how many there were."""
    deleted, _ = Token.objects.filter(user_id__in=user_ids).delete()
    return deleted
