"""Every assignment write: assigning new leads by rule, the first-touch timer that follows every
assignment, away status, and the admins' writes to the rules (create, edit, delete, and their order:
first match wins).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from crm import access
from crm.errors import Invalid, NotFound
from crm.models import Activity, NotificationKind, Role, Team, User
from crm.people.timezones import format_for
from crm.records import validate
from crm.timeline.events import event_record
from crm.timeline.notifications import email_queue, notification_send
from leads import events
from leads.models import AssignmentRule, Lead, LeadSettings, LeadStatus

from .criteria import criteria_match, parse_criteria
from .events import LEAD_FIRST_TOUCH, LEAD_FIRST_TOUCH_OVERDUE

logger = logging.getLogger(__name__)

# Overdue leads claimed per transaction: the row locks are held while the alerts are written, so a
# batch stays small enough to commit in well under a second, and a backlog still clears in few rounds.
FIRST_TOUCH_BATCH_SIZE = 100
# Roles that work leads: a team's marketers or support agents are never given one by rotation.
LEAD_OWNER_ROLES = (Role.SALES_REP, Role.SALES_MANAGER)
# The first-touch timer's columns, written with the owner they time.
FIRST_TOUCH_FIELDS = ("first_touch_due_at", "first_touched_at", "first_touch_alerted_at")
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
            # Saved through assignment_rule_create, so only a field dropped from the allow-list lands here.
            logger.warning("Assignment rule %s is skipped: %s", rule.pk, "; ".join(error.messages))
            continue
        if not criteria_match(criteria, lead):
            continue
        target = _rule_target(rule)
        if target is not None:
            return rule, *target
    return None


@dataclass(frozen=True)
class Routing:
    """Which rule gave a lead to whom."""

    rule: AssignmentRule
    owner: User


def lead_route(lead: Lead) -> Routing | None:
    """Gives an unowned lead to the first matching rule's user or team member, on the instance: its owner,
    team and first-touch timer, which the caller's save writes (a new lead's insert: one write). Announce
    the routing with `lead_routing_announce` once the lead is saved; None leaves it in the default queue."""
    match = _matching_target(lead)
    if match is None:
        return None
    rule, owner, team = match
    lead.owner, lead.team = owner, team
    first_touch_start(lead=lead, write=False)
    return Routing(rule, owner)


def lead_routing_announce(*, lead: Lead, routing: Routing) -> None:
    """The trail and the new owner's notification of a routing by rule (call it once the lead is saved)."""
    rule = routing.rule
    event_record(
        actor=None,
        target=lead,
        type=events.LEAD_ASSIGNED,
        data={"rule": rule.name, "from": None, "to": str(routing.owner)},
    )
    notification_send(
        recipient=routing.owner,
        kind=NotificationKind.ASSIGNED,
        message=f"New lead for you: {lead} (assignment rule {rule.name}).",
        url=lead.get_absolute_url(),
    )


@transaction.atomic
def lead_assign_by_rules(*, lead_id: int) -> bool:
    """Routes a saved lead that has no owner by the rules (an imported lead); True when a rule took it.

    Unmatched leads stay where they are (the default queue). A lead that already has an owner is left
    alone, so calling this twice assigns once.
    """
    lead = Lead.objects.select_for_update(of=("self",)).filter(pk=lead_id).first()
    if lead is None or lead.owner_id is not None:
        return False
    routing = lead_route(lead)
    if routing is None:
        return False
    lead.save(update_fields=["owner", "team", *FIRST_TOUCH_FIELDS, "updated_at"])
    lead_routing_announce(lead=lead, routing=routing)
    return True


def first_touch_start(*, lead: Lead, now: datetime | None = None, write: bool = True) -> None:
    """Starts the lead's first-touch timer afresh for its current owner; clears it when it has none.

    Sets the timer fields on `lead` and, with `write`, on its row at once, so it may be called before or
    after the save that records the new owner; without `write` (or on a new, unsaved lead) the caller's
    save writes them.
    """
    now = now or timezone.now()
    due = now + timedelta(minutes=LeadSettings.current().first_touch_minutes)
    lead.first_touch_due_at = due if lead.owner_id is not None else None
    lead.first_touched_at = None
    lead.first_touch_alerted_at = None
    if write and lead.pk is not None:
        Lead.objects.filter(pk=lead.pk).update(**{name: getattr(lead, name) for name in FIRST_TOUCH_FIELDS})


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


# The admins' writes to the rules.


