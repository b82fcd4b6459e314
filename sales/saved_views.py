"""The deal list's built-in views, which every user has beside the ones they save by name
(crm.lists.saved_views), and its registration for saved views."""

from __future__ import annotations

from crm import access
from crm.lists.saved_views import ListView, SavedList, register_saved_list
from crm.models import User

from .filters import DealListFilter
from .models import Deal, DealStatus


def builtin_views(user: User) -> list[ListView]:
    views = [ListView("All deals", "")]
    if access.allows(user, "change", Deal):  # who owns deals: reps, managers, admins
        views.append(ListView("My open deals", f"owner={user.pk}&status={DealStatus.OPEN}"))
    return [
        *views,
        ListView("Closing this month", f"close_period=this_month&status={DealStatus.OPEN}"),
        ListView("Won this quarter", f"close_period=this_quarter&status={DealStatus.WON}"),
    ]


def register_saved_deal_list() -> None:
    register_saved_list(
        SavedList(
            "deals", DealListFilter, "sales:deal-list", builtin_views, placeholder="e.g. Big deals in EMEA"
        )
    )
