"""Saved views of a list: the built-in views every user has and the ones a user saves by name, the form
that saves one, and which of them the list shows now (includes/saved_views.html shows them).

A view is a name and the list's query string reduced to its own filters and sort
(KeysetSorting.saved_query), so a view saved from page 5, or with a stray parameter, opens the list
on its first page. The user's views are crm.models.SavedView rows, one table for every list, each row
naming its list by the key the list is registered under (register_saved_list, from the app's
AppConfig.ready()); one save view and one delete view (crm.lists.views) serve every list."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django import forms
from django.http import QueryDict
from django.urls import reverse

from crm.errors import NotFound

from .selectors import saved_views
from .sorting import KeysetSorting

if TYPE_CHECKING:
    from crm.models import User


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

    name = forms.CharField(
        label="Save this view as", max_length=80, error_messages={"required": "Name the view to save it."}
    )
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


@dataclass(frozen=True)
class SavedList:
    """A list whose views users save by name: its key in crm.models.SavedView.list, its FilterSet, the URL
    name of its page, the built-in views every user has on it, and an example name for the save form."""

    key: str
    list_filter: type[KeysetSorting]
    url_name: str
    builtin_views: Callable[[User], list[ListView]]
    placeholder: str

    def url(self, query: str = "") -> str:
        """The list showing `query` (a saved view's query string)."""
        return f"{reverse(self.url_name)}?{query}" if query else reverse(self.url_name)


_saved_lists: dict[str, SavedList] = {}


def register_saved_list(saved_list: SavedList) -> None:
    """Called from the list's AppConfig.ready(); registering a key again replaces it (a reload)."""
    _saved_lists[saved_list.key] = saved_list


def saved_list(key: str) -> SavedList:
    """The list registered under `key`; a key no app registered is not found (the 404 page)."""
    try:
        return _saved_lists[key]
    except KeyError:
        raise NotFound from None


def list_views_context(*, user: User, key: str, filterset: KeysetSorting) -> dict[str, Any]:
    """Everything includes/saved_views.html needs on the list registered under `key`: its built-in views
    and the user's own (one query), the one shown now, and where the save form posts."""
    registered = saved_list(key)
    views = [*registered.builtin_views(user), *own_views(saved_views(user=user, list_key=key))]
    return {
        **saved_views_context(filterset, views),
        "list_url": registered.url(),
        "save_url": reverse("saved-view-save", args=[key]),
        "placeholder": registered.placeholder,
    }
