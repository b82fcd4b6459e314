"""Views of the lead list: the built-in ones every user has, and the ones a user saves by name."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict

from crm.models import User

from .models import LeadSettings, SavedView
from .rules import works_leads


@dataclass(frozen=True)
class ListView:
    name: str
    query: str  # the list's query string, without "?"
    saved_view_id: int | None = None  # set for the user's own views, which they may delete


def builtin_views(user: User) -> list[ListView]:
    views = [ListView("All leads", "")]
    if works_leads(user):
        views.append(ListView("My new leads", f"owner={user.pk}&status=new"))
    hot = f"score_min={LeadSettings.current().sales_ready_score}&ordering=-score"  # the sales-ready ones
    views += [ListView("Hot leads", hot), ListView("Unassigned", "owner=null")]
    return views


def own_views(saved: list[SavedView]) -> list[ListView]:
    return [ListView(view.name, view.query, view.pk) for view in saved]


def same_query(first: str, second: str) -> bool:
    """Whether two query strings ask for the same list, whatever the order of their parameters."""

    def pairs(query: str) -> list[tuple[str, str]]:
        data = QueryDict(query)
        return sorted((key, value) for key, values in data.lists() for value in values if value)

    return pairs(first) == pairs(second)
