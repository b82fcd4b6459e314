"""Merging two duplicate leads: what the kept lead ends up with, and every merge the rules refuse."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.errors import Forbidden, Invalid, NotFound
from crm.models import Activity, EngagementEvent, LifecycleEvent, Task
from crm.timeline.audit import record_changes
from leads import events
from leads.dedupe.events import LEAD_MERGED
from leads.dedupe.services import lead_merge
from leads.models import Lead, LeadMerge, LeadStatus
from leads.services.leads import lead_create, lead_update
from tests.factories import ActivityFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _lead(actor, **fields) -> Lead:
    return lead_create(actor=actor, fields=fields)


@pytest.fixture
def pair(rep):
    """Two records of one person, each with its own timeline and history."""
    kept = _lead(rep, first_name="John", last_name="Smith", company="Acme Inc", email="john@acme.example")
    kept = lead_update(actor=rep, lead_id=kept.pk, fields={"tags": ["webinar"]})
    merged = _lead(
        rep,
        first_name="Jon",
        last_name="Smith",
        company="ACME Inc.",
        email="jon@acme.example",
        phone="+1 (555) 010-2030",
        tags=["pricing", "webinar"],
    )
    lead_update(actor=rep, lead_id=merged.pk, fields={"title": "CTO"})
    ActivityFactory(target=kept, author=rep, subject="Intro call")
    ActivityFactory(target=merged, author=rep, subject="Demo")
    ActivityFactory(target=merged, author=rep, subject="Pricing email")
    TaskFactory(target=merged, assignee=rep, title="Send the contract")
    EngagementEvent.objects.create(
        type="email_opened", content_type=ContentType.objects.get_for_model(Lead), object_id=merged.pk
    )
    return kept, merged


def _on(model, lead: Lead) -> list[str]:
    rows = model.objects.filter(content_type=ContentType.objects.get_for_model(Lead), object_id=lead.pk)
    return sorted(str(row) for row in rows)


def _state() -> tuple[object, ...]:
    """Everything a merge would change: a refused merge leaves all of it as it was."""
    return (
        list(Lead.objects.order_by("pk").values_list("pk", "first_name", "tags", "status")),
        list(Activity.objects.order_by("pk").values_list("pk", "object_id")),
        list(Task.objects.order_by("pk").values_list("pk", "object_id")),
        list(LifecycleEvent.objects.order_by("pk").values_list("pk", "object_id")),
        list(Lead.history.order_by("history_id").values_list("history_id", "id")),
        LeadMerge.objects.count(),
    )


def test_the_kept_lead_keeps_every_activity_task_and_event_of_both(rep, pair):
    kept, merged = pair
    activities = _on(Activity, kept) + _on(Activity, merged)
    tasks = _on(Task, merged)
    merged_events = _on(LifecycleEvent, merged)

    lead_merge(actor=rep, kept_id=kept.pk, merged_id=merged.pk, field_choices={})

    assert not Lead.objects.filter(pk=merged.pk).exists()
    assert _on(Activity, kept) == sorted(activities)
    assert _on(Task, kept) == tasks
    assert set(merged_events) <= set(_on(LifecycleEvent, kept))
    assert _on(EngagementEvent, kept) == ["email_opened"]


def test_the_kept_lead_takes_the_picked_values_and_both_leads_tags(rep, pair):
    kept, merged = pair

    lead_merge(
        actor=rep,
        kept_id=kept.pk,
        merged_id=merged.pk,
        field_choices={"first_name": "merged", "phone": "merged", "email": "kept", "company": "kept"},
    )

    kept.refresh_from_db()
    assert (kept.first_name, kept.email, kept.company) == ("Jon", "john@acme.example", "Acme Inc")
    assert kept.phone_normalized == "15550102030"  # normalised like any edit: it matches by phone now
    assert kept.title == ""  # not picked: the kept lead's (empty) value stays
    assert kept.tags == ["webinar", "pricing"]


def test_the_merged_leads_audit_entries_show_on_the_kept_lead(rep, manager, pair):
    kept, merged = pair

    lead_merge(actor=manager, kept_id=kept.pk, merged_id=merged.pk, field_choices={"title": "merged"})

    entries = record_changes(record=kept)
    changes = [(entry.user, change.field, change.new) for entry in entries for change in entry.changes]
    assert (rep, "job title", "CTO") in changes  # the merged lead's own edit, by whom it was made
    assert [entry.action for entry in entries].count("created") == 2  # both leads' creation
    rows = Lead.history.filter(id=kept.pk).order_by("-history_date", "-history_id")
    assert len(rows) == 5  # each lead's creation and one edit, then the merge
    merge_row = rows[0]
    assert (merge_row.history_user, merge_row.first_name, merge_row.title) == (manager, "John", "CTO")
    assert {row.history_change_reason for row in rows} == {None, f"Merged from lead #{merged.pk}"}
    assert list(Lead.history.filter(id=merged.pk).values_list("history_type", flat=True)) == ["-"]


def test_a_merge_leaves_a_record_with_the_merged_lead_as_it_was_and_an_event(rep, pair):
    kept, merged = pair

    merge = lead_merge(
        actor=rep, kept_id=kept.pk, merged_id=merged.pk, field_choices={"first_name": "merged"}
    )

    assert LeadMerge.objects.get() == merge
    assert (merge.kept_lead, merge.merged_lead_id, merge.merged_by) == (kept, merged.pk, rep)
    assert merge.merged_snapshot["email"] == "jon@acme.example"
    assert merge.merged_snapshot["title"] == "CTO"
    assert merge.merged_snapshot["owner_id"] == rep.pk
    assert merge.merged_snapshot["display_name"] == "Jon Smith"
    assert merge.field_choices["first_name"] == "merged"
    assert merge.field_choices["email"] == "kept"
    event = LifecycleEvent.objects.get(type=LEAD_MERGED)
    assert (event.object_id, event.actor) == (kept.pk, rep)
    assert event.data == {"merged_lead_id": merged.pk, "merged_lead": "Jon Smith"}


def test_merging_twice_returns_the_first_merge_and_changes_nothing_more(rep, pair):
    kept, merged = pair
    first = lead_merge(actor=rep, kept_id=kept.pk, merged_id=merged.pk, field_choices={})
    after_first = _state()

    again = lead_merge(actor=rep, kept_id=kept.pk, merged_id=merged.pk, field_choices={})

    assert again == first
    assert _state() == after_first


def test_an_earlier_merge_into_the_merged_lead_is_kept(rep, pair):
    kept, merged = pair
    older = _lead(rep, first_name="J.", last_name="Smith", email="jon@acme.example")
    earlier = lead_merge(actor=rep, kept_id=merged.pk, merged_id=older.pk, field_choices={})

    lead_merge(actor=rep, kept_id=kept.pk, merged_id=merged.pk, field_choices={})

    earlier.refresh_from_db()
    assert earlier.kept_lead == kept
    assert LeadMerge.objects.count() == 2


def test_a_manager_may_hand_the_kept_lead_to_the_merged_leads_owner(rep, teammate, manager):
    kept = _lead(rep, last_name="Doe", email="jane@example.com")
    merged = _lead(teammate, last_name="Doe", email="jane@example.com")

    lead_merge(actor=manager, kept_id=kept.pk, merged_id=merged.pk, field_choices={"owner": "merged"})

    kept.refresh_from_db()
    assert kept.owner == teammate
    assert LifecycleEvent.objects.filter(object_id=kept.pk, type=events.LEAD_ASSIGNED).exists()


def test_merging_a_lead_with_itself_is_refused(rep, pair):
    kept, _ = pair
    before = _state()

    with pytest.raises(Invalid) as refused:
        lead_merge(actor=rep, kept_id=kept.pk, merged_id=kept.pk, field_choices={})

    assert refused.value.code == "self_merge"

    assert _state() == before


def test_a_rep_cannot_merge_another_reps_lead(rep, outsider, pair):
    kept, _ = pair
    theirs = _lead(outsider, first_name="John", last_name="Smith", email="john@acme.example")
    before = _state()

    with pytest.raises(NotFound):
        lead_merge(actor=rep, kept_id=kept.pk, merged_id=theirs.pk, field_choices={})
    with pytest.raises(NotFound):
        lead_merge(actor=rep, kept_id=theirs.pk, merged_id=kept.pk, field_choices={})

    assert _state() == before


def test_a_marketer_who_sees_both_leads_cannot_merge_them(marketer, pair):
    kept, merged = pair
    before = _state()

    with pytest.raises(Forbidden) as refused:
        lead_merge(actor=marketer, kept_id=kept.pk, merged_id=merged.pk, field_choices={})

    assert refused.value.code == "merge_not_allowed"

    assert _state() == before


@pytest.mark.parametrize("converted", ["kept", "merged"])
def test_a_converted_lead_cannot_be_merged_on_either_side(rep, pair, converted):
    kept, merged = pair
    Lead.objects.filter(pk=(kept if converted == "kept" else merged).pk).update(
        status=LeadStatus.CONVERTED, converted_at=timezone.now()
    )
    before = _state()

    with pytest.raises(Invalid) as refused:
        lead_merge(actor=rep, kept_id=kept.pk, merged_id=merged.pk, field_choices={})

    assert refused.value.code == "lead_converted"

    assert _state() == before


def test_a_status_the_transition_table_forbids_is_refused(rep, pair):
    kept, merged = pair
    lead_update(
        actor=rep, lead_id=kept.pk, fields={"status": LeadStatus.DISQUALIFIED, "disqualified_reason": "x"}
    )
    lead_update(actor=rep, lead_id=merged.pk, fields={"status": LeadStatus.QUALIFIED})
    before = _state()

    with pytest.raises(Invalid) as refused:
        lead_merge(actor=rep, kept_id=kept.pk, merged_id=merged.pk, field_choices={"status": "merged"})

    assert (refused.value.code, refused.value.field) == ("status_transition_not_allowed", "status")

    assert _state() == before


@pytest.mark.parametrize("choices", [{"score": "merged"}, {"email": "both"}])
def test_a_choice_the_merge_screen_does_not_offer_is_refused(rep, pair, choices):
    kept, merged = pair
    before = _state()

    with pytest.raises(Invalid) as refused:
        lead_merge(actor=rep, kept_id=kept.pk, merged_id=merged.pk, field_choices=choices)
    assert refused.value.code in {"unknown_field", "side_required"}

    assert _state() == before
