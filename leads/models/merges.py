from __future__ import annotations

from django.conf import settings
from django.db import models


class LeadMerge(models.Model):
    """The record of two duplicate leads made one: what the merged lead held, and what was kept."""

    kept_lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="merges")
    merged_lead_id = models.PositiveBigIntegerField()
    merged_snapshot = models.JSONField(help_text="Every field of the merged lead as it was.")
    field_choices = models.JSONField(help_text='{"field": "kept" | "merged"} as the user picked.')
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.merged_lead_id} into #{self.kept_lead_id}"
