"""The views of a list a user saves by name (crm.lists.saved_views), for every app's lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedView(models.Model):
    """A user's named filter of one list, e.g. "My new leads in Germany" on the lead list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    list = models.CharField(max_length=40, help_text="The list's key in crm.lists.saved_views, e.g. “deals”.")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, help_text="The list's query string, filters and sort.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list", "name"], name="saved_view_name_unique_per_user_list"
            )
        ]

    def __str__(self) -> str:
        return self.name
