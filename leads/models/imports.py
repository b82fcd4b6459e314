"""CSV and Excel imports of leads: the kernel's file import with the lead import's own options."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from crm.models.imports import DuplicatePolicy, FileImport, FileImportProblem, ImportStatus

__all__ = ["DuplicatePolicy", "ImportStatus", "LeadImport", "LeadImportError"]


class LeadImport(FileImport):
    pages: ClassVar[dict[str, str]] = {
        page: f"leads:import-{page}" for page in ("detail", "mapping", "confirm", "errors")
    }

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_imports"
    )
    # Without an owner: True lets the assignment rules pick one (as for any new lead), False leaves
    # the leads unassigned in the queue, as the importer chose.
    run_assignment_rules = models.BooleanField(default=True)

    def problem(self, *, line: int, field: str = "", message: str) -> LeadImportError:
        return LeadImportError(lead_import=self, line=line, field=field[:100], message=message[:500])


class LeadImportError(FileImportProblem):
    lead_import = models.ForeignKey(LeadImport, on_delete=models.CASCADE, related_name="errors")

    class Meta(FileImportProblem.Meta):
        indexes = [models.Index(fields=["lead_import", "line"], name="import_error_line")]
