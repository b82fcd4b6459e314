"""The account and contact lists' built-in views, which every user has beside the ones they save by name
(crm.lists.saved_views), and their registration for saved views."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model

from crm import access
from crm.lists.saved_views import ListView, SavedList, register_saved_list
from crm.models import Account, Contact, User

from .filters import AccountListFilter, ContactListFilter


def _builtin_views(model: type[Model], noun: str) -> Callable[[User], list[ListView]]:
    def builtin_views(user: User) -> list[ListView]:
        views = [ListView(f"All {noun}", "")]
        if access.allows(user, "change", model):  # who owns them: reps, managers, admins
            views.append(ListView(f"My {noun}", f"owner={user.pk}"))
        return views

    return builtin_views


def register_saved_customer_lists() -> None:
    register_saved_list(
        SavedList(
            "accounts",
            AccountListFilter,
            "account-list",
            _builtin_views(Account, "accounts"),
            placeholder="e.g. Software customers",
        )
    )
    register_saved_list(
        SavedList(
            "contacts",
            ContactListFilter,
            "contact-list",
            _builtin_views(Contact, "contacts"),
            placeholder="e.g. Contacts who opted in",
        )
    )
