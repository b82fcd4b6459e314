"""Admins' writes to exit criteria: what a deal needs before it may move past an open stage.

Every service is for active admins only (crm.access.ensure_admin). Field problems and refusals of the
process's rules are raised as Invalid, naming the field when there is one.
"""

from __future__ import annotations

from django.db import transaction

from crm import access
from crm.errors import Invalid
from crm.models import ActivityKind, User
from crm.records import validate
from sales.models import CriterionKind, ExitCriterion, RequiredField, RequiredRecord, StageKind

from .pipelines import PIPELINES, locked_stage


def criterion_label(
    *, kind: str, field_name: str = "", activity_kind: str = "", activity_subject: str = "", related: str = ""
) -> str:
    """What the rep reads when nobody wrote a label, e.g. "Amount", "Meeting: demo", "A product line"."""
    if kind == CriterionKind.FIELD:
        return str(RequiredField(field_name).label)
    if kind == CriterionKind.RELATED:
        return str(RequiredRecord(related).label)
    activity = str(ActivityKind(activity_kind).label)
    return f"{activity}: {activity_subject}" if activity_subject else activity


@transaction.atomic
def criterion_add(
    *,
    actor: User,
    stage_id: int,
    kind: str,
    field_name: str = "",
    activity_kind: str = "",
    activity_subject: str = "",
    related: str = "",
    label: str = "",
) -> ExitCriterion:
    """Adds what a deal needs before it may move past an open stage; the label defaults from the choice."""
    access.ensure_admin(actor, doing=PIPELINES)
    stage, _ = locked_stage(stage_id)
    if stage.kind != StageKind.OPEN:
        raise Invalid(
            "Only open stages have exit criteria: a won or lost deal moves no further.", code="stage_not_open"
        )
    activity_subject = " ".join(activity_subject.split())
    required = {
        CriterionKind.FIELD: ("field_name", field_name, RequiredField.values, "Choose the field to fill in."),
        CriterionKind.ACTIVITY: (
            "activity_kind",
            activity_kind,
            ActivityKind.values,
            "Choose the kind of activity.",
        ),
        CriterionKind.RELATED: ("related", related, RequiredRecord.values, "Choose the related record."),
    }
    if kind not in required:
        raise Invalid("Choose what the stage requires.", field="kind", code="required")
    field, value, allowed, message = required[CriterionKind(kind)]
    if value not in allowed:
        raise Invalid(message, field=field, code="required")
    # Only the chosen kind's detail is kept: a stale value from another choice would confuse the list.
    fields = {"field_name": "", "activity_kind": "", "activity_subject": "", "related": "", field: value}
    if kind == CriterionKind.ACTIVITY:
        fields["activity_subject"] = activity_subject
    label = " ".join(label.split()) or criterion_label(kind=kind, **fields)
    criterion = ExitCriterion(stage=stage, kind=kind, label=label, **fields)
    validate(criterion)
    criterion.save()
    return criterion


@transaction.atomic
def criterion_remove(*, actor: User, criterion_id: int, stage_id: int | None = None) -> None:
    """Removes the criterion (only from `stage_id`, when given); removing it again changes nothing."""
    access.ensure_admin(actor, doing=PIPELINES)
    criteria = ExitCriterion.objects.filter(pk=criterion_id)
    if stage_id is not None:
        criteria = criteria.filter(stage_id=stage_id)
    criteria.delete()
