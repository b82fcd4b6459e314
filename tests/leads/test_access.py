"""The lead rows of the access matrix: role x action x owner, queues included."""

import pytest
from django.utils import timezone

from crm import access
from crm.models import Role, User
from leads.models import MARKETING_FIELDS, Lead, LeadStatus
from tests.factories import AccountFactory, ContactFactory, LeadFactory, TeamFactory, UserFactory

OWNERS = ["self", "teammate", "other_team", "default_queue", "own_team_queue", "other_team_queue"]
ACTS: tuple[access.Action, ...] = ("delete", "assign", "status", "convert", "merge", "complete")
ALL = dict.fromkeys(OWNERS, (1, 1))
NOTHING = dict.fromkeys(OWNERS, (0, 0))
# (role, owner) -> (may view, may change); a marketer's "change" is limited to the marketing fields.
MATRIX = {
    Role.ADMIN: ALL,
    Role.SALES_MANAGER: {**ALL, "other_team": (0, 0), "other_team_queue": (0, 0)},
    Role.SALES_REP: {**NOTHING, "self": (1, 1), "default_queue": (1, 1), "own_team_queue": (1, 1)},
    Role.MARKETER: ALL,
    Role.SUPPORT_AGENT: NOTHING,
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "owner_kind", "may_view", "may_change"),
    [
        pytest.param(role, owner, bool(view), bool(change), id=f"{role}-{owner}")
        for role, row in MATRIX.items()
        for owner, (view, change) in row.items()
    ],
)
def test_lead_access_matrix(role, owner_kind, may_view, may_change):
    east, west = TeamFactory(name="East"), TeamFactory(name="West")
    user = UserFactory(role=role, team=east)
    if role == Role.SALES_MANAGER:
        east.manager = user
        east.save()
    owner, team = {
        "self": (user, None),
        "teammate": (UserFactory(team=east), None),
        "other_team": (UserFactory(team=west), None),
        "default_queue": (None, None),
        "own_team_queue": (None, east),
        "other_team_queue": (None, west),
    }[owner_kind]
    created = LeadFactory(owner=owner, team=team)
    lead = Lead.objects.select_related("owner").get(pk=created.pk)

    assert access.can(user, "view", lead) is may_view
    assert access.can(user, "change", lead) is may_change
    assert access.visible(user, Lead.objects.all()).filter(pk=lead.pk).exists() is may_view
    assert access.changeable(user, Lead.objects.all()).filter(pk=lead.pk).exists() is may_change
    # Every act beyond the marketing fields is the workers': a marketer's change stops at those fields.
    for act in ACTS:
        assert access.can(user, act, lead) is (may_change and role != Role.MARKETER), act


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "writable"),
    [
        (Role.MARKETER, MARKETING_FIELDS),
        (Role.SALES_REP, None),
        (Role.SALES_MANAGER, None),
        (Role.ADMIN, None),
    ],
)
def test_only_marketers_are_limited_to_the_marketing_fields(role, writable):
    assert access.writable_fields(UserFactory(role=role), Lead) == writable


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "acts"),
    [
        (Role.ADMIN, {"create", "delete", "assign", "status", "convert", "merge", "complete", "change"}),
        (
            Role.SALES_MANAGER,
            {"create", "delete", "assign", "status", "convert", "merge", "complete", "change"},
        ),
        (Role.SALES_REP, {"create", "delete", "assign", "status", "convert", "merge", "complete", "change"}),
        (Role.MARKETER, {"change"}),
        (Role.SUPPORT_AGENT, set()),
    ],
)
def test_what_each_role_may_do_to_leads_at_all(role, acts):
    user = UserFactory(role=role)
    every: tuple[access.Action, ...] = (
        "create",
        "delete",
        "assign",
        "status",
        "convert",
        "merge",
        "complete",
        "change",
    )

    assert {act for act in every if access.allows(user, act, Lead)} == acts


@pytest.mark.django_db
def test_whoever_reads_a_converted_lead_reads_the_account_and_contact_it_became(rep, outsider):
    account = AccountFactory(owner=outsider)
    contact = ContactFactory(owner=outsider, account=account)
    LeadFactory(
        owner=rep,
        status=LeadStatus.CONVERTED,
        converted_at=timezone.now(),
        converted_account=account,
        converted_contact=contact,
    )
    rep = User.objects.get(pk=rep.pk)

    for record in (account, contact):
        assert access.can(rep, "view", record)
        assert access.visible(rep, type(record).objects.all()).filter(pk=record.pk).exists()
        assert not access.can(rep, "change", record)
