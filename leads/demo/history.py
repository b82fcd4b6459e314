"""What happened to each demo lead after it came in: routed, first touched (or its timer running out),
worked, nurtured, qualified or disqualified, and what the person did with us (forms, visits, emails)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from crm.demo.writing import Dated, DemoClock, DemoTimeline, insert_dated
from crm.models import ActivityKind, EngagementEvent, NotificationKind, User
from crm.timeline.engagement import EMAIL_OPENED, FORM_SUBMITTED, LINK_CLICKED, PAGE_VISITED

from .. import events
from ..assignment.events import LEAD_FIRST_TOUCH, LEAD_FIRST_TOUCH_OVERDUE
from ..models import Authority, Lead, LeadSource, LeadStatus, PurchaseTimeline, WebForm, WebFormSubmission
from .capture import PlannedLead

DISQUALIFY_REASONS = (
    "No budget this year",
    "Student project, not a buyer",
    "A competitor looking around",
    "Too small for our product",
    "Could not reach after five attempts",
)
# kind, subject, body
WORK_ACTIVITIES = [
    (ActivityKind.CALL, "Discovery call", "Talked through their process and who decides."),
    (ActivityKind.EMAIL, "Sent the pricing sheet", "Sent the pricing sheet and two customer stories."),
    (ActivityKind.NOTE, "Needs", "Wants one place for leads and deals; spreadsheets today."),
    (ActivityKind.MEETING, "Intro meeting", "Short video call with the team lead."),
    (ActivityKind.CALL, "Follow-up call", "Reached them on the second try; they are comparing three tools."),
]
LEAD_TASKS = (
    "Call {lead} back",
    "Send {lead} the pricing sheet",
    "Book a demo with {lead}",
    "Check in with {lead}",
)
PAGES = (
    "/pricing",
    "/features",
    "/customers",
    "/blog/crm-for-logistics",
    "/integrations",
    "/pricing/enterprise",
)


def _status_path(rng: random.Random, age: int) -> list[str]:
    """The statuses the lead went through after new, by how long it has been around."""
    if age < 3:
        early: list[list[str]] = [[], [LeadStatus.WORKING]]
        return rng.choices(early, weights=(3, 1))[0]
    weights = (10, 30, 20, 15, 25) if age < 90 else (4, 10, 30, 16, 40)
    statuses = (
        LeadStatus.NEW,
        LeadStatus.WORKING,
        LeadStatus.NURTURING,
        LeadStatus.QUALIFIED,
        LeadStatus.DISQUALIFIED,
    )
    final = rng.choices(statuses, weights=weights)[0]
    working, nurturing = LeadStatus.WORKING, LeadStatus.NURTURING
    paths: dict[str, list[list[str]]] = {
        LeadStatus.NEW: [[]],
        LeadStatus.WORKING: [[working]],
        LeadStatus.NURTURING: [[working, nurturing]],
        LeadStatus.QUALIFIED: [[working, LeadStatus.QUALIFIED], [working, nurturing, LeadStatus.QUALIFIED]],
        LeadStatus.DISQUALIFIED: [[LeadStatus.DISQUALIFIED], [working, LeadStatus.DISQUALIFIED]],
    }
    return rng.choice(paths[final])


def plan_history(
    rng: random.Random,
    clock: DemoClock,
    timeline: DemoTimeline,
    people: dict[str, User],
    item: PlannedLead,
    first_touch: timedelta,
) -> None:
    """Created, routed, first touched, worked and decided on: the events, activities and tasks."""
    lead, owner, at = item.lead, item.lead.owner, item.created_at
    timeline.event(lead, events.LEAD_CREATED, at=at, actor=item.created_by, data={"source": lead.source})
    item.updated_at = at
    if owner is None:
        return  # waiting in a queue
    assigned_at = at + timedelta(minutes=1)
    if item.rule is not None:
        routed = {"rule": item.rule, "from": None, "to": str(owner)}
        timeline.event(lead, events.LEAD_ASSIGNED, at=assigned_at, data=routed)
        message = f"New lead for you: {lead} (assignment rule {item.rule})."
        timeline.notify(owner, NotificationKind.ASSIGNED, message, at=assigned_at, about=lead)
    elif item.handed_out_by is not None:
        assigned_at = at + timedelta(days=rng.randint(1, 2))
        handed = {"from": None, "to": str(owner)}
        timeline.event(lead, events.LEAD_ASSIGNED, at=assigned_at, actor=item.handed_out_by, data=handed)
        message = f"{item.handed_out_by} assigned the lead {lead} to you."
        timeline.notify(owner, NotificationKind.ASSIGNED, message, at=assigned_at, about=lead)
    item.updated_at = assigned_at
    if owner != item.created_by:  # the first-touch timer runs for leads their owner did not type in
        lead.first_touch_due_at = assigned_at + first_touch
    age = (clock.now - at).days
    path = _status_path(rng, age)
    if lead.status == LeadStatus.QUALIFIED:
        path = [LeadStatus.WORKING, LeadStatus.QUALIFIED]
    elif item.kind:
        path = []
    before = {name: getattr(lead, name) for name in ("status", "budget", "timeline", "authority")}
    lead.status = LeadStatus.NEW
    if not path and clock.now - assigned_at < timedelta(days=1) and lead.first_touch_due_at is not None:
        if lead.first_touch_due_at <= clock.now:  # missed: the owner's manager was alerted
            lead.first_touch_alerted_at = lead.first_touch_due_at
            _alert_manager(timeline, people, lead)
        return  # the timer is running
    # The owner's first activity on the lead stops the timer (leads.assignment's first touch).
    reply = assigned_at + timedelta(hours=rng.choice((1, 2, 3, 6, 30)))
    touch_at = clock.between(rng, assigned_at + timedelta(minutes=15), reply)
    kind = rng.choice((ActivityKind.CALL, ActivityKind.EMAIL))
    subject = "Intro call" if kind == ActivityKind.CALL else "Intro email"
    body = "First contact after the lead came in."
    activity = timeline.activity(lead, kind, subject, author=owner, at=touch_at, body=body)
    lead.first_touched_at = touch_at
    due = lead.first_touch_due_at
    data: dict[str, object] = {"activity_id": activity, "kind": kind}
    data["on_time"] = None if due is None else touch_at <= due
    timeline.event(lead, LEAD_FIRST_TOUCH, at=touch_at, actor=owner, data=data)
    _plan_status_changes(rng, clock, timeline, item, path, touch_at)
    if path:
        initially = {"status": LeadStatus.NEW, "disqualified_reason": ""}
        initially.update({k: v for k, v in before.items() if k != "status" and getattr(lead, k) != v})
        item.initially.update(initially)


def _plan_status_changes(
    rng: random.Random,
    clock: DemoClock,
    timeline: DemoTimeline,
    item: PlannedLead,
    path: list[str],
    start: datetime,
) -> None:
    """Each status change some days after the one before (all before now), with the work behind it."""
    lead, owner = item.lead, item.lead.owner
    span = max(clock.now - start, timedelta(hours=2))
    moments = sorted(
        clock.between(rng, start + timedelta(minutes=30), start + span * rng.uniform(0.1, 0.9)) for _ in path
    )
    for status, moment in zip(path, moments, strict=True):
        kind, subject, body = rng.choice(WORK_ACTIVITIES)
        timeline.activity(lead, kind, subject, author=owner, at=clock.between(rng, start, moment), body=body)
        old, lead.status = lead.status, status
        data: dict[str, object] = {"from": old, "to": status}
        type_ = events.LEAD_STATUS_CHANGED
        if status == LeadStatus.QUALIFIED:
            type_ = events.LEAD_QUALIFIED
            lead.budget = lead.budget or Decimal(rng.choice((8000, 12000, 20000, 35000)))
            if lead.timeline == PurchaseTimeline.UNKNOWN:
                lead.timeline = rng.choice((PurchaseTimeline.THIS_QUARTER, PurchaseTimeline.NEXT_QUARTER))
            if lead.authority == Authority.UNKNOWN:
                lead.authority = Authority.INFLUENCER
        elif status == LeadStatus.DISQUALIFIED:
            type_ = events.LEAD_DISQUALIFIED
            lead.disqualified_reason = rng.choice(DISQUALIFY_REASONS)
            data["reason"] = lead.disqualified_reason
        timeline.event(lead, type_, at=moment, actor=owner, data=data)
        item.updated_at = moment
    if owner is not None and lead.status != LeadStatus.DISQUALIFIED and rng.random() < 0.3:
        when = rng.choices(("overdue", "today", "upcoming"), weights=(1, 1, 4))[0]
        due_at = clock.due(rng, when)
        timeline.task(
            title=rng.choice(LEAD_TASKS).format(lead=lead),
            assignee=owner,
            created_by=owner,
            created_at=clock.between(rng, start, min(due_at, clock.now)),
            due_at=due_at,
            target=lead,
        )


def _alert_manager(timeline: DemoTimeline, people: dict[str, User], lead: Lead) -> None:
    owner = lead.owner
    team = owner.team if owner is not None else None
    manager = team.manager if team is not None and team.manager != owner else None
    due_at = lead.first_touch_due_at
    if owner is None or due_at is None:
        return
    for recipient in [manager] if manager is not None else [people["admin"]]:
        timeline.notify(
            recipient,
            NotificationKind.FIRST_TOUCH_OVERDUE,
            f"{owner} has not touched the lead {lead} in time",
            at=due_at,
            about=lead,
            due_at=due_at,
        )
    timeline.event(
        lead, LEAD_FIRST_TOUCH_OVERDUE, at=due_at, data={"owner": str(owner), "due_at": due_at.isoformat()}
    )


def write_engagement(
    rng: random.Random, clock: DemoClock, planned: list[PlannedLead], webform: WebForm
) -> None:
    """What the leads did with us: the form they sent, visits, email opens and clicks (hot leads more)."""
    lead_type = ContentType.objects.get_for_model(Lead)
    rows, submissions = [], []
    for item in planned:
        lead = item.lead
        if lead.source == LeadSource.WEB_FORM:
            rows.append(
                EngagementEvent(
                    type=FORM_SUBMITTED,
                    content_type=lead_type,
                    object_id=lead.pk,
                    occurred_at=item.created_at,
                    data={"form": webform.slug},
                )
            )
            ip = f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"
            submissions.append(
                Dated(WebFormSubmission(form=webform, ip_address=ip, lead=lead), item.created_at)
            )
        closed = lead.status == LeadStatus.DISQUALIFIED
        end = (item.updated_at or clock.now) if closed else clock.now
        count = int(item.hot**3 * 12) + rng.randint(0, 2)
        for _ in range(count):
            type_ = rng.choices(
                (PAGE_VISITED, EMAIL_OPENED, LINK_CLICKED, FORM_SUBMITTED), weights=(10, 8, 4, 1)
            )[0]
            at = clock.between(rng, item.created_at, end)
            data: dict[str, str] = {}
            if type_ in (PAGE_VISITED, LINK_CLICKED):
                data["url"] = f"https://www.crm.example{rng.choice(PAGES)}"
            elif type_ == EMAIL_OPENED:
                data["subject"] = rng.choice(
                    ("Product update", "Your pricing questions", "Webinar invitation")
                )
            else:
                data["form"] = webform.slug
            rows.append(
                EngagementEvent(
                    type=type_, content_type=lead_type, object_id=lead.pk, occurred_at=at, data=data
                )
            )
    EngagementEvent.objects.bulk_create(rows, batch_size=500)
    insert_dated(WebFormSubmission, submissions)
