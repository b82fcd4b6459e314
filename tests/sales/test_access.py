"""The access matrix for deals: role x owner x the admin's "reps see their team's deals" setting.

Deals always have an owner; `can()` (a loaded deal) and `visible()` / `changeable()` (lists) must agree.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm import access
from crm.models import Account, Contact, Role, User
from sales.models import Deal, SalesSettings
from tests.factories import AccountFactory, ContactFactory, DealFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

# (role, owner) -> (may view, may change), with reps_see_team_board on; off, a rep's teammate row is (0, 0).
MATRIX = {
    Role.ADMIN: {"self": (1, 1), "teammate": (1, 1), "other_team": (1, 1)},
    Role.SALES_MANAGER: {"self": (1, 1), "teammate": (1, 1), "other_team": (0, 0)},
    Role.SALES_REP: {"self": (1, 1), "teammate": (1, 0), "other_team": (0, 0)},
    Role.MARKETER: {"self": (1, 0), "teammate": (1, 0), "other_team": (1, 0)},
    Role.SUPPORT_AGENT: {"self": (1, 0), "teammate": (1, 0), "other_team": (1, 0)},
}


def _cases():
    for team_board in (True, False):
        for role, row in MATRIX.items():
            for owner, (may_view, may_change) in row.items():
                if role == Role.SALES_REP and owner == "teammate" and not team_board:
                    may_view = 0
                yield pytest.param(
                    team_board,
                    role,
                    owner,
                    bool(may_view),
                    bool(may_change),
                    id=f"{role}-{owner}-{'team board' if team_board else 'own only'}",
                )


@pytest.mark.parametrize(("team_board", "role", "owner_kind", "may_view", "may_change"), list(_cases()))
def test_deal_access_matrix(team_board, role, owner_kind, may_view, may_change):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": team_board})
    east, west = TeamFactory(name="East"), TeamFactory(name="West")
    user: User = UserFactory(role=role, team=east)
    if role == Role.SALES_MANAGER:
        east.manager = user
        east.save()
    owner = {"self": user, "teammate": UserFactory(team=east), "other_team": UserFactory(team=west)}[
        owner_kind
    ]
    deal = Deal.objects.select_related("owner").get(pk=DealFactory(owner=owner).pk)
    user = User.objects.get(pk=user.pk)  # a fresh user object reads the setting, as a request does

    assert access.can(user, "view", deal) is may_view
    assert access.can(user, "change", deal) is may_change
    assert access.visible(user, Deal.objects.all()).filter(pk=deal.pk).exists() is may_view
    assert access.changeable(user, Deal.objects.all()).filter(pk=deal.pk).exists() is may_change
    # Moving, deleting, assigning a deal and completing its tasks are as wide as changing it.
    for act in ("move", "delete", "assign", "complete"):
        assert access.can(user, act, deal) is may_change, act


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SUPPORT_AGENT])
def test_marketing_and_support_cannot_create_deals(role):
    assert not access.can_create(UserFactory(role=role), Deal)


# Implicit parent sharing: whoever may read a deal may read its account and primary contact, read-only.
SHARING = {
    # role -> may read the account and contact of a deal owned by a rep of team East (reps share the
    # team board here), the account being owned by a rep of team West or by nobody
    Role.ADMIN: True,
    Role.SALES_MANAGER: True,
    Role.SALES_REP: True,
    Role.MARKETER: True,
    Role.SUPPORT_AGENT: True,
}


@pytest.mark.parametrize("account_owner", ["other_team", "nobody"])
@pytest.mark.parametrize("role", list(SHARING))
def test_whoever_reads_a_deal_reads_its_account_and_contact_but_may_not_change_them(role, account_owner):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": True})
    east, west = TeamFactory(name="East"), TeamFactory(name="West")
    user: User = UserFactory(role=role, team=east)
    if role == Role.SALES_MANAGER:
        east.manager = user
        east.save()
    owner = None if account_owner == "nobody" else UserFactory(team=west)
    account = AccountFactory(owner=owner)
    contact = ContactFactory(owner=owner, account=account)
    DealFactory(owner=UserFactory(team=east), account=account, primary_contact=contact)
    user = User.objects.get(pk=user.pk)

    for record in (Account.objects.get(pk=account.pk), Contact.objects.get(pk=contact.pk)):
        model = type(record)
        assert access.can(user, "view", record) is SHARING[role]
        assert access.visible(user, model.objects.all()).filter(pk=record.pk).exists() is SHARING[role]
        assert access.can(user, "change", record) is (role == Role.ADMIN)
        assert access.changeable(user, model.objects.all()).filter(pk=record.pk).exists() is (
            role == Role.ADMIN
        )


def test_a_rep_without_the_team_board_does_not_read_the_account_of_a_teammates_deal(rep, teammate):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": False})
    account = AccountFactory(owner=None)
    DealFactory(owner=teammate, account=account)
    rep = User.objects.get(pk=rep.pk)

    assert not access.can(rep, "view", account)
    assert not access.visible(rep, Account.objects.all()).filter(pk=account.pk).exists()


def test_a_manager_finds_the_unowned_account_of_a_reps_deal_in_the_list_and_on_its_page(
    as_user, api_as, manager, rep
):
    account = AccountFactory(owner=None, name="Unowned Industries")
    DealFactory(owner=rep, account=account)

    listed = as_user(manager).get(reverse("account-list")).content.decode()
    page = as_user(manager).get(reverse("account-detail", args=[account.pk]))
    api = api_as(manager).get("/api/v1/accounts/").json()["results"]

    assert "Unowned Industries" in listed
    assert page.status_code == 200
    assert reverse("account-edit", args=[account.pk]) not in page.content.decode()
    assert [row["id"] for row in api] == [account.pk]
    assert api_as(manager).patch(f"/api/v1/accounts/{account.pk}/", {"name": "Mine"}).status_code == 403


def test_the_shared_accounts_cost_no_query_per_deal(as_user, manager, rep, assert_same_query_count):
    DealFactory(owner=rep, account=AccountFactory(owner=None))
    client = as_user(manager)

    assert_same_query_count(
        lambda: client.get(reverse("account-list")),
        grow=lambda: [DealFactory(owner=rep, account=AccountFactory(owner=None)) for _ in range(20)],
    )
