"""Every kernel list and detail page costs the same queries with 1 row as with 50, for every role,
sorted and filtered, and on a later keyset page as on the first.

The first pages of the account and contact lists, the home page, an account's and a contact's page and
the task list are measured in test_pages and test_account_360; these are the rest.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification, NotificationKind, Role
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db
MANY = 50
OWNER_ROLES = [Role.SALES_REP, Role.SALES_MANAGER]


def _viewer_and_owner(team, role: str):
    """A user of `role`, and the owner of the records they see: themselves, or a rep of their team."""
    user = UserFactory(username="viewer", role=role, team=team)
    if role == Role.SALES_MANAGER:
        team.manager = user
        team.save()
    owner = user if role in OWNER_ROLES else UserFactory(username="owner", team=team)
    return user, owner


def _grow_accounts(owner, industry: str = "Software"):
    def grow() -> None:
        for number in range(MANY - 1):
            account = AccountFactory(owner=owner, name=f"Acme {number:02}", industry=industry)
            ContactFactory(account=account, owner=owner, email_consent="granted", title="CTO")

    return grow


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETER, Role.SUPPORT_AGENT])
@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("account-list", {"ordering": "-updated_at"}),
        ("account-list", {"q": "acme", "industry": "software", "ordering": "lifecycle_stage"}),
        ("contact-list", {"ordering": "account"}),
        ("contact-list", {"q": "acme", "email_consent": "granted", "ordering": "-title"}),
    ],
)
def test_a_sorted_and_filtered_list_costs_the_same_at_1_and_at_50_rows(
    as_user, assert_same_query_count, team, role, name, query
):
    user, owner = _viewer_and_owner(team, role)
    account = AccountFactory(owner=owner, name="Acme first", industry="Software")
    ContactFactory(account=account, owner=owner, email_consent="granted", title="CEO")
    client = as_user(user)

    assert_same_query_count(lambda: client.get(reverse(name), query), grow=_grow_accounts(owner))


@pytest.mark.parametrize("name", ["account-list", "contact-list"])
def test_a_later_page_costs_the_same_as_the_first_for_a_manager(
    as_user, assert_same_query_count, manager, rep, name
):
    for number in range(26):
        ContactFactory(account=AccountFactory(owner=rep, name=f"Acme {number:02}"), owner=rep)
    client = as_user(manager)
    first = client.get(reverse(name))
    following = re.search(r'href="([^"]+)" rel="next"', first.content.decode())
    assert following is not None
    url = reverse(name) + following.group(1).replace("&amp;", "&")

    def grow() -> None:
        # Later in the order than the cursor (names after "Acme", updated later), so on the page.
        for number in range(MANY):
            ContactFactory(
                account=AccountFactory(owner=rep, name=f"Zenith {number:02}"), owner=rep, last_name="Zz"
            )

    assert_same_query_count(lambda: client.get(url), grow=grow)


def test_the_home_page_of_a_support_agent_costs_the_same_at_1_and_at_50_rows(
    as_user, assert_same_query_count, support_agent, rep
):
    ContactFactory(account=AccountFactory(owner=rep), owner=rep)

    assert_same_query_count(lambda: as_user(support_agent).get(reverse("home")), grow=_grow_accounts(rep))


def _notify(user, count: int, **fields) -> None:
    Notification.objects.bulk_create(
        Notification(
            recipient=user, kind=NotificationKind.ASSIGNED, message="A lead is yours", url="/", **fields
        )
        for _ in range(count)
    )


def test_the_notification_list_costs_the_same_at_1_and_at_50_notifications(
    as_user, rep, assert_same_query_count
):
    _notify(rep, 1)
    client = as_user(rep)

    def grow() -> None:
        _notify(rep, 25)
        _notify(rep, MANY - 26, read_at=timezone.now() - timedelta(hours=1))

    assert_same_query_count(lambda: client.get(reverse("notification-list")), grow=grow)


def test_the_bell_costs_the_same_at_1_and_at_150_unread_notifications(as_user, rep, assert_same_query_count):
    _notify(rep, 1)
    client = as_user(rep)

    assert_same_query_count(lambda: client.get(reverse("notification-bell")), grow=lambda: _notify(rep, 149))


def test_a_contacts_page_costs_the_same_with_50_colleagues_at_its_account(
    as_user, rep, assert_same_query_count
):
    account = AccountFactory(owner=rep)
    contact = ContactFactory(account=account, owner=rep)
    client = as_user(rep)

    assert_same_query_count(
        lambda: client.get(contact.get_absolute_url()),
        grow=lambda: ContactFactory.create_batch(MANY, account=account, owner=UserFactory(team=rep.team)),
    )


def test_the_edit_pages_cost_the_same_with_50_colleagues_to_choose_as_owner(
    as_user, assert_same_query_count, manager, team
):
    account = AccountFactory(owner=manager)
    contact = ContactFactory(account=account, owner=manager)
    client = as_user(manager)

    def grow() -> None:
        UserFactory.create_batch(MANY, team=team)
        AccountFactory.create_batch(MANY, owner=manager)

    for url in [reverse("account-edit", args=[account.pk]), reverse("contact-edit", args=[contact.pk])]:
        assert_same_query_count(lambda url=url: client.get(url), grow=grow)
