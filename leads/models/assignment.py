"""Assignment rules: who gets a new lead, in order, with round-robin over a team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AssignmentRule(models.Model):
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(
        default=0, help_text="Rules are tried in this order; first match wins."
    )
    is_active = models.BooleanField(default=True)
    # [{"field": "country", "operator": "in", "value": "Germany, Austria"}, ...]: all must match.
    criteria = models.JSONField(default=list, blank=True)
    assign_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assign_to_team = models.ForeignKey(
        "crm.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The round-robin pointer: the team member who got this rule's previous lead.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(assign_to_user__isnull=True) | Q(assign_to_team__isnull=True),
                name="assignment_rule_one_target",
                violation_error_message="Assign to a user or to a team, not both.",
            ),
        ]

    def __str__(self) -> str:
        return self.name
