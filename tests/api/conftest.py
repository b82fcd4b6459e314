"""API clients signed in as a given user, the way a browser session or a script would be."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from crm.models import User


@pytest.fixture
def api_as() -> Callable[[User], APIClient]:
    """A client with a real session per user: each request loads the user afresh, as in production.

    (force_authenticate would reuse one User object across requests, hiding per-request queries.)
    """

    def sign_in(user: User) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return sign_in
