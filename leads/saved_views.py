"""The lead list's built-in views, which every user has beside the ones they save by name
(crm.lists.saved_views)."""

from __future__ import annotations

from crm.lists.saved_views import ListView
from crm.models import User

from .models import LeadSettings
from .rules import works_leads


def builtin_views(user: User) -> list[ListView]:
    views = [ListView("All leads", "")]
    if works_leads(user):
        views.append(ListView("My new leads", f"owner={user.pk}&status=new"))
    hot = f"score_min={LeadSettings.current().sales_ready_score}&ordering=-score"  # the sales-ready ones
    views += [ListView("Hot leads", hot), ListView("Unassigned", "owner=null")]
    return views
