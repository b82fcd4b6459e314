from __future__ import annotations

from django.db import models


class LeadSettings(models.Model):
    """The admin-set knobs of lead handling; one row (`LeadSettings.current()`)."""

    sales_ready_score = models.PositiveIntegerField(
        "sales-ready score",
        default=50,
        help_text="Leads at or above this score are sales-ready; owners are told.",
    )
    first_touch_minutes = models.PositiveIntegerField(
        "first-touch time (minutes)",
        default=240,
        help_text="How long an owner has to touch a newly assigned lead before their manager is alerted.",
    )
    import_max_rows = models.PositiveIntegerField("largest import (rows)", default=100_000)
    import_max_megabytes = models.PositiveIntegerField("largest import file (MB)", default=20)
    webform_submissions_per_hour = models.PositiveIntegerField(
        "web-form submissions per IP and hour", default=20
    )

    class Meta:
        verbose_name = "lead settings"
        verbose_name_plural = "lead settings"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="lead_settings_single_row")]

    def __str__(self) -> str:
        return "Lead settings"

    @classmethod
    def current(cls) -> LeadSettings:
        settings, _ = cls.objects.get_or_create(id=1)
        return settings
