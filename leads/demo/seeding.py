"""Demo leads for `make run`: a year of capture from every source, worked by the demo sellers.

About 350 leads, created over the last twelve months, in every status but converted (selling converts
some, see sales.demo.seeding): the newest wait in the default and the team queues or run their first-touch
timer, older ones were touched, worked, nurtured, qualified or disqualified. Web forms, campaigns and
integrations captured most of them and the assignment rules routed them by country; sellers typed in
referrals, marketing imported trade-show lists. Their engagement (forms, pricing-page visits, email
opens and clicks) is scored by the scoring engine itself, so each lead's breakdown and the sales-ready
badge are what the rules say; their possible duplicates are what the duplicate check finds. Leads are
keyed by email address: one that exists is left alone.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max

from crm.demo.writing import UNREAD_FOR, Dated, DemoClock, DemoTimeline, demo_clock, insert_dated, restamp
from crm.models import EngagementEvent, LifecycleEvent, Notification, NotificationKind, Team, User
from crm.timeline.engagement import EMAIL_OPENED, FORM_SUBMITTED, LINK_CLICKED, PAGE_VISITED

from ..assignment.services import assignment_rule_create
from ..dedupe.checking import leads_duplicates_check_chunk
from ..dedupe.pending import check_chunk_of
from ..models import (
    AssignmentRule,
    Authority,
    Lead,
    LeadSettings,
    PurchaseTimeline,
    RuleKind,
    ScoringRule,
    WebForm,
)
from ..scoring.engine import chunk_of
from ..scoring.events import LEAD_SALES_READY
from ..scoring.rules import check_rule
from ..scoring.services import leads_rescore_chunk
from ..webforms.services import webform_create
from .capture import CAPTURED, DEMO_ASSIGNMENT_RULES, PlannedLead, plan_leads
from .history import plan_history, write_engagement

LEADS_SEED = 1002
# name, kind, field, operator, value, event type, points
DEMO_SCORING_RULES = [
    ("Software companies", RuleKind.ATTRIBUTE, "industry", "eq", "Software", "", 10),
    ("200 or more employees", RuleKind.ATTRIBUTE, "employee_count", "gte", "200", "", 15),
    ("Decision makers", RuleKind.ATTRIBUTE, "authority", "eq", Authority.DECISION_MAKER, "", 10),
    ("Buying this quarter", RuleKind.ATTRIBUTE, "timeline", "eq", PurchaseTimeline.THIS_QUARTER, "", 10),
    ("Free-mail address", RuleKind.ATTRIBUTE, "email", "free_mail", "", "", -10),
    ("Filled in a web form", RuleKind.BEHAVIOUR, "", "", "", FORM_SUBMITTED, 20),
    ("Visited the pricing page", RuleKind.BEHAVIOUR, "", "", "pricing", PAGE_VISITED, 10),
    ("Opened an email", RuleKind.BEHAVIOUR, "", "", "", EMAIL_OPENED, 2),
    ("Clicked a link in an email", RuleKind.BEHAVIOUR, "", "", "", LINK_CLICKED, 5),
]
WEB_FORM = {
    "name": "Contact sales",
    "slug": "contact-sales",
    "fields": [
        {"field": "first_name", "label": "First name", "required": False},
        {"field": "last_name", "label": "Last name", "required": True},
        {"field": "email", "label": "Work email", "required": True},
        {"field": "company", "label": "Company", "required": False},
        {"field": "employee_count", "label": "Company size", "required": False},
        {"field": "country", "label": "Country", "required": False},
    ],
    "utm_source": "website",
    "tags": ["website"],
}


def seed_demo_leads(people: dict[str, User]) -> bool:
    clock = demo_clock()
    rng = random.Random(LEADS_SEED)  # noqa: S311  (a fixed seed: the same book everywhere)
    admin = people["admin"]
    created = _seed_rules(admin)
    webform = WebForm.objects.filter(slug=WEB_FORM["slug"]).first()
    if webform is None:
        webform = webform_create(actor=people["marketer"], fields=WEB_FORM)
        created = True
    timeline = DemoTimeline(clock)
    planned = plan_leads(rng, clock, people, webform)
    first_touch = timedelta(minutes=LeadSettings.current().first_touch_minutes)
    for item in planned:
        plan_history(rng, clock, timeline, people, item, first_touch)
    taken = set(
        Lead.objects.filter(email__in=[p.lead.email for p in planned]).values_list("email", flat=True)
    )
    planned = [p for p in planned if p.lead.email not in taken]
    if not planned:
        return created
    insert_dated(
        Lead,
        [Dated(p.lead, p.created_at, p.created_by, p.updated_at, p.initially, p.lead.owner) for p in planned],
    )
    write_engagement(rng, clock, planned, webform)
    timeline.save()
    _route_pointers(people, planned)
    _score(clock, [p.lead for p in planned])
    # Checked here, chunk by chunk as a worker would, so that the book opens with its duplicates found.
    for chunk in sorted({check_chunk_of(p.lead.pk) for p in planned}):
        leads_duplicates_check_chunk(chunk=chunk)
    return True


def _seed_rules(admin: User) -> bool:
    created = False
    for name, kind, field_name, operator, value, event_type, points in DEMO_SCORING_RULES:
        if not ScoringRule.objects.filter(name=name).exists():
            # Written directly: the scores are computed below in one pass, not by a rescore job per rule.
            checked = check_rule(
                name=name,
                kind=kind,
                field=field_name,
                operator=operator,
                value=value,
                event_type=event_type,
                points=points,
                decay_days=None,
            )
            ScoringRule.objects.create(**checked)
            created = True
    for name, countries, team in DEMO_ASSIGNMENT_RULES:
        if not AssignmentRule.objects.filter(name=name).exists():
            assignment_rule_create(
                actor=admin,
                name=name,
                criteria=[{"field": "country", "operator": "in", "value": ", ".join(countries)}],
                assign_to_team=Team.objects.get(name=team),
            )
            created = True
    return created


def _route_pointers(people: dict[str, User], planned: list[PlannedLead]) -> None:
    """Each rule's round-robin pointer names the member who got its latest lead, as the rules left it."""
    for name, _, team_name in DEMO_ASSIGNMENT_RULES:
        last = next(
            (
                p.lead.owner
                for p in reversed(planned)
                if p.lead.team and p.lead.team.name == team_name and p.lead.source in CAPTURED
            ),
            None,
        )
        if last is not None:
            AssignmentRule.objects.filter(name=name).update(last_assigned=last)


