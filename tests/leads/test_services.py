"""Lead services: the rules a lead lives by, whichever page or API call asks."""

import pytest

from crm.errors import Forbidden, Invalid, NotFound
from crm.models import LifecycleEvent, Notification, Role
from leads import events
from leads.models import Lead, LeadStatus
from leads.services.leads import (
    lead_add_tag,
    lead_change_status,
    lead_create,
    lead_delete,
    lead_update,
    leads_bulk_add_tag,
    leads_bulk_assign,
    leads_bulk_change_status,
)
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def _event_types(lead: Lead) -> list[str]:
    return list(
        LifecycleEvent.objects.filter(content_type__model="lead", object_id=lead.pk)
        .order_by("id")
        .values_list("type", flat=True)
    )


def test_a_reps_new_lead_is_theirs_and_normalised_for_matching(rep):
    lead = lead_create(
        actor=rep,
        fields={"last_name": "Doe", "email": " Jane.Doe@Example.COM ", "phone": "+1 (555) 010-2030"},
    )

    assert lead.owner == rep
    assert lead.email_normalized == "jane.doe@example.com"
    assert lead.phone_normalized == "15550102030"
    assert _event_types(lead) == [events.LEAD_CREATED]


def test_a_manager_may_create_a_lead_in_the_unassigned_queue(manager):
    lead = lead_create(actor=manager, fields={"company": "Initech"})

    assert lead.owner is None


def test_a_lead_without_a_name_email_or_company_is_refused(rep):
    with pytest.raises(Invalid, match="at least a name") as refused:  # the model's constraint says so
        lead_create(actor=rep, fields={"title": "CTO"})

    assert refused.value.field is None

    assert not Lead.objects.exists()


def test_a_marketer_cannot_create_leads_by_hand(marketer):
    with pytest.raises(Forbidden) as refused:
        lead_create(actor=marketer, fields={"company": "Initech"})

    assert refused.value.code == "create_not_allowed"


def test_disqualifying_needs_a_reason_and_records_it_in_the_event(rep):
    lead = LeadFactory(owner=rep)

    with pytest.raises(Invalid) as refused:
        lead_change_status(actor=rep, lead_id=lead.pk, status=LeadStatus.DISQUALIFIED, reason="  ")
    assert (refused.value.code, refused.value.field) == ("reason_required", "disqualified_reason")
    lead_change_status(actor=rep, lead_id=lead.pk, status=LeadStatus.DISQUALIFIED, reason="No budget")

    event = LifecycleEvent.objects.get(type=events.LEAD_DISQUALIFIED)
    assert event.data == {"from": "new", "to": "disqualified", "reason": "No budget"}


def test_reviving_a_disqualified_lead_clears_the_reason(rep):
    lead = LeadFactory(owner=rep, status=LeadStatus.DISQUALIFIED, disqualified_reason="No budget")

    lead_change_status(actor=rep, lead_id=lead.pk, status=LeadStatus.WORKING)

    lead.refresh_from_db()
    assert (lead.status, lead.disqualified_reason) == (LeadStatus.WORKING, "")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (LeadStatus.NEW, LeadStatus.CONVERTED),
        (LeadStatus.QUALIFIED, LeadStatus.CONVERTED),
        (LeadStatus.NURTURING, LeadStatus.NEW),
        (LeadStatus.DISQUALIFIED, LeadStatus.QUALIFIED),
    ],
)
def test_moves_outside_the_transition_table_are_refused_with_a_message(rep, start, target):
    lead = LeadFactory(owner=rep, status=start, disqualified_reason="x" if start == "disqualified" else "")

    with pytest.raises(Invalid) as refused:
        lead_change_status(actor=rep, lead_id=lead.pk, status=target)

    assert refused.value.field == "status"
    assert refused.value.code in {"converted_by_conversion", "status_transition_not_allowed"}
    lead.refresh_from_db()
    assert lead.status == start


def test_qualifying_writes_a_qualified_event(rep):
    lead = LeadFactory(owner=rep)

    lead_change_status(actor=rep, lead_id=lead.pk, status=LeadStatus.QUALIFIED)

    assert _event_types(lead) == [events.LEAD_QUALIFIED]


def test_a_converted_lead_cannot_be_edited(rep):
    lead = LeadFactory(owner=rep, status=LeadStatus.CONVERTED)

    with pytest.raises(Invalid) as refused:
        lead_update(actor=rep, lead_id=lead.pk, fields={"company": "Other"})

    assert refused.value.code == "lead_converted"


def test_a_rep_picks_a_lead_from_the_queue_and_the_assignment_is_recorded(rep):
    lead = LeadFactory(owner=None)

    lead_update(actor=rep, lead_id=lead.pk, fields={"owner": rep})

    lead.refresh_from_db()
    assert lead.owner == rep
    assert _event_types(lead) == [events.LEAD_ASSIGNED]


def test_a_manager_assigning_a_lead_notifies_the_new_owner(manager, rep):
    lead = LeadFactory(owner=None)

    lead_update(actor=manager, lead_id=lead.pk, fields={"owner": rep})

    assert Notification.objects.get(recipient=rep).url == lead.get_absolute_url()


