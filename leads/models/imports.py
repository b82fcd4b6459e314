"""CSV and Excel imports of leads: the uploaded file, its column mapping, its progress and its errors."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Waiting for the column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", "Skip duplicates"
    UPDATE = "update", "Update the existing lead"
    CREATE = "create", "Create anyway"


class LeadImport(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_imports"
    )
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.MAPPING)
    # {"column header": "lead field"}; headers mapped to "" are ignored.
    mapping = models.JSONField(default=dict, blank=True)
    duplicate_policy = models.CharField(
        max_length=10, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    all_or_nothing = models.BooleanField(
        default=False, help_text="Import no row at all when any row has an error."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Owner of the imported leads; without one, see run_assignment_rules.",
    )
    # Without an owner: True lets the assignment rules pick one (as for any new lead), False leaves
    # the leads unassigned in the queue, as the importer chose.
    run_assignment_rules = models.BooleanField(default=True)
    job = models.OneToOneField("crm.BackgroundJob", null=True, blank=True, on_delete=models.SET_NULL)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class LeadImportError(models.Model):
    """One bad row of an import: its line in the file, the field, and what is wrong."""

    lead_import = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="errors")
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["lead_import", "line"], name="import_error_line")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"
