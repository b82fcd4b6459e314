"""Every kernel API list and detail costs the same queries with 1 row as with 50, for each role whose
access takes a different path (own records, a team's records, every record).

The first list pages for the rep are measured in test_accounts, test_contacts, test_activities,
test_tasks and test_notifications_and_me; these are the details, the other roles and later pages.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import Role
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    LeadFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
MANY = 50
ROLES = [Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETER, Role.ADMIN]


def _viewer_and_owner(team, role: str):
    user = UserFactory(username="viewer", role=role, team=team)
    if role == Role.SALES_MANAGER:
        team.manager = user
        team.save()
    owner = user if role in (Role.SALES_REP, Role.SALES_MANAGER) else UserFactory(username="owner", team=team)
    return user, owner


@pytest.mark.parametrize("role", ROLES)
def test_an_account_costs_the_same_with_50_contacts(api_as, assert_same_query_count, team, role):
    user, owner = _viewer_and_owner(team, role)
    account = AccountFactory(owner=owner)
    ContactFactory(account=account, owner=owner)
    client = api_as(user)

    assert_same_query_count(
        lambda: client.get(reverse("api-account-detail", args=[account.pk])),
        grow=lambda: ContactFactory.create_batch(MANY - 1, account=account, owner=owner),
    )


@pytest.mark.parametrize("role", ROLES)
def test_a_contact_costs_the_same_with_50_colleagues_at_its_account(
    api_as, assert_same_query_count, team, role
):
    user, owner = _viewer_and_owner(team, role)
    account = AccountFactory(owner=owner)
    contact = ContactFactory(account=account, owner=owner)
    client = api_as(user)

    assert_same_query_count(
        lambda: client.get(reverse("api-contact-detail", args=[contact.pk])),
        grow=lambda: ContactFactory.create_batch(MANY, account=account, owner=owner),
    )


@pytest.mark.parametrize("role", ROLES)
def test_a_task_costs_the_same_with_50_others_on_its_record(api_as, assert_same_query_count, team, role):
    user, owner = _viewer_and_owner(team, role)
    account = AccountFactory(owner=owner)
    task = TaskFactory(target=account, assignee=owner)
    client = api_as(user)

    assert_same_query_count(
        lambda: client.get(reverse("api-task-detail", args=[task.pk])),
        grow=lambda: TaskFactory.create_batch(MANY, target=account, assignee=owner),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "name", ["api-activity-list", "api-task-list", "api-account-list", "api-contact-list"]
)
def test_a_list_costs_the_same_at_1_and_at_50_rows_on_every_kind_of_record(
    api_as, assert_same_query_count, team, role, name
):
    user, owner = _viewer_and_owner(team, role)
    client = api_as(user)

    def add(count: int) -> None:
        for index in range(count):
            account = AccountFactory(owner=owner)
            target = [account, ContactFactory(account=account, owner=owner), LeadFactory(owner=owner)][
                index % 3
            ]
            ActivityFactory(target=target, author=owner)
            TaskFactory(target=target, assignee=owner, created_by=user)

    add(1)
    assert_same_query_count(lambda: client.get(reverse(name)), grow=lambda: add(MANY - 1))


@pytest.mark.parametrize(
    "name", ["api-account-list", "api-contact-list", "api-task-list", "api-notification-list"]
)
def test_a_later_page_costs_the_same_as_the_first(api_as, assert_same_query_count, manager, rep, name):
    def add(count: int) -> None:
        for _ in range(count):
            account = AccountFactory(owner=rep)
            ContactFactory(account=account, owner=rep)
            TaskFactory(target=account, assignee=rep)
            manager.notifications.create(kind="assigned", message="A lead is yours")

    add(3)
    client = api_as(manager)
    following = client.get(reverse(name), {"page_size": 2}).json()["next"]
    assert following is not None

    assert_same_query_count(lambda: client.get(following), grow=lambda: add(MANY))
