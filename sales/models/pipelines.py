"""Pipelines and their ordered stages, each stage with its win probability and exit criteria."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from crm.models import ActivityKind


class StageKind(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Pipeline(models.Model):
    name = models.CharField(max_length=100, unique=True)
    # New deals (conversions, cross-sell, renewals) go to the default pipeline unless told otherwise.
    is_default = models.BooleanField("default pipeline", default=False)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="pipeline_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    probability = models.PositiveSmallIntegerField(
        "win probability (%)", default=10, help_text="Weights the forecast: amount x probability."
    )
    kind = models.CharField(max_length=10, choices=StageKind.choices, default=StageKind.OPEN)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_unique_per_pipeline"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_percent"),
            models.CheckConstraint(condition=Q(kind__in=StageKind.values), name="stage_kind_known"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.OPEN


class CriterionKind(models.TextChoices):
    FIELD = "field", "A field is filled in"
    ACTIVITY = "activity", "An activity took place"
    RELATED = "related", "A related record exists"


class RequiredField(models.TextChoices):
    ACCOUNT = "account", "Account"
    AMOUNT = "amount", "Amount"
    CLOSE_DATE = "close_date", "Expected close date"
    NEXT_STEP = "next_step", "Next step"
    PRIMARY_CONTACT = "primary_contact", "Primary contact"


class RequiredRecord(models.TextChoices):
    PRIMARY_CONTACT = "primary_contact", "A primary contact"
    LINE_ITEM = "line_item", "A product line"


class ExitCriterion(models.Model):
    """What a deal needs before it may move past `stage` (the process's execution order, enforced)."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="exit_criteria")
    kind = models.CharField(max_length=10, choices=CriterionKind.choices)
    field_name = models.CharField("field", max_length=30, choices=RequiredField.choices, blank=True)
    activity_kind = models.CharField("activity kind", max_length=20, choices=ActivityKind.choices, blank=True)
    activity_subject = models.CharField(
        "activity subject contains",
        max_length=100,
        blank=True,
        help_text='e.g. "demo": a meeting whose subject mentions a demo, logged on the deal.',
    )
    related = models.CharField("related record", max_length=30, choices=RequiredRecord.choices, blank=True)
    label = models.CharField(
        max_length=120, help_text='What the rep reads when it is missing, e.g. "Demo held".'
    )

    class Meta:
        ordering = ["stage", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=CriterionKind.FIELD, field_name__gt="")
                | Q(kind=CriterionKind.ACTIVITY, activity_kind__gt="")
                | Q(kind=CriterionKind.RELATED, related__gt=""),
                name="exit_criterion_complete",
                violation_error_message="Say which field, activity or related record the stage requires.",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class LostReason(models.Model):
    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField("active", default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
