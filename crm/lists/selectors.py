"""The reads of the list machinery: a user's own saved views of a list."""

from __future__ import annotations

from crm.models import SavedView, User


def saved_views(*, user: User, list_key: str) -> list[SavedView]:
    return list(SavedView.objects.filter(user=user, list=list_key).order_by("name"))