def test_a_marketer_changes_marketing_fields_but_nothing_else(marketer, rep):
    lead = LeadFactory(owner=rep, company="Initech")

    lead_update(actor=marketer, lead_id=lead.pk, fields={"utm_campaign": "spring", "tags": ["webinar"]})
    with pytest.raises(Forbidden, match="company") as refused:  # the message names the field refused
        lead_update(actor=marketer, lead_id=lead.pk, fields={"company": "Hacked", "utm_campaign": "spring"})
    assert refused.value.code == "field_not_writable"

    lead.refresh_from_db()
    assert (lead.utm_campaign, lead.tags, lead.company) == ("spring", ["webinar"], "Initech")


def test_submitting_unchanged_non_marketing_fields_is_fine_for_a_marketer(marketer, rep):
    """An edit form posts every field back; only the ones that change count."""
    lead = LeadFactory(owner=rep, company="Initech")

    lead_update(actor=marketer, lead_id=lead.pk, fields={"company": "Initech", "utm_source": "ads"})

    lead.refresh_from_db()
    assert lead.utm_source == "ads"


def test_a_marketer_cannot_delete_leads(marketer, rep):
    lead = LeadFactory(owner=rep)

    with pytest.raises(Forbidden) as refused:
        lead_delete(actor=marketer, lead_id=lead.pk)
    assert refused.value.code == "delete_not_allowed"
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_a_converted_lead_cannot_be_deleted_it_is_kept_as_it_was(rep):
    lead = LeadFactory(owner=rep, status=LeadStatus.CONVERTED)

    with pytest.raises(Invalid) as refused:
        lead_delete(actor=rep, lead_id=lead.pk)

    assert refused.value.code == "lead_converted"
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_adding_a_tag_twice_keeps_one(rep):
    lead = LeadFactory(owner=rep, tags=["vip"])

    lead_add_tag(actor=rep, lead_id=lead.pk, tag="vip")
    lead_add_tag(actor=rep, lead_id=lead.pk, tag="webinar")

    lead.refresh_from_db()
    assert lead.tags == ["vip", "webinar"]


def test_bulk_assign_changes_what_it_may_and_says_why_not_for_the_rest(manager, rep, outsider):
    mine = LeadFactory(owner=rep)
    queued = LeadFactory(owner=None)
    hidden = LeadFactory(owner=outsider)

    result = leads_bulk_assign(actor=manager, lead_ids=[mine.pk, queued.pk, hidden.pk], owner=manager)

    assert sorted(result.changed) == sorted([mine.pk, queued.pk])
    assert result.refused == {hidden.pk: "not found"}
    assert Lead.objects.get(pk=hidden.pk).owner == outsider


def test_bulk_status_change_reports_each_refused_transition(rep):
    new = LeadFactory(owner=rep)
    converted = LeadFactory(owner=rep, status=LeadStatus.CONVERTED)

    result = leads_bulk_change_status(
        actor=rep, lead_ids=[new.pk, converted.pk], status=LeadStatus.DISQUALIFIED, reason="Spam"
    )

    assert result.changed == [new.pk]
    assert "converted" in result.refused[converted.pk]


def test_bulk_tagging_needs_a_tag(rep):
    with pytest.raises(Invalid) as refused:
        leads_bulk_add_tag(actor=rep, lead_ids=[LeadFactory(owner=rep).pk], tag=" ")

    assert (refused.value.code, refused.value.field) == ("tag_required", "tag")


def test_deleting_another_reps_lead_is_not_found(rep, outsider):
    lead = LeadFactory(owner=outsider)

    with pytest.raises(NotFound):
        lead_delete(actor=rep, lead_id=lead.pk)


def test_a_support_agent_sees_no_leads():
    from crm import access

    agent = UserFactory(role=Role.SUPPORT_AGENT)
    LeadFactory(owner=None)

    assert not access.visible(agent, Lead.objects.all()).exists()


def test_a_captured_lead_needs_no_signed_in_user_but_still_passes_validation():
    from leads.services.leads import lead_capture

    lead = lead_capture(fields={"email": "visitor@example.com", "source": "web_form"})

    assert (lead.owner, lead.source, lead.email_normalized) == (None, "web_form", "visitor@example.com")
    with pytest.raises(Invalid) as refused:
        lead_capture(fields={"email": "not-an-email", "source": "web_form"})
    assert refused.value.field == "email"


def test_a_rep_cannot_push_a_lead_into_another_teams_queue(rep, other_team):
    lead = LeadFactory(owner=None)

    with pytest.raises(Forbidden) as refused:
        lead_update(actor=rep, lead_id=lead.pk, fields={"team": other_team})

    assert refused.value.code == "team_not_assignable"

    assert Lead.objects.get(pk=lead.pk).team is None


def test_only_managers_put_a_lead_back_in_the_queue(rep, manager):
    lead = LeadFactory(owner=rep)

    with pytest.raises(Forbidden) as refused:
        lead_update(actor=rep, lead_id=lead.pk, fields={"owner": None})
    assert refused.value.code == "queue_not_allowed"
    lead_update(actor=manager, lead_id=lead.pk, fields={"owner": None})

    assert Lead.objects.get(pk=lead.pk).owner is None
