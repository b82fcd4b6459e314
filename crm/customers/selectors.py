"""Reads of accounts and contacts, already scoped by the access policy."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from crm import access
from crm.lists.filters import match_terms
from crm.models import Account, Contact, User

# A picker shows a screenful; the typed text is bounded so that a pasted essay stays a cheap query.
ACCOUNT_SUGGESTIONS = 20
ACCOUNT_SEARCH_MAX = 200


def account_list(*, user: User) -> QuerySet[Account]:
    return access.visible(user, Account.objects.select_related("owner"))


def account_get(*, user: User, pk: int) -> Account:
    account = (
        account_list(user=user)
        .select_related("owner__team")
        .annotate(contact_count=Count("contacts"))
        .filter(pk=pk)
        .first()
    )
    if account is None:
        raise Http404
    return account


def contact_list(*, user: User) -> QuerySet[Contact]:
    return access.visible(user, Contact.objects.select_related("owner", "account"))


def contact_get(*, user: User, pk: int) -> Contact:
    contact = contact_list(user=user).select_related("owner__team").filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


def account_contacts(*, user: User, account: Account, limit: int = 50) -> list[Contact]:
    return list(
        contact_list(user=user).filter(account=account).order_by("last_name", "first_name", "id")[:limit]
    )


def account_suggestions(*, user: User, text: str, limit: int = ACCOUNT_SUGGESTIONS) -> list[Account]:
    """The visible accounts whose name or domain holds every word typed, by name."""
    text = text.strip()[:ACCOUNT_SEARCH_MAX]
    if not text:
        return []
    accounts = account_list(user=user).select_related(None).only("pk", "name", "domain")
    return list(match_terms(accounts, ["name", "domain"], text).order_by("name", "id")[:limit])
