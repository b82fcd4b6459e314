"""The lead list's built-in views, which every user has beside the ones they save by name
(crm.lists.saved_views), and its registration for saved views."""

from __future__ import annotations

from crm.lists.saved_views import ListView, SavedList, register_saved_list
from crm.models import User

from .forms import LeadListFilter
from .models import LeadSettings
from .rules import works_leads


def builtin_views(user: User) -> list[ListView]:
    views = [ListView("All leads", "")]
    if works_leads(user):
        views.append(ListView("My new leads", f"owner={user.pk}&status=new"))
    hot = f"score_min={LeadSettings.current().sales_ready_score}&ordering=-score"  # the sales-ready ones
    views += [ListView("Hot leads", hot), ListView("Unassigned", "owner=null")]
    return views


def register_saved_lead_list() -> None:
    register_saved_list(
        SavedList(
            "leads", LeadListFilter, "leads:index", builtin_views, placeholder="e.g. Hot leads in Germany"
        )
    )
