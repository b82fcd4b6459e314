"""Records several sales test modules make or read the same way."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone

from crm.models import ActivityKind
from sales.models import (
    CriterionKind,
    Deal,
    ExitCriterion,
    Pipeline,
    RequiredField,
    RequiredRecord,
    Stage,
    StageKind,
)
from tests.factories import DealFactory
from tests.factories.sales import stage


def names(pipeline: Pipeline) -> list[str]:
    return list(pipeline.stages.order_by("position", "id").values_list("name", flat=True))


def ids(pipeline: Pipeline, *stage_names: str) -> list[int]:
    return [stage(pipeline, name).pk for name in stage_names]


def deal(pipeline, owner, amount, close_date, stage_name="Qualification", **fields):
    """A deal in `stage_name`; a won or lost one closed at midday of its close date unless told."""
    in_stage = stage(pipeline, stage_name)
    if in_stage.kind != StageKind.OPEN and close_date is not None:
        fields.setdefault("closed_at", timezone.make_aware(datetime.combine(close_date, time(12))))
    return DealFactory(
        owner=owner,
        pipeline=pipeline,
        stage=in_stage,
        amount=Decimal(amount),
        close_date=close_date,
        **fields,
    )


def gate_qualification(pipeline: Pipeline) -> None:
    """Leaving Qualification needs a next step and a primary contact."""
    qualification = stage(pipeline, "Qualification")
    ExitCriterion.objects.create(
        stage=qualification, kind=CriterionKind.FIELD, field_name=RequiredField.NEXT_STEP, label="Next step"
    )
    ExitCriterion.objects.create(
        stage=qualification,
        kind=CriterionKind.RELATED,
        related=RequiredRecord.PRIMARY_CONTACT,
        label="Primary contact",
    )


def demo_criteria(pipeline: Pipeline) -> Stage:
    """Leaving Demo needs an amount, a meeting about the demo and a primary contact."""
    demo = stage(pipeline, "Demo")
    ExitCriterion.objects.create(
        stage=demo, kind=CriterionKind.FIELD, field_name=RequiredField.AMOUNT, label="Amount"
    )
    ExitCriterion.objects.create(
        stage=demo,
        kind=CriterionKind.ACTIVITY,
        activity_kind=ActivityKind.MEETING,
        activity_subject="demo",
        label="Demo held",
    )
    ExitCriterion.objects.create(
        stage=demo,
        kind=CriterionKind.RELATED,
        related=RequiredRecord.PRIMARY_CONTACT,
        label="Primary contact",
    )
    return demo


DEALS_API = "/api/v1/deals/"


def deal_api_url(deal: Deal) -> str:
    return f"{DEALS_API}{deal.pk}/"


def deal_move_api_url(deal: Deal) -> str:
    return f"{DEALS_API}{deal.pk}/move/"
