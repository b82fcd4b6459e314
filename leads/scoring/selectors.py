"""Scoring reads: the rules for the admin's list, a lead's score breakdown, the latest rescore job."""

from __future__ import annotations

from dataclasses import dataclass

from crm.errors import NotFound
from crm.models import BackgroundJob
from leads.models import Lead, LeadScore, ScoringRule

from .rules import ConditionLabels, condition_labels

RESCORE_JOB_KIND = "Lead rescoring"


@dataclass(frozen=True)
class BreakdownRow:
    """One rule's share of a lead's score."""

    rule: str
    points: int


@dataclass(frozen=True)
class RuleRow:
    rule: ScoringRule
    condition: ConditionLabels


def score_breakdown(*, lead: Lead) -> list[BreakdownRow]:
    """The rules that gave the lead points, largest first (the caller has checked the lead is visible)."""
    rows = (
        LeadScore.objects.filter(lead=lead)
        .order_by("-points", "rule__name", "rule_id")
        .values_list("rule__name", "points")
    )
    return [BreakdownRow(rule=name, points=points) for name, points in rows]


def scoring_rule_list() -> list[RuleRow]:
    return [
        RuleRow(
            rule,
            condition_labels(
                kind=rule.kind,
                field=rule.field,
                operator=rule.operator,
                value=rule.value,
                event_type=rule.event_type,
            ),
        )
        for rule in ScoringRule.objects.order_by("kind", "name", "id")
    ]


def scoring_rule_get(*, pk: int) -> ScoringRule:
    rule = ScoringRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound
    return rule


def rescore_job_latest() -> BackgroundJob | None:
    return BackgroundJob.objects.filter(kind=RESCORE_JOB_KIND).order_by("-created_at", "-id").first()


def rescore_job_get(*, pk: int) -> BackgroundJob:
    """One rescore job, for its progress; any other job's id names nothing here."""
    job = BackgroundJob.objects.filter(kind=RESCORE_JOB_KIND, pk=pk).first()
    if job is None:
        raise NotFound
    return job
