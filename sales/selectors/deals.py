"""Reads of the deal pages: the detail page's stage progress, criteria, history and lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.timesince import timesince

from crm import access
from crm.models import User
from sales.models import (
    ExitCriterion,
    LostReason,
    Opportunity,
    OpportunityLine,
    Product,
    Stage,
    StageVisit,
)
from sales.services.gates import is_met

from .board import board_stages

STAGE_HISTORY_LIMIT = 100


@dataclass(frozen=True)
class CriterionStatus:
    label: str
    met: bool


@dataclass(frozen=True)
class StageStay:
    """One visit of the deal to a stage, and how long it stayed (so far, for the current one)."""

    stage: Stage
    entered_at: datetime
    left_at: datetime | None
    entered_by: User | None
    duration: timedelta

    @property
    def is_current(self) -> bool:
        return self.left_at is None

    @property
    def duration_text(self) -> str:
        if self.duration < timedelta(minutes=1):
            return "less than a minute"
        now = self.entered_at + self.duration
        return timesince(self.entered_at, now, depth=2)


@dataclass(frozen=True)
class Renewals:
    """The won deal this one renews, and the renewal made from it, each when the user may see it."""

    renews: Opportunity | None
    renewed_by: Opportunity | None


def pipeline_stages(*, opportunity: Opportunity) -> list[Stage]:
    return board_stages(pipeline=opportunity.pipeline)


def current_criteria(*, opportunity: Opportunity) -> list[CriterionStatus]:
    """What the deal needs before it moves past its current stage, each met or not yet."""
    criteria = ExitCriterion.objects.filter(stage_id=opportunity.stage_id).order_by("id")
    return [CriterionStatus(criterion.label, is_met(criterion, opportunity)) for criterion in criteria]


def stage_history(*, opportunity: Opportunity, now: datetime | None = None) -> list[StageStay]:
    now = now or timezone.now()
    visits = (
        StageVisit.objects.filter(opportunity=opportunity)
        .select_related("stage", "entered_by")
        .order_by("-entered_at", "-id")[:STAGE_HISTORY_LIMIT]
    )
    return [
        StageStay(
            stage=visit.stage,
            entered_at=visit.entered_at,
            left_at=visit.left_at,
            entered_by=visit.entered_by,
            duration=max((visit.left_at or now) - visit.entered_at, timedelta(0)),
        )
        for visit in visits
    ]


def opportunity_lines(*, opportunity: Opportunity) -> list[OpportunityLine]:
    return list(opportunity.lines.select_related("product"))


def sellable_products() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("name", "id")


def active_lost_reasons() -> QuerySet[LostReason]:
    return LostReason.objects.filter(is_active=True)


def renewals(*, user: User, opportunity: Opportunity) -> Renewals:
    """Both ends of the renewal chain; opportunity_get loaded them with their owners."""
    renews = opportunity.renewal_of
    renewed_by = getattr(opportunity, "renewal", None)
    return Renewals(
        renews=renews if renews is not None and access.can(user, "view", renews) else None,
        renewed_by=renewed_by if renewed_by is not None and access.can(user, "view", renewed_by) else None,
    )
