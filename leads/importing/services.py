"""Importing leads from a file: the kernel's upload, preview and job (crm.imports) with the lead's
limits (LeadSettings), fields and options: an owner, or the assignment rules, or the queue."""

from __future__ import annotations

import copy
from itertools import islice

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from crm import access
from crm.errors import Forbidden, Invalid, NotFound
from crm.imports.services import PREVIEW_ROWS, Preview, preview_of, upload_read, upload_store
from crm.imports.storage import stored_table
from crm.jobs.services import job_enqueue
from crm.models import Role, User
from leads.models import DuplicatePolicy, ImportStatus, Lead, LeadImport, LeadSettings

from .importer import LeadImporter
from .mapping import FIELDS, check_mapping, guess_mapping

JOB_KIND = "Lead import"  # also the progress bar's accessible name


def import_upload(*, actor: User, file: UploadedFile) -> LeadImport:
    """Checks the file's size, rows and structure, stores it, and guesses the column mapping."""
    access.ensure_can_create(actor, Lead)
    limits = LeadSettings.current()
    upload = upload_read(file, max_megabytes=limits.import_max_megabytes, max_rows=limits.import_max_rows)
    lead_import = LeadImport(created_by=actor, mapping=guess_mapping(upload.table.headers))
    upload_store(lead_import, upload, prefix="lead-import")
    return lead_import


def import_preview(
    *, lead_import: LeadImport, rows: int = PREVIEW_ROWS, mapping: dict[str, str] | None = None
) -> Preview:
    """The first rows as they would import under `mapping` (default: the saved one), with their errors
    and the duplicates they repeat (two queries, whatever the number of rows)."""
    table = stored_table(lead_import)
    draft = copy.copy(lead_import)  # it keeps the file read above
    draft.mapping = lead_import.mapping if mapping is None else mapping
    importer = LeadImporter(draft)
    checked = [importer.check(row) for row in islice(table.rows(), rows)]
    return preview_of(table, FIELDS, draft.mapping, checked, importer.duplicates(checked))


@transaction.atomic
def import_confirm(
    *,
    actor: User,
    import_id: int,
    mapping: dict[str, str],
    duplicate_policy: str,
    all_or_nothing: bool,
    owner: User | None,
    run_assignment_rules: bool = True,
) -> LeadImport:
    """Saves the user's choices and queues the job; a second confirmation changes nothing.

    New leads without an owner go through the assignment rules, or stay in the queue when
    `run_assignment_rules` is False.
    """
    lead_import = LeadImport.objects.select_for_update().filter(pk=import_id).first()
    if lead_import is None or not (actor.is_admin or lead_import.created_by_id == actor.pk):
        raise NotFound
    if lead_import.status != ImportStatus.MAPPING:
        return lead_import
    if lead_import.created_by_id != actor.pk:
        raise Forbidden("Only the person who uploaded the file can start its import.", code="not_uploader")
    access.ensure_can_create(actor, Lead)
    if duplicate_policy not in DuplicatePolicy.values:
        raise Invalid("Choose what to do with duplicates.", field="duplicate_policy", code="required")
    lead_import.mapping = check_mapping(stored_table(lead_import).headers, mapping)
    lead_import.owner = _owner(actor=actor, owner=owner)
    lead_import.run_assignment_rules = run_assignment_rules
    lead_import.duplicate_policy = duplicate_policy
    lead_import.all_or_nothing = all_or_nothing
    lead_import.job = job_enqueue(
        kind=JOB_KIND, created_by=actor, payload={"import_id": lead_import.pk}, total=lead_import.total_rows
    )
    lead_import.status = ImportStatus.QUEUED
    lead_import.save()
    return lead_import


def _owner(*, actor: User, owner: User | None) -> User | None:
    """The chosen owner, if `actor` may assign to them; else the rep themself, or nobody (the queue)."""
    if owner is None:
        return actor if actor.role == Role.SALES_REP and not actor.is_admin else None
    if not access.assignable_owners(actor).filter(pk=owner.pk).exists():
        raise Invalid(
            f"You cannot make {owner} the owner of leads.", field="owner", code="owner_not_assignable"
        )
    return owner
