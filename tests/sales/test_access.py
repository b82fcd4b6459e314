"""The access matrix for deals: role x owner x the admin's "reps see their team's deals" setting.

Deals always have an owner; `can()` (a loaded deal) and `visible()` / `changeable()` (lists) must agree.
"""

from __future__ import annotations

import pytest

from crm import access
from crm.models import Role, User
from sales.models import Opportunity, SalesSettings
from tests.factories import OpportunityFactory, TeamFactory, UserFactory

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
    deal = Opportunity.objects.select_related("owner").get(pk=OpportunityFactory(owner=owner).pk)
    user = User.objects.get(pk=user.pk)  # a fresh user object reads the setting, as a request does

    assert access.can(user, "view", deal) is may_view
    assert access.can(user, "change", deal) is may_change
    assert access.visible(user, Opportunity.objects.all()).filter(pk=deal.pk).exists() is may_view
    assert access.changeable(user, Opportunity.objects.all()).filter(pk=deal.pk).exists() is may_change


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SUPPORT_AGENT])
def test_marketing_and_support_cannot_create_deals(role):
    assert not access.can_create(UserFactory(role=role), Opportunity)