def _score(clock: DemoClock, leads: list[Lead]) -> None:
    """Scores the new leads with the scoring engine, then dates each sales-ready badge, its event and its
    owner's notification to the lead's latest engagement rather than to this second."""
    for chunk in sorted({chunk_of(lead.pk) for lead in leads}):
        leads_rescore_chunk(chunk=chunk, now=clock.now)
    ids = [lead.pk for lead in leads]
    lead_type = ContentType.objects.get_for_model(Lead)
    latest = dict(
        EngagementEvent.objects.filter(content_type=lead_type, object_id__in=ids)
        .values_list("object_id")
        .annotate(at=Max("occurred_at"))
        .order_by()
    )
    ready = list(Lead.objects.filter(pk__in=ids, sales_ready_at__isnull=False))
    when: dict[int, datetime] = {}
    for lead in ready:
        engaged = max(latest.get(lead.pk, lead.created_at), lead.created_at)
        lead.sales_ready_at = when[lead.pk] = min(engaged + timedelta(minutes=2), clock.now)
    restamp(Lead, ready, ["sales_ready_at"])
    events_ = list(
        LifecycleEvent.objects.filter(type=LEAD_SALES_READY, content_type=lead_type, object_id__in=ids)
    )
    for event in events_:
        event.occurred_at = when.get(event.object_id, event.occurred_at)
    restamp(LifecycleEvent, events_, ["occurred_at"])
    by_url = {lead.get_absolute_url(): when[lead.pk] for lead in ready}
    notes = list(Notification.objects.filter(kind=NotificationKind.SALES_READY, url__in=list(by_url)))
    for note in notes:
        note.created_at = by_url[note.url]
        note.read_at = (
            None if note.created_at > clock.now - UNREAD_FOR else note.created_at + timedelta(hours=2)
        )
    restamp(Notification, notes, ["created_at", "read_at"])
