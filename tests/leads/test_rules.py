"""The lead rules (leads.rules, leads.dedupe.rules, sales.conversion.rules): what a page offers is what the
service then allows, for every role, because both ask the same rule."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.errors import DomainError
from crm.models import User
from leads.dedupe.rules import leads_can_be_merged
from leads.dedupe.services import lead_merge
from leads.models import Lead, LeadStatus
from leads.rules import (
    lead_can_be_claimed,
    lead_can_be_deleted,
    lead_can_change_status,
    lead_next_statuses,
    lead_status_allowed,
)
from leads.services.leads import lead_change_status, lead_delete, lead_update
from sales.conversion.rules import lead_can_be_converted
from sales.conversion.services import lead_convert
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

ROLES = ["admin_user", "manager", "rep", "teammate", "marketer"]


def _allowed(act) -> bool:
    try:
        act()
    except DomainError:
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.CONVERTED])
def test_the_lead_page_offers_a_delete_exactly_when_the_service_deletes(request, rep, role, status):
    user: User = request.getfixturevalue(role)
    lead = Lead.objects.select_related("owner").get(pk=LeadFactory(owner=rep, status=status).pk)

    offered = bool(lead_can_be_deleted(user, lead))

    assert offered is _allowed(lambda: lead_delete(actor=user, lead_id=lead.pk))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [LeadStatus.NEW, LeadStatus.CONVERTED])
def test_the_status_form_shows_exactly_when_the_service_changes_the_status(request, rep, role, status):
    user: User = request.getfixturevalue(role)
    lead = Lead.objects.select_related("owner").get(pk=LeadFactory(owner=rep, status=status).pk)

    offered = bool(lead_can_change_status(user, lead))

    assert offered is _allowed(
        lambda: lead_change_status(actor=user, lead_id=lead.pk, status=LeadStatus.WORKING)
    )


@pytest.mark.parametrize("role", ["admin_user", "manager", "rep", "marketer"])
def test_assign_to_me_shows_exactly_when_the_service_takes_the_lead(request, role):
    user: User = request.getfixturevalue(role)
    lead = Lead.objects.select_related("owner").get(pk=LeadFactory(owner=None).pk)

    offered = bool(lead_can_be_claimed(user, lead))

    assert offered is _allowed(lambda: lead_update(actor=user, lead_id=lead.pk, fields={"owner": user}))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [LeadStatus.WORKING, LeadStatus.QUALIFIED])
def test_convert_shows_exactly_when_the_service_converts(request, rep, role, status):
    user: User = request.getfixturevalue(role)
    lead = Lead.objects.select_related("owner").get(
        pk=LeadFactory(owner=rep, status=status, company="Acme").pk
    )

    offered = bool(lead_can_be_converted(user, lead))

    assert offered is _allowed(lambda: lead_convert(actor=user, lead_id=lead.pk, create_deal=False))


@pytest.mark.parametrize("role", ROLES)
def test_merge_shows_exactly_when_the_service_merges(request, rep, role):
    user: User = request.getfixturevalue(role)
    kept, merged = (
        Lead.objects.select_related("owner").get(pk=LeadFactory(owner=rep, email=f"{n}@acme.example").pk)
        for n in ("ann", "ann.lee")
    )

    offered = bool(leads_can_be_merged(user, kept, merged))

    assert offered is _allowed(
        lambda: lead_merge(actor=user, kept_id=kept.pk, merged_id=merged.pk, field_choices={})
    )


@pytest.mark.parametrize("status", list(LeadStatus))
def test_the_status_select_offers_what_the_transition_rule_allows(status):
    lead = Lead(status=status)
    offered = {value for value, _ in lead_next_statuses(lead)}

    assert offered == {new for new in LeadStatus if lead_status_allowed(status, new)}
    assert LeadStatus.CONVERTED not in offered


def test_the_lead_page_draws_its_buttons_from_the_rules(as_user, rep, marketer):
    lead = LeadFactory(owner=rep, status=LeadStatus.QUALIFIED, company="Acme")
    url = reverse("leads:detail", args=[lead.pk])

    owner_page = as_user(rep).get(url).content.decode()
    marketer_page = as_user(marketer).get(url).content.decode()

    for action in (reverse("leads:delete", args=[lead.pk]), reverse("leads:status", args=[lead.pk])):
        assert action in owner_page
        assert action not in marketer_page
    assert reverse("sales:lead-convert", args=[lead.pk]) in owner_page
    assert reverse("sales:lead-convert", args=[lead.pk]) not in marketer_page
