"""What every API view shares: the signed-in user, the record id in the URL, and the documented 404 and
403 answers."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from crm.models import User

NOT_FOUND = OpenApiResponse(description="No such record, or you may not see it.")
FORBIDDEN = OpenApiResponse(description="You may see this record but not change it.")
ADMINS_ONLY = OpenApiResponse(description="Only admins may do this.")
REFUSED = OpenApiResponse(description="A value or a rule refuses it; the body names the field and says why.")
STALE_ORDER = OpenApiResponse(description="The list changed since it was read; read it again and retry.")


def actor(request: Request) -> User:
    """The signed-in user; every view requires authentication (REST_FRAMEWORK permission defaults)."""
    return cast(User, request.user)


def record_id(value: str) -> int:
    """The id in the URL; one that is not a number names no record (a JSON 404, not a 500)."""
    try:
        return int(value)
    except ValueError:
        raise NotFound from None
