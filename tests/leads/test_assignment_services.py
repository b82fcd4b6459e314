"""Lead assignment: rules in order, round-robin over teams, and the first-touch timer and its alert."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from crm.errors import Forbidden, Invalid
from crm.models import ActivityKind, LifecycleEvent, Notification, NotificationKind, OutboundEmail, Role
from crm.timeline.services import activity_log
from leads import events
from leads.assignment import receivers
from leads.assignment.events import (
    LEAD_FIRST_TOUCH,
    LEAD_FIRST_TOUCH_OVERDUE,
    register_assignment_event_types,
)
from leads.assignment.services import (
    assignment_rule_create,
    assignment_rule_update,
    assignment_rules_reorder,
    first_touch_alerts_send,
    first_touch_start,
    lead_assign_by_rules,
)
from leads.models import AssignmentRule, Lead, LeadSettings
from tests.factories import LeadFactory, TeamFactory, UserFactory

FIRST_TOUCH_MINUTES = 30
LATER = timedelta(minutes=FIRST_TOUCH_MINUTES + 1)
DACH = [{"field": "country", "operator": "in", "value": "Germany, Austria, Switzerland"}]


@pytest.fixture(autouse=True)
def _wired(db):
    """What leads/apps.py does at start-up (both calls are no-ops the second time)."""
    register_assignment_event_types()
    receivers.connect()
    LeadSettings.objects.update_or_create(id=1, defaults={"first_touch_minutes": FIRST_TOUCH_MINUTES})


def _queued_lead(**fields) -> Lead:
    return LeadFactory(owner=None, **fields)


def _assign(lead: Lead) -> Lead:
    lead_assign_by_rules(lead_id=lead.pk)
    lead.refresh_from_db()
    return lead


def _events(lead: Lead, type: str) -> list[LifecycleEvent]:
    return list(LifecycleEvent.objects.filter(content_type__model="lead", object_id=lead.pk, type=type))


def test_a_german_lead_goes_to_the_dach_rules_user(admin_user, rep, teammate):
    assignment_rule_create(
        actor=admin_user,
        name="France",
        criteria=[{"field": "country", "operator": "eq", "value": "France"}],
        assign_to_user=teammate,
    )
    assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)

    lead = _assign(_queued_lead(country="germany"))

    assert lead.owner == rep
    assert lead.team == rep.team
    [event] = _events(lead, events.LEAD_ASSIGNED)
    assert event.data["rule"] == "DACH"
    assert event.data["to"] == str(rep)


def test_the_new_owner_is_notified_with_a_link_to_the_lead(admin_user, rep):
    assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)

    lead = _assign(_queued_lead(country="Austria", company="Wiener Werke"))

    notification = Notification.objects.get(recipient=rep, kind=NotificationKind.ASSIGNED)
    assert str(lead) in notification.message
    assert notification.url == lead.get_absolute_url()


def test_a_team_rule_rotates_over_available_members_skipping_away_and_inactive_ones(admin_user):
    team = TeamFactory(name="Inside sales")
    a = UserFactory(username="a", team=team)
    UserFactory(username="away", team=team, is_away=True)
    b = UserFactory(username="b", team=team)
    UserFactory(username="gone", team=team, is_active=False)
    c = UserFactory(username="c", team=team)
    UserFactory(username="marketing", team=team, role=Role.MARKETER)
    assignment_rule_create(actor=admin_user, name="Everyone else", criteria=[], assign_to_team=team)

    owners = [_assign(_queued_lead()).owner for _ in range(4)]

    assert owners == [a, b, c, a]
    assert AssignmentRule.objects.get().last_assigned == a


def test_rules_are_tried_in_order_and_reordering_changes_which_one_wins(admin_user, rep, teammate):
    big = assignment_rule_create(
        actor=admin_user,
        name="Enterprise",
        criteria=[{"field": "employee_count", "operator": "gte", "value": "200"}],
        assign_to_user=teammate,
    )
    dach = assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)

    first = _assign(_queued_lead(country="Germany", employee_count=500))
    assignment_rules_reorder(actor=admin_user, rule_ids=[dach.pk, big.pk])
    second = _assign(_queued_lead(country="Germany", employee_count=500))

    assert (first.owner, second.owner) == (teammate, rep)


def test_a_rule_whose_user_is_away_passes_the_lead_to_the_next_matching_rule(admin_user, rep, teammate):
    rep.is_away = True
    rep.save()
    assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)
    assignment_rule_create(actor=admin_user, name="Catch-all", criteria=[], assign_to_user=teammate)

    assert _assign(_queued_lead(country="Germany")).owner == teammate


def test_an_unmatched_lead_stays_unassigned_in_the_default_queue(admin_user, rep):
    assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)
    lead = _queued_lead(country="Brazil")

    assigned = lead_assign_by_rules(lead_id=lead.pk)

    lead.refresh_from_db()
    assert assigned is False
    assert (lead.owner, lead.team, lead.first_touch_due_at) == (None, None, None)
    assert _events(lead, events.LEAD_ASSIGNED) == []
    assert not Notification.objects.exists()


def test_assigning_an_already_owned_lead_again_changes_nothing(admin_user, rep, teammate):
    assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)
    lead = _assign(_queued_lead(country="Germany"))
    assignment_rule_update(
        actor=admin_user,
        rule_id=AssignmentRule.objects.get().pk,
        name="DACH",
        criteria=DACH,
        assign_to_user=teammate,
    )

    assert lead_assign_by_rules(lead_id=lead.pk) is False
    lead.refresh_from_db()
    assert lead.owner == rep
    assert len(_events(lead, events.LEAD_ASSIGNED)) == 1


@pytest.mark.parametrize(
    ("criterion", "message"),
    [
        ({"field": "shoe_size", "operator": "eq", "value": "44"}, '"shoe_size" is not a lead field'),
        (
            {"field": "country", "operator": "gte", "value": "5"},
            'Country cannot be matched with "is at least"',
        ),
        ({"field": "employee_count", "operator": "gte", "value": "many"}, "needs a whole number"),
        (
            {"field": "source", "operator": "eq", "value": "carrier pigeon"},
            '"carrier pigeon" is not a source',
        ),
    ],
)
def test_an_invalid_criterion_is_refused_naming_it_and_nothing_is_saved(admin_user, rep, criterion, message):
    criteria = [{"field": "industry", "operator": "eq", "value": "Retail"}, criterion]

    with pytest.raises(Invalid) as refused:
        assignment_rule_create(actor=admin_user, name="Broken", criteria=criteria, assign_to_user=rep)

    [error] = refused.value.errors["criteria"]  # the message is the point: which criterion, and why
    assert error.startswith("Criterion 2:")
    assert message in error
    assert not AssignmentRule.objects.exists()


def test_criteria_are_stored_normalised_and_a_source_may_be_named_by_its_label(admin_user, rep):
    rule = assignment_rule_create(
        actor=admin_user,
        name="Forms",
        criteria=[{"field": "source", "operator": "in", "value": " Web form,import "}],
        assign_to_user=rep,
    )

    assert rule.criteria == [{"field": "source", "operator": "in", "value": "web_form, import"}]
    assert _assign(_queued_lead(source="web_form")).owner == rep


def test_only_admins_manage_rules(manager, rep):
    with pytest.raises(Forbidden) as refused:
        assignment_rule_create(actor=manager, name="Mine", criteria=[], assign_to_user=manager)

    assert refused.value.code == "admin_only"


def test_a_rule_names_a_user_or_a_team_not_both(admin_user, rep, team):
    with pytest.raises(Invalid) as refused:
        assignment_rule_create(
            actor=admin_user, name="Both", criteria=[], assign_to_user=rep, assign_to_team=team
        )

    assert (refused.value.code, refused.value.field) == ("rule_invalid", None)


def test_assignment_starts_the_first_touch_timer(admin_user, rep):
    assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)
    before = timezone.now()

    lead = _assign(_queued_lead(country="Germany"))

    assert lead.first_touch_due_at is not None
    assert before + timedelta(minutes=FIRST_TOUCH_MINUTES) <= lead.first_touch_due_at
    assert lead.first_touch_due_at <= timezone.now() + timedelta(minutes=FIRST_TOUCH_MINUTES)


def test_the_owner_logging_a_call_stops_the_timer_and_nobody_is_alerted(admin_user, rep, manager):
    assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)
    lead = _assign(_queued_lead(country="Germany"))

    activity_log(actor=rep, target=lead, kind=ActivityKind.CALL, subject="Intro call")

    lead.refresh_from_db()
    assert lead.first_touched_at is not None
    [event] = _events(lead, LEAD_FIRST_TOUCH)
    assert event.actor == rep
    assert event.data["on_time"] is True
    assert first_touch_alerts_send(now=timezone.now() + LATER) == 0
    assert not Notification.objects.filter(kind=NotificationKind.FIRST_TOUCH_OVERDUE).exists()


def test_another_users_note_does_not_stop_the_timer(admin_user, rep, manager):
    assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)
    lead = _assign(_queued_lead(country="Germany"))

    activity_log(actor=manager, target=lead, kind=ActivityKind.NOTE, body="Rep, please call them.")

    lead.refresh_from_db()
    assert lead.first_touched_at is None
    assert _events(lead, LEAD_FIRST_TOUCH) == []
    assert first_touch_alerts_send(now=timezone.now() + LATER) == 1


def test_an_overdue_untouched_lead_alerts_the_owners_manager_once_in_app_and_by_email(
    admin_user, rep, manager
):
    assignment_rule_create(actor=admin_user, name="DACH", criteria=DACH, assign_to_user=rep)
    lead = _assign(_queued_lead(country="Germany", company="Berliner Bau"))

    assert first_touch_alerts_send(now=timezone.now() + timedelta(minutes=5)) == 0  # not due yet
    first, second = (first_touch_alerts_send(now=timezone.now() + LATER) for _ in range(2))

    assert (first, second) == (1, 0)
    alert = Notification.objects.get(kind=NotificationKind.FIRST_TOUCH_OVERDUE)
    assert alert.recipient == manager
    assert str(rep) in alert.message
    assert str(lead) in alert.message
    assert alert.url == lead.get_absolute_url()
    assert OutboundEmail.objects.get().to == manager.email
    assert len(_events(lead, LEAD_FIRST_TOUCH_OVERDUE)) == 1


def test_without_a_team_manager_the_admins_are_alerted(admin_user):
    loner = UserFactory(username="loner")
    lead = LeadFactory(owner=loner)
    first_touch_start(lead=lead)

    assert first_touch_alerts_send(now=timezone.now() + LATER) == 1

    assert Notification.objects.get(kind=NotificationKind.FIRST_TOUCH_OVERDUE).recipient == admin_user


def test_reassigning_restarts_the_timer_and_its_alert(admin_user, rep, teammate, manager):
    lead = LeadFactory(owner=rep)
    first_touch_start(lead=lead)
    first_touch_alerts_send(now=timezone.now() + LATER)

    lead.owner = teammate
    first_touch_start(lead=lead)
    lead.save()

    lead.refresh_from_db()
    assert lead.first_touch_alerted_at is None
    assert lead.first_touch_due_at > timezone.now()
    assert first_touch_alerts_send(now=timezone.now() + LATER) == 1
    assert Notification.objects.filter(kind=NotificationKind.FIRST_TOUCH_OVERDUE).count() == 2


def _run_together(*calls) -> list:
    start = threading.Barrier(len(calls))
    results: list = []

    def run(call) -> None:
        try:
            start.wait()
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_running_at_once_alert_each_overdue_lead_exactly_once(rep, manager):
    leads = LeadFactory.create_batch(150, owner=rep)
    for lead in leads:
        first_touch_start(lead=lead)
    now = timezone.now() + LATER

    counts = _run_together(lambda: first_touch_alerts_send(now=now), lambda: first_touch_alerts_send(now=now))

    assert sum(counts) == 150
    assert (
        Notification.objects.filter(recipient=manager, kind=NotificationKind.FIRST_TOUCH_OVERDUE).count()
        == 150
    )
    assert OutboundEmail.objects.count() == 150
    assert LifecycleEvent.objects.filter(type=LEAD_FIRST_TOUCH_OVERDUE).count() == 150


@pytest.mark.django_db(transaction=True)
def test_two_leads_assigned_at_once_go_to_different_team_members(admin_user):
    team = TeamFactory(name="Inside sales")
    members = {UserFactory(username="a", team=team), UserFactory(username="b", team=team)}
    assignment_rule_create(actor=admin_user, name="Round robin", criteria=[], assign_to_team=team)
    first, second = _queued_lead(), _queued_lead()

    _run_together(
        lambda: lead_assign_by_rules(lead_id=first.pk), lambda: lead_assign_by_rules(lead_id=second.pk)
    )

    assert {lead.owner for lead in Lead.objects.all()} == members
