"""Assigning new leads by rule, the first-touch timer that follows every assignment, and away status.

The rule admin services (create, edit, delete, reorder) live in leads.assignment.rules and are
re-exported here, so that every assignment write is found in one place.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import Activity, NotificationKind, Role, Team, User
from crm.services.events import event_record
from crm.services.notifications import email_queue, notification_send
from crm.timezones import format_for
from leads import events
from leads.models import AssignmentRule, Lead, LeadSettings, LeadStatus

from .criteria import criteria_match, parse_criteria
from .events import LEAD_FIRST_TOUCH, LEAD_FIRST_TOUCH_OVERDUE
from .rules import rule_create, rule_delete, rule_move, rule_update, rules_reorder

__all__ = [
    "first_touch_alerts_send",
    "first_touch_record",
    "first_touch_start",
    "lead_assign_by_rules",
    "rule_create",
    "rule_delete",
    "rule_move",
    "rule_update",
    "rules_reorder",
    "user_set_away",
]

logger = logging.getLogger(__name__)

# Overdue leads claimed per transaction: the row locks are held while the alerts are written, so a
# batch stays small enough to commit in well under a second, and a backlog still clears in few rounds.
FIRST_TOUCH_BATCH_SIZE = 100
# Roles that work leads: a team's marketers or support agents are never given one by rotation.
LEAD_OWNER_ROLES = (Role.SALES_REP, Role.SALES_MANAGER)
# A closed lead needs no first touch: its overdue timer alerts nobody.
CLOSED_STATUSES = (LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED)


def _available(user: User) -> bool:
    return user.is_active and not user.is_away


def _next_team_member(rule: AssignmentRule, team: Team) -> User | None:
    """The member after the rule's pointer, by id, among those who may take a lead now."""
    members = list(
        User.objects.filter(team=team, is_active=True, is_away=False, role__in=LEAD_OWNER_ROLES).order_by(
            "id"
        )
    )
    if not members:
        return None
    pointer = rule.last_assigned_id or 0
    return next((member for member in members if member.pk > pointer), members[0])


def _rule_target(rule: AssignmentRule) -> tuple[User, Team | None] | None:
    """Whom the matching rule gives the lead to, or None to fall through to the next rule."""
    if rule.assign_to_user is not None:
        user = rule.assign_to_user
        return (user, user.team) if _available(user) else None
    if rule.assign_to_team is None:
        return None
    # The rule's row lock makes concurrent leads take turns on the pointer: never one member twice.
    locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    member = _next_team_member(locked, rule.assign_to_team)
    if member is None:
        return None
    AssignmentRule.objects.filter(pk=rule.pk).update(last_assigned=member)
    return member, rule.assign_to_team


def _matching_target(lead: Lead) -> tuple[AssignmentRule, User, Team | None] | None:
    rules = AssignmentRule.objects.filter(is_active=True).select_related(
        "assign_to_user__team", "assign_to_team"
    )
    for rule in rules.order_by("position", "id"):
        try:
            criteria = parse_criteria(rule.criteria)
        except ValidationError as error:
            # Saved through rule_create, so only a field dropped from the allow-list lands here.
            logger.warning("Assignment rule %s is skipped: %s", rule.pk, "; ".join(error.messages))
            continue
        if not criteria_match(criteria, lead):
            continue
        target = _rule_target(rule)
        if target is not None:
            return rule, *target
    return None


@transaction.atomic
def lead_assign_by_rules(*, lead_id: int) -> bool:
    """Gives an unowned lead to the first matching rule's user or team member; True when it did.

    Unmatched leads stay where they are (the default queue). A lead that already has an owner is left
    alone, so calling this twice assigns once.
    """
    lead = Lead.objects.select_for_update(of=("self",)).filter(pk=lead_id).first()
    if lead is None or lead.owner_id is not None:
        return False
    match = _matching_target(lead)
    if match is None:
        return False
    rule, owner, team = match
    lead.owner, lead.team = owner, team
    lead.save(update_fields=["owner", "team", "updated_at"])
    first_touch_start(lead=lead)
    event_record(
        actor=None,
        target=lead,
        type=events.LEAD_ASSIGNED,
        data={"rule": rule.name, "from": None, "to": str(owner)},
    )
    notification_send(
        recipient=owner,
        kind=NotificationKind.ASSIGNED,
        message=f"New lead for you: {lead} (assignment rule {rule.name}).",
        url=lead.get_absolute_url(),
    )
    return True


