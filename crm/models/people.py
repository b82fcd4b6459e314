from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from crm.people.timezones import default_time_zone, time_zone_choices


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    SALES_MANAGER = "sales_manager", "Sales manager"
    SALES_REP = "sales_rep", "Sales rep"
    MARKETER = "marketer", "Marketer"
    SUPPORT_AGENT = "support_agent", "Support agent"


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    manager = models.ForeignKey(
        "crm.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SALES_REP)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    is_away = models.BooleanField("away", default=False, help_text="Away users get no new leads by rotation.")
    time_zone = models.CharField(
        "time zone",
        max_length=64,
        choices=time_zone_choices,
        default=default_time_zone,
        help_text="Dates and times on the pages and in emails are shown in this zone.",
    )

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        """Admins by role, and superusers whatever their role."""
        return self.is_superuser or self.role == Role.ADMIN
