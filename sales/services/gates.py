"""Stage exit criteria: what a deal must have before it moves past a stage."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from crm.models import Activity
from sales.errors import ExitCriteriaUnmet
from sales.models import (
    CriterionKind,
    Deal,
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
    criteria = (
        ExitCriterion.objects.filter(stage__in=stages)
        .select_related("stage")
        .order_by("stage__position", "id")
    )
    return [(criterion.stage, criterion.label) for criterion in criteria if not is_met(criterion, deal)]


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
    if criterion.kind == CriterionKind.FIELD:
        return field_is_filled(criterion.field_name, deal)
    if criterion.kind == CriterionKind.RELATED:
        if criterion.related == RequiredRecord.PRIMARY_CONTACT:
            return deal.primary_contact_id is not None
        return deal.pk is not None and deal.lines.exists()
    if deal.pk is None:
        return False
    activities = Activity.objects.filter(
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=deal.pk,
        kind=criterion.activity_kind,
        occurred_at__lte=timezone.now(),
    )
    if criterion.activity_subject:
        activities = activities.filter(subject__icontains=criterion.activity_subject)
    return activities.exists()


def ensure_may_enter(*, deal: Deal, current: Stage | None, target: Stage) -> None:
    """Refuses the move with every missing item listed, grouped under the first stage still blocking."""
    missing = missing_criteria(deal=deal, stages=stages_passed(current=current, target=target))
    if missing:
        raise ExitCriteriaUnmet(stage=missing[0][0].name, missing=[label for _, label in missing])
