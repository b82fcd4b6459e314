"""Token authentication with expiry, and the 429 of a locked-out sign-in at the token endpoint."""

from __future__ import annotations

import math
from datetime import timedelta

from rest_framework import authentication, exceptions, status
from rest_framework.authtoken.models import Token

from crm.models import User
from crm.people.security import lockout_message
from crm.people.tokens import api_token_is_expired


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's "Authorization: Token <key>", refusing a key past its expiry (API_TOKEN_TTL_DAYS)."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        user, token = super().authenticate_credentials(key)
        if api_token_is_expired(token):
            raise exceptions.AuthenticationFailed(
                "Token has expired; ask for a new one at /api/v1/auth/token/."
            )
        return user, token


class SignInLockedOut(exceptions.APIException):
    """Too many failed sign-ins for this username from this address (django-axes)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, wait: timedelta) -> None:
        super().__init__(lockout_message(wait))
        # DRF's exception handler sends it as the Retry-After header, as it does for its throttles.
        self.wait = math.ceil(wait.total_seconds())
