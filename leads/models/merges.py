from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class LeadDuplicate(models.Model):
    """A lead that looks like another, as the duplicate check found it (leads.dedupe.checking).

    A pair is stored both ways, one row per side, so that a lead's "Possible duplicates" panel reads
    its own rows by one index; the check of a lead rewrites every row that names it. Who may see the
    candidate is decided when the panel reads, not here.
    """

    # The unique constraint's index leads with the lead: no index of its own.
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, related_name="duplicates", db_index=False
    )
    candidate = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="candidate_of")
    same_email = models.BooleanField()
    same_phone = models.BooleanField()
    similar_name_and_company = models.BooleanField()
    # The name's and the company's trigram similarity, averaged; 0 when the lead has no last name or
    # no company, as the panel ranked it when it matched live.
    similarity = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "candidate"], name="lead_duplicate_once"),
            models.CheckConstraint(condition=~Q(lead=F("candidate")), name="lead_duplicate_not_itself"),
            models.CheckConstraint(
                condition=Q(same_email=True) | Q(same_phone=True) | Q(similar_name_and_company=True),
                name="lead_duplicate_has_a_reason",
            ),
        ]
        indexes = [
            # The panel's read: a lead's rows, strongest reason first, newest candidate among equals.
            models.Index(
                fields=["lead", "-same_email", "-same_phone", "-similarity", "-candidate"],
                name="lead_duplicate_panel",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.candidate_id} may be #{self.lead_id}"


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
