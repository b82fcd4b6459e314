"""Quotas: what each seller should close per month, set by their manager."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class Quota(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quotas")
    # The first day of the month the quota is for.
    period = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="quota_one_per_user_and_month"),
            models.CheckConstraint(condition=Q(amount__gte=Decimal(0)), name="quota_not_negative"),
            models.CheckConstraint(condition=Q(period__day=1), name="quota_period_is_a_month"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.period:%Y-%m}: {self.amount}"