def _checked_fields(
    *, name: str, criteria: object, assign_to_user: User | None, assign_to_team: Team | None
) -> dict[str, Any]:
    """The rule's fields, validated and normalised, or one Invalid naming every problem."""
    errors: dict[str | None, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = ["Name the rule."]
    parsed: list[dict[str, str]] = []
    try:
        parsed = [criterion.as_json() for criterion in parse_criteria(criteria)]
    except ValidationError as error:
        errors["criteria"] = error.messages
    if (assign_to_user is None) == (assign_to_team is None):
        errors[None] = ["Assign to a user or to a team, not both."]
    elif assign_to_user is not None and not assign_to_user.is_active:
        errors["assign_to_user"] = [f"{assign_to_user} is deactivated and cannot get leads."]
    elif assign_to_user is not None and assign_to_user.role not in LEAD_OWNER_ROLES:
        # The form offers only them; an API caller could name anyone.
        errors["assign_to_user"] = [f"{assign_to_user} does not work leads: choose a sales rep or manager."]
    if errors:
        raise Invalid(errors=errors, code="rule_invalid")
    return {
        "name": name,
        "criteria": parsed,
        "assign_to_user": assign_to_user,
        "assign_to_team": assign_to_team,
    }


@transaction.atomic
def assignment_rule_create(
    *,
    actor: User,
    name: str,
    criteria: object,
    assign_to_user: User | None = None,
    assign_to_team: Team | None = None,
    is_active: bool = True,
) -> AssignmentRule:
    """Adds a rule after the existing ones: it is tried last."""
    access.ensure_admin(actor, doing="manage assignment rules")
    fields = _checked_fields(
        name=name, criteria=criteria, assign_to_user=assign_to_user, assign_to_team=assign_to_team
    )
    # Locks the rules so that two rules created at once do not share a position.
    list(AssignmentRule.objects.select_for_update().values_list("pk", flat=True))
    last = AssignmentRule.objects.aggregate(last=Max("position"))["last"]
    rule = AssignmentRule(**fields, is_active=is_active, position=0 if last is None else last + 1)
    validate(rule)
    rule.save()
    return rule


@transaction.atomic
def assignment_rule_update(
    *,
    actor: User,
    rule_id: int,
    name: str,
    criteria: object,
    assign_to_user: User | None = None,
    assign_to_team: Team | None = None,
    is_active: bool = True,
) -> AssignmentRule:
    access.ensure_admin(actor, doing="manage assignment rules")
    rule = AssignmentRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound
    fields = _checked_fields(
        name=name, criteria=criteria, assign_to_user=assign_to_user, assign_to_team=assign_to_team
    )
    if rule.assign_to_team_id != (assign_to_team.pk if assign_to_team else None):
        rule.last_assigned = None  # a new team's rotation starts from its first member
    for field, value in fields.items():
        setattr(rule, field, value)
    rule.is_active = is_active
    validate(rule)
    rule.save()
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor: User, rule_id: int) -> None:
    """Deletes the rule; deleting it again changes nothing."""
    access.ensure_admin(actor, doing="manage assignment rules")
    AssignmentRule.objects.filter(pk=rule_id).delete()


def _save_order(rule_ids: Sequence[int]) -> None:
    """Numbers the (locked) rules 0, 1, 2... in the given order; rules not listed keep theirs after."""
    rules = {rule.pk: rule for rule in AssignmentRule.objects.select_for_update().order_by("position", "id")}
    ordered = [pk for pk in dict.fromkeys(rule_ids) if pk in rules]
    ordered += [pk for pk in rules if pk not in ordered]
    changed = []
    for position, pk in enumerate(ordered):
        if rules[pk].position != position:
            rules[pk].position = position
            changed.append(rules[pk])
    AssignmentRule.objects.bulk_update(changed, ["position"])


@transaction.atomic
def assignment_rules_reorder(*, actor: User, rule_ids: Sequence[int]) -> None:
    """Puts the rules in the given order; the same order sent twice changes nothing the second time."""
    access.ensure_admin(actor, doing="manage assignment rules")
    _save_order(rule_ids)


@transaction.atomic
def assignment_rule_move(*, actor: User, rule_id: int, to: int) -> None:
    """Moves one rule to place `to` (0 is first) and shifts the others; repeating it is harmless."""
    access.ensure_admin(actor, doing="manage assignment rules")
    order = list(
        AssignmentRule.objects.select_for_update().order_by("position", "id").values_list("pk", flat=True)
    )
    if rule_id not in order:
        return
    order.remove(rule_id)
    order.insert(max(0, min(to, len(order))), rule_id)
    _save_order(order)
