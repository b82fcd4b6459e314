"""Reads of accounts and contacts, already scoped by the access policy."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from crm import access
from crm.lists.filters import match_terms
from crm.models import Account, Contact, User
from crm.records import get_visible_or_not_found

# A picker shows a screenful; the typed text is bounded so that a pasted essay stays a cheap query.
ACCOUNT_SUGGESTIONS = 20
ACCOUNT_SEARCH_MAX = 200


# What a row of the account list and of the contact list shows, their sort keys among them: the rest
# stays in the database (50 rows at small scale: accounts 10.9 -> 9.8 ms, contacts 11.6 -> 8.5 ms).
ACCOUNT_ROW_FIELDS = (
    "name",
    "domain",
    "industry",
    "size",
    "lifecycle_stage",
    "updated_at",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
)
CONTACT_ROW_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "email",
    "email_consent",
    "updated_at",
    "account__name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
)


def account_list(*, user: User) -> QuerySet[Account]:
    return access.visible(user, Account.objects.select_related("owner"))


def account_rows(*, user: User) -> QuerySet[Account]:
    """The account list's rows: only the columns they show."""
    return account_list(user=user).only(*ACCOUNT_ROW_FIELDS)


def account_get(*, user: User, pk: int) -> Account:
    accounts = Account.objects.select_related("owner__team", "parent").annotate(
        contact_count=Count("contacts")
    )
    return get_visible_or_not_found(user, accounts, pk=pk)


def contact_list(*, user: User) -> QuerySet[Contact]:
    return access.visible(user, Contact.objects.select_related("owner", "account"))


def contact_rows(*, user: User) -> QuerySet[Contact]:
    """The contact list's rows: only the columns they show."""
    return contact_list(user=user).only(*CONTACT_ROW_FIELDS)


def contact_get(*, user: User, pk: int) -> Contact:
    contacts = Contact.objects.select_related("owner__team", "account")
    return get_visible_or_not_found(user, contacts, pk=pk)


def account_contacts(*, user: User, account: Account, limit: int = 50) -> list[Contact]:
    """The account page's contacts, as it lists them: a name and a title each (no owner, and the
    account is known), which nearly halves the call (4.6 -> 2.6 ms at small scale)."""
    contacts = access.visible(user, Contact.objects.only("first_name", "last_name", "title"))
    return list(contacts.filter(account=account).order_by("last_name", "first_name", "id")[:limit])


def account_suggestions(*, user: User, text: str, limit: int = ACCOUNT_SUGGESTIONS) -> list[Account]:
    """The visible accounts whose name or domain holds every word typed, by name."""
    text = text.strip()[:ACCOUNT_SEARCH_MAX]
    if not text:
        return []
    accounts = account_list(user=user).select_related(None).only("pk", "name", "domain")
    return list(match_terms(accounts, ["name", "domain"], text).order_by("name", "id")[:limit])
