from __future__ import annotations

from django.db import models


class SalesSettings(models.Model):
    """The admin-set knobs of selling; one row (`SalesSettings.current()`)."""

    default_currency = models.CharField("default currency", max_length=3, default="EUR")
    reps_see_team_board = models.BooleanField(
        "reps see their team's deals",
        default=True,
        help_text="Reps see (read-only) the deals of their team on the board and lists, not only their own.",
    )
    renewal_lead_days = models.PositiveIntegerField(
        "create renewals (days before the contract ends)", default=90
    )

    class Meta:
        verbose_name = "sales settings"
        verbose_name_plural = "sales settings"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="sales_settings_single_row")]

    def __str__(self) -> str:
        return "Sales settings"

    @classmethod
    def current(cls) -> SalesSettings:
        settings, _ = cls.objects.get_or_create(id=1)
        return settings
