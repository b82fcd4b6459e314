"""Stage exit criteria: what a deal must have before it moves past a stage."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crm.models import Activity
from sales.errors import ExitCriteriaUnmet
from sales.models import (
    CriterionKind,
    Deal,
    DealLine,
    ExitCriterion,
    RequiredField,
    RequiredRecord,
    Stage,
    StageKind,
)


def stages_passed(*, current: Stage | None, target: Stage) -> QuerySet[Stage]:
    """The open stages a move from `current` to `target` goes past; moving back or to lost passes none.

    A deal entering a pipeline (new, or from another pipeline) or reopened passes every open stage
    before its target; a win passes every open stage from where the deal stands.
    """
    stages = Stage.objects.filter(pipeline_id=target.pipeline_id, kind=StageKind.OPEN)
    if target.kind == StageKind.LOST:
        return stages.none()
    start = -1
    if current is not None and current.pipeline_id == target.pipeline_id and current.kind == StageKind.OPEN:
        start = current.position
    if target.kind == StageKind.WON:
        return stages.filter(position__gte=start)
    return stages.filter(position__gte=start, position__lt=target.position)


def missing_criteria(*, deal: Deal, stages: QuerySet[Stage]) -> list[tuple[Stage, str]]:
    """Each unmet exit criterion of `stages`, with its stage, in the pipeline's order."""
    criteria = list(
        ExitCriterion.objects.filter(stage__in=stages)
        .select_related("stage")
        .order_by("stage__position", "id")
    )
    return [(criterion.stage, criterion.label) for criterion in unmet_criteria([(deal, criteria)])[0]]


def unmet_criteria(checks: Sequence[tuple[Deal, Sequence[ExitCriterion]]]) -> list[list[ExitCriterion]]:
    """For each (deal, criteria), the criteria the deal does not meet yet, in their order. Whatever the
    number of deals: one query for the activities logged on them and one for those with product lines,
    each only when a criterion asks for it."""
    saved = sorted({deal.pk for deal, _ in checks if deal.pk is not None})
    asked = [criterion for _, criteria in checks for criterion in criteria]
    logged = _activities_logged(saved, [c for c in asked if c.kind == CriterionKind.ACTIVITY])
    with_lines: set[int] = set()
    if saved and any(_asks_for_lines(criterion) for criterion in asked):
        lines = DealLine.objects.filter(deal__in=saved).order_by().values_list("deal_id", flat=True)
        with_lines = set(lines.distinct())
    return [
        [
            criterion
            for criterion in criteria
            if not _met(criterion, deal, logged=logged, with_lines=with_lines)
        ]
        for deal, criteria in checks
    ]


def field_is_filled(field_name: str, deal: Deal) -> bool:
    """Whether the deal has the field a FIELD criterion requires; a field this code does not know is
    never filled, so a criterion no deal can meet blocks the move rather than letting every deal past."""
    if field_name == RequiredField.ACCOUNT:
        return deal.account_id is not None
    if field_name == RequiredField.AMOUNT:
        return deal.amount > 0
    if field_name == RequiredField.CLOSE_DATE:
        return deal.close_date is not None
    if field_name == RequiredField.NEXT_STEP:
        return bool(deal.next_step.strip())
    if field_name == RequiredField.PRIMARY_CONTACT:
        return deal.primary_contact_id is not None
    return False


def is_met(criterion: ExitCriterion, deal: Deal) -> bool:
    return not unmet_criteria([(deal, [criterion])])[0]


def _asks_for_lines(criterion: ExitCriterion) -> bool:
    return criterion.kind == CriterionKind.RELATED and criterion.related != RequiredRecord.PRIMARY_CONTACT


def _met(
    criterion: ExitCriterion, deal: Deal, *, logged: set[tuple[int, str, str]], with_lines: set[int]
) -> bool:
    if criterion.kind == CriterionKind.FIELD:
        return field_is_filled(criterion.field_name, deal)
    if criterion.kind == CriterionKind.RELATED:
        if criterion.related == RequiredRecord.PRIMARY_CONTACT:
            return deal.primary_contact_id is not None
        return deal.pk in with_lines
    return (deal.pk, criterion.activity_kind, criterion.activity_subject) in logged


def _activities_logged(deal_ids: list[int], criteria: list[ExitCriterion]) -> set[tuple[int, str, str]]:
    """(deal id, kind, subject) for each activity criterion some past activity on the deal meets."""
    wanted = sorted({(criterion.activity_kind, criterion.activity_subject) for criterion in criteria})
    if not deal_ids or not wanted:
        return set()
    # One row per deal, a count per criterion: the database matches the subject (icontains), not Python.
    counts = {
        f"logged_{index}": Count(
            "pk", filter=Q(kind=kind, subject__icontains=subject) if subject else Q(kind=kind)
        )
        for index, (kind, subject) in enumerate(wanted)
    }
    rows = (
        Activity.objects.filter(
            content_type=ContentType.objects.get_for_model(Deal),
            object_id__in=deal_ids,
            kind__in={kind for kind, _ in wanted},
            occurred_at__lte=timezone.now(),
        )
        .order_by()
        .values("object_id")
        .annotate(**counts)
    )
    return {
        (row["object_id"], kind, subject)
        for row in rows
        for index, (kind, subject) in enumerate(wanted)
        if row[f"logged_{index}"]
    }


def ensure_may_enter(*, deal: Deal, current: Stage | None, target: Stage) -> None:
    """Refuses the move with every missing item listed, grouped under the first stage still blocking."""
    missing = missing_criteria(deal=deal, stages=stages_passed(current=current, target=target))
    if missing:
        raise ExitCriteriaUnmet(stage=missing[0][0].name, missing=[label for _, label in missing])