def first_touch_start(*, lead: Lead, now: datetime | None = None) -> None:
    """Starts the lead's first-touch timer afresh for its current owner; clears it when it has none.

    Sets the three timer fields on `lead` and writes them to its row at once, so it may be called
    before or after the save that records the new owner (on a new, unsaved lead the save writes them).
    """
    now = now or timezone.now()
    due = now + timedelta(minutes=LeadSettings.current().first_touch_minutes)
    lead.first_touch_due_at = due if lead.owner_id is not None else None
    lead.first_touched_at = None
    lead.first_touch_alerted_at = None
    if lead.pk is not None:
        Lead.objects.filter(pk=lead.pk).update(
            first_touch_due_at=lead.first_touch_due_at, first_touched_at=None, first_touch_alerted_at=None
        )


def first_touch_record(*, activity: Activity) -> bool:
    """Stops the timer when the lead's owner logs their first activity on it; True when it did.

    Runs inside activity_log's transaction. Only the owner's activity counts: a colleague's note is
    not the owner getting in touch.
    """
    if activity.author_id is None or activity.content_type_id != ContentType.objects.get_for_model(Lead).pk:
        return False
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .filter(pk=activity.object_id, owner_id=activity.author_id, first_touched_at__isnull=True)
        .first()
    )
    if lead is None:
        return False
    now = timezone.now()
    Lead.objects.filter(pk=lead.pk, first_touched_at__isnull=True).update(first_touched_at=now)
    lead.first_touched_at = now
    due = lead.first_touch_due_at
    event_record(
        actor=activity.author,
        target=lead,
        type=LEAD_FIRST_TOUCH,
        data={
            "activity_id": activity.pk,
            "kind": activity.kind,
            "on_time": None if due is None else now <= due,
        },
    )
    return True


def first_touch_alerts_send(*, now: datetime | None = None) -> int:
    """Alerts the owner's manager about every lead not touched in time, exactly once per assignment.

    Leads are claimed with SKIP LOCKED and a compare-and-swap on first_touch_alerted_at: two beats or
    two workers never alert twice. Returns how many leads were alerted on.
    """
    now = now or timezone.now()
    admins: list[User] | None = None
    alerted = 0
    while True:
        with transaction.atomic():
            due = list(
                Lead.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    first_touch_due_at__lte=now,
                    first_touched_at__isnull=True,
                    first_touch_alerted_at__isnull=True,
                    owner__isnull=False,
                )
                .exclude(status__in=CLOSED_STATUSES)
                .select_related("owner__team__manager")
                .order_by("first_touch_due_at", "id")[:FIRST_TOUCH_BATCH_SIZE]
            )
            for lead in due:
                claimed = Lead.objects.filter(
                    pk=lead.pk, first_touch_alerted_at__isnull=True, first_touched_at__isnull=True
                ).update(first_touch_alerted_at=now)
                if not claimed:
                    continue
                manager = _manager_of(lead)
                if manager is None and admins is None:
                    admins = list(
                        User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)
                    )
                _alert(lead, [manager] if manager is not None else admins or [])
                alerted += 1
        if len(due) < FIRST_TOUCH_BATCH_SIZE:
            return alerted


def _manager_of(lead: Lead) -> User | None:
    owner = lead.owner
    team = owner.team if owner is not None else None
    manager = team.manager if team is not None else None
    if manager is None or not manager.is_active or manager == owner:
        return None
    return manager


def _alert(lead: Lead, recipients: list[User]) -> None:
    url = lead.get_absolute_url()
    due_at = lead.first_touch_due_at or timezone.now()  # never empty here: claimed by due_at <= now
    message = f"{lead.owner} has not touched the lead {lead} in time"
    for recipient in recipients:
        notification_send(
            recipient=recipient,
            kind=NotificationKind.FIRST_TOUCH_OVERDUE,
            message=message,
            url=url,
            due_at=due_at,
        )
        if recipient.email:
            due = format_for(recipient, due_at)
            email_queue(
                to=recipient.email,
                subject=f"Lead not touched in time: {lead}",
                body=f"Hello {recipient},\n\n{message} (due {due}).\n\n"
                f"Open the lead: {settings.SITE_URL}{url}\n",
            )
    event_record(
        actor=None,
        target=lead,
        type=LEAD_FIRST_TOUCH_OVERDUE,
        data={"owner": str(lead.owner), "due_at": due_at.isoformat()},
    )


def user_set_away(*, actor: User, away: bool) -> User:
    """Marks the actor away (no new leads by rotation or by user rule) or back; safe to repeat."""
    User.objects.filter(pk=actor.pk).update(is_away=away)
    actor.is_away = away
    return actor
