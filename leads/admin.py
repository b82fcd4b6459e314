from django.contrib import admin
from django.http import HttpRequest

from .models import LeadSettings


@admin.register(LeadSettings)
class LeadSettingsAdmin(admin.ModelAdmin):
    """The one settings row: edited in place, never added twice or deleted."""

    fieldsets = [
        ("Scoring", {"fields": ["sales_ready_score"]}),
        ("Assignment", {"fields": ["first_touch_minutes"]}),
        ("Capture", {"fields": ["import_max_rows", "import_max_megabytes", "webform_submissions_per_hour"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not LeadSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: LeadSettings | None = None) -> bool:
        return False
