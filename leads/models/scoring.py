"""Explainable scoring: rules an admin writes, and the points each rule gave each lead."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class RuleKind(models.TextChoices):
    ATTRIBUTE = "attribute", "Lead attribute"
    BEHAVIOUR = "behaviour", "Engagement"


class Operator(models.TextChoices):
    EQUALS = "eq", "is"
    NOT_EQUALS = "neq", "is not"
    CONTAINS = "contains", "contains"
    IN = "in", "is one of (comma-separated)"
    GREATER_OR_EQUAL = "gte", "is at least"
    LESS_OR_EQUAL = "lte", "is at most"
    IS_EMPTY = "empty", "is empty"
    IS_FREE_MAIL = "free_mail", "is a free-mail address"


class ScoringRule(models.Model):
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    # Attribute rules: a lead field, an operator and a value (e.g. employee_count gte 200).
    field = models.CharField(max_length=60, blank=True)
    operator = models.CharField(max_length=20, choices=Operator.choices, blank=True)
    value = models.CharField(max_length=300, blank=True)
    # Behaviour rules: points per engagement event of this type (e.g. "email_opened").
    event_type = models.CharField(max_length=60, blank=True)
    points = models.IntegerField()
    decay_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Behaviour points halve every this many days; empty keeps them whole.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=RuleKind.ATTRIBUTE) & ~Q(field="") & ~Q(operator=""))
                | (Q(kind=RuleKind.BEHAVIOUR) & ~Q(event_type="")),
                name="scoring_rule_complete",
                violation_error_message="An attribute rule needs a field and an operator; "
                "an engagement rule needs an event type.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LeadScore(models.Model):
    """The points one rule gives one lead: the rows behind a lead's score, shown as its breakdown."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="score_items")
    rule = models.ForeignKey(ScoringRule, on_delete=models.CASCADE, related_name="+")
    points = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lead", "rule"], name="lead_score_once_per_rule")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.points}"
