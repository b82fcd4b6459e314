"""Saved views of a list: the built-in views every user has and the ones a user saves by name, the form
that saves one, and which of them the list shows now (includes/saved_views.html shows them).

A view is a name and the list's query string reduced to its own filters and sort
(KeysetSorting.saved_query), so a view saved from page 5, or with a stray parameter, opens the list
on its first page. The app of the list keeps the saved rows and the services that write them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django import forms
from django.http import QueryDict

from .sorting import KeysetSorting


@dataclass(frozen=True)
class ListView:
    name: str
    query: str  # the list's query string, without "?"
    saved_view_id: int | None = None  # set for the user's own views, which they may delete


class SavedQuery(Protocol):
    """A user's saved view as the list's app stores it."""

    pk: Any
    name: str
    query: str


def own_views(saved: Iterable[SavedQuery]) -> list[ListView]:
    return [ListView(view.name, view.query, view.pk) for view in saved]


def same_query(first: str, second: str) -> bool:
    """Whether two query strings ask for the same list, whatever the order of their parameters."""

    def pairs(query: str) -> list[tuple[str, str]]:
        data = QueryDict(query)
        return sorted((key, value) for key, values in data.lists() for value in values if value)

    return pairs(first) == pairs(second)


class SavedViewForm(forms.Form):
    """Saves the list as the user sees it now; `list_filter` is the list's FilterSet, which says which
    parameters of the query are the list's own."""

    name = forms.CharField(label="Save this view as", max_length=80)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, list_filter: type[KeysetSorting], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "view_%s")
        super().__init__(*args, **kwargs)
        self.list_filter = list_filter

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).strip()

    def clean_query(self) -> str:
        return self.list_filter.saved_query(self.cleaned_data["query"])


def saved_views_context(filterset: KeysetSorting, views: list[ListView]) -> dict[str, Any]:
    """What includes/saved_views.html needs: the views, the one the list shows now (if any), and the
    form that saves the list as it is."""
    current = filterset.saved_query(filterset.query.urlencode())
    return {
        "views": views,
        "current_view": next((view for view in views if same_query(view.query, current)), None),
        "save_view_form": SavedViewForm(list_filter=type(filterset), initial={"query": current}),
    }
