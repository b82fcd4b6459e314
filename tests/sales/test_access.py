"""The access matrix for deals: who sees and who changes whose deals."""

from __future__ import annotations

import pytest

from crm import access
from crm.models import User
from sales.models import Opportunity, SalesSettings
from tests.factories import OpportunityFactory, PipelineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(rep, teammate, outsider):
    pipeline = PipelineFactory()
    return {
        who.username: OpportunityFactory(owner=who, pipeline=pipeline) for who in (rep, teammate, outsider)
    }


def seen_by(user: User) -> set[str]:
    return set(access.visible(user, Opportunity.objects.all()).values_list("owner__username", flat=True))


def changeable_by(user: User) -> set[str]:
    return set(access.changeable(user, Opportunity.objects.all()).values_list("owner__username", flat=True))


def test_reps_see_their_teams_deals_read_only_when_the_admin_allows_it(deals, rep):
    assert seen_by(rep) == {"rep", "teammate"}
    assert changeable_by(rep) == {"rep"}
    assert access.can(rep, "view", deals["teammate"])
    assert not access.can(rep, "change", deals["teammate"])
    assert not access.can(rep, "view", deals["outsider"])


def test_reps_see_only_their_own_deals_when_the_admin_turns_team_boards_off(deals, rep):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": False})
    rep = User.objects.get(pk=rep.pk)  # the setting is read once per user object (per request)

    assert seen_by(rep) == {"rep"}
    assert not access.can(rep, "view", deals["teammate"])


def test_managers_work_their_teams_deals_and_admins_everyones(deals, manager, admin_user):
    assert seen_by(manager) == changeable_by(manager) == {"rep", "teammate"}
    assert seen_by(admin_user) == changeable_by(admin_user) == {"rep", "teammate", "outsider"}


def test_marketing_and_support_read_every_deal_and_change_none(deals, marketer, support_agent):
    for user in (marketer, support_agent):
        assert seen_by(user) == {"rep", "teammate", "outsider"}
        assert changeable_by(user) == set()
        assert not access.can_create(user, Opportunity)
