"""Reads of leads, already scoped by the access policy."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from crm import access
from crm.models import User

from .models import Lead, SavedView


def lead_list(*, user: User) -> QuerySet[Lead]:
    return access.visible(user, Lead.objects.select_related("owner", "team"))


def lead_get(*, user: User, pk: int) -> Lead:
    lead = lead_list(user=user).select_related("owner__team").filter(pk=pk).first()
    if lead is None:
        raise Http404
    return lead


def saved_views(*, user: User) -> list[SavedView]:
    return list(SavedView.objects.filter(user=user).order_by("name"))
