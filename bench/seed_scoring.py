"""Scoring rules for the benchmark, and every seeded lead's score computed by the app's own engine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Max, Min

from crm.timeline.engagement import EMAIL_OPENED, PAGE_VISITED
from leads.models import Lead, LeadSettings, Operator, RuleKind, ScoringRule
from leads.scoring import engine
from leads.scoring.rules import check_rule

# The rule the rescoring scenario changes: web-form leads are three in ten, so a change to its points
# rewrites that many LeadScore rows and scores.
RESCORED_RULE = "Came through a web form"
RESCORED_POINTS = (5, 8)  # the scenario moves the points from one to the other, so reruns change them too
SEED_RULES: list[dict[str, Any]] = [
    {"name": "Large company", "field": "employee_count", "operator": Operator.GREATER_OR_EQUAL,
     "value": "200", "points": 15},
    {"name": "Software industry", "field": "industry", "operator": Operator.EQUALS, "value": "Software",
     "points": 10},
    {"name": "Free-mail address", "field": "email", "operator": Operator.IS_FREE_MAIL, "points": -10},
    {"name": RESCORED_RULE, "field": "source", "operator": Operator.EQUALS, "value": "web_form",
     "points": RESCORED_POINTS[0]},
    {"name": "Decision maker", "field": "authority", "operator": Operator.EQUALS, "value": "decision_maker",
     "points": 20},
    {"name": "VIP", "field": "tags", "operator": Operator.CONTAINS, "value": "vip", "points": 25},
    {"name": "Opened an email", "kind": RuleKind.BEHAVIOUR, "event_type": EMAIL_OPENED, "points": 3,
     "decay_days": 30},
    {"name": "Visited the pricing page", "kind": RuleKind.BEHAVIOUR, "event_type": PAGE_VISITED,
     "value": "/pricing", "points": 10},
]  # fmt: skip
# Leads per engine pass while seeding: ten times the app's chunk, since nobody waits on these locks.
SEED_RANGE = 100_000


def seed_rules() -> None:
    for rule in SEED_RULES:
        checked = check_rule(
            name=rule["name"],
            kind=rule.get("kind", RuleKind.ATTRIBUTE),
            field=rule.get("field", ""),
            operator=rule.get("operator", ""),
            value=rule.get("value", ""),
            event_type=rule.get("event_type", ""),
            points=rule["points"],
            decay_days=rule.get("decay_days"),
        )
        ScoringRule.objects.create(**checked)


def score_ranges() -> list[tuple[int, int]]:
    """The lead id ranges a scoring pass walks, SEED_RANGE leads each."""
    span = Lead.objects.aggregate(first=Min("id"), last=Max("id"))
    if span["first"] is None:
        return []
    return [
        (first, min(first + SEED_RANGE - 1, span["last"]))
        for first in range(span["first"], span["last"] + 1, SEED_RANGE)
    ]


def score_range(first: int, last: int, *, now: datetime) -> None:
    """The LeadScore rows, scores and sales-ready marks the app would hold for the leads in [first, last],
    without its notifications; the ranges are independent, so several connections may score at once."""
    rules = list(ScoringRule.objects.filter(is_active=True))
    threshold = LeadSettings.current().sales_ready_score
    engine.sync_points(rules, scope=None, first=first, last=last, now=now)
    engine.update_totals(first, last)
    engine.mark_sales_ready(first, last, threshold=threshold, now=now)
