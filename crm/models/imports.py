"""File imports: the uploaded file, its column mapping, its progress and the rows it did not import.

`FileImport` is what every import shares (the lead import's `LeadImport` and the kernel's
`RecordImport` of accounts and the other records); the machinery that runs them is `crm.imports`.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Waiting for the column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", "Skip duplicates"
    UPDATE = "update", "Update the existing record"
    CREATE = "create", "Create anyway"


class DateOrder(models.TextChoices):
    DAY_FIRST = "dmy", "Day first (31/12/2024)"
    MONTH_FIRST = "mdy", "Month first (12/31/2024)"


class FileImport(models.Model):
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.MAPPING)
    # {"column header": "field"}; headers mapped to "" are ignored.
    mapping = models.JSONField(default=dict, blank=True)
    # {"field": {"cell": "option key"}}: the user's reading of a choice column's cells (crm.imports.values).
    values = models.JSONField(default=dict, blank=True)
    duplicate_policy = models.CharField(
        max_length=10, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP
    )
    all_or_nothing = models.BooleanField(
        default=False, help_text="Import no row at all when any row has an error."
    )
    # How to read dates such as 03/04/2024 that could be either; "" until the user (or the file) says.
    date_order = models.CharField(max_length=3, choices=DateOrder.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Owner of the imported records that the file gives none.",
    )
    job = models.OneToOneField("crm.BackgroundJob", null=True, blank=True, on_delete=models.SET_NULL)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # The rows not imported: each concrete import names its problem model's relation "errors".
    errors: models.Manager[FileImportProblem]
    # The URL names of the import's pages (detail, mapping, confirm, errors): its app's.
    pages: ClassVar[dict[str, str]]

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    def problem(self, *, line: int, field: str = "", message: str) -> FileImportProblem:
        """An unsaved report row of this import."""
        raise NotImplementedError

    @property
    def links(self) -> dict[str, str]:
        """The import's pages, for the templates every import shares (templates/imports/)."""
        return {page: reverse(name, args=[self.pk]) for page, name in self.pages.items()}


class FileImportProblem(models.Model):
    """One row of an import that was not imported: its line in the file, the column, and why."""

    line = models.PositiveIntegerField()
    field = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=500)

    class Meta:
        abstract = True
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class RecordImport(FileImport):
    """An import of accounts, contacts or another record type of `crm.imports.registry`."""

    pages: ClassVar[dict[str, str]] = {
        page: f"imports:{page}" for page in ("detail", "mapping", "confirm", "errors")
    }

    kind = models.CharField(max_length=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="record_imports"
    )
    saved_mapping = models.ForeignKey(
        "crm.SavedMapping",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The saved mapping the upload was mapped with, when one covered every column.",
    )

    class Meta(FileImport.Meta):
        indexes = [models.Index(fields=["created_by", "-created_at"], name="record_import_uploader")]

    def problem(self, *, line: int, field: str = "", message: str) -> RecordImportProblem:
        return RecordImportProblem(record_import=self, line=line, field=field[:100], message=message[:500])


class RecordImportProblem(FileImportProblem):
    record_import = models.ForeignKey(RecordImport, on_delete=models.CASCADE, related_name="errors")

    class Meta(FileImportProblem.Meta):
        indexes = [models.Index(fields=["record_import", "line"], name="record_import_problem_line")]


class SavedMapping(models.Model):
    """A named column mapping of one record type, e.g. "Salesforce opportunities" for deals: what each
    header of that source's export fills and how its choice cells read. Shared with everyone who may
    import the record type, like the saved import mappings of HubSpot and Salesforce."""

    kind = models.CharField(max_length=30, help_text="The record type, as RecordImport.kind.")
    name = models.CharField(max_length=80)
    # {"column header": "field"}, "" for a column the source exports but nobody imports.
    mapping = models.JSONField(default=dict)
    # {"field": {"cell": "option key"}}, as RecordImport.values.
    values = models.JSONField(default=dict, blank=True)
    date_order = models.CharField(max_length=3, choices=DateOrder.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="saved_mappings"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            # "Salesforce Opportunities" is the same mapping as "salesforce opportunities".
            models.UniqueConstraint("kind", Lower("name"), name="saved_mapping_name_unique_per_kind")
        ]

    def __str__(self) -> str:
        return self.name
