"""The access policy filters inside the one query, by owner ids that an owner-leading index can serve,
never by joining each row's owner to read their team."""

from __future__ import annotations

import pytest

from crm import access
from crm.models import Account, Contact, Team
from leads.models import Lead
from sales.models import Deal
from tests.factories import AccountFactory, LeadFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Account, Contact, Lead, Deal])
def test_a_managers_records_are_chosen_by_owner_id_without_joining_the_owner(manager, model):
    sql = str(access.visible(manager, model.objects.all()).query)

    assert '"owner_id" = ANY' in sql
    assert "JOIN" not in sql


def test_a_manager_of_no_team_still_sees_their_own_records(team):
    loner = UserFactory(username="loner", role="sales_manager", team=None)
    mine, theirs = AccountFactory(owner=loner), AccountFactory(owner=UserFactory(team=team))

    assert list(access.visible(loner, Account.objects.all())) == [mine]
    assert theirs not in access.changeable(loner, Account.objects.all())


def test_a_manager_sees_every_team_they_manage_and_the_queues_of_those_teams(manager, rep, outsider):
    other_team = outsider.team
    assert isinstance(other_team, Team)
    other_team.manager = manager
    other_team.save()
    far = TeamFactory(name="Far")
    seen = [
        LeadFactory(owner=rep),
        LeadFactory(owner=outsider),
        LeadFactory(owner=None, team=other_team),
        LeadFactory(owner=None, team=None),
    ]
    LeadFactory(owner=UserFactory(team=far))
    LeadFactory(owner=None, team=far)

    assert set(access.visible(manager, Lead.objects.all())) == set(seen)
