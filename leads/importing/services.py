"""Importing leads from a file: upload and check it, preview the rows, confirm, and run it as a job.

A file is refused as a whole, before anything is stored, when it is too large, has too many rows, is
empty, has no header row or cannot be parsed (the message names the line). Everything else is decided
row by row when the job runs (leads.importing.running), and a bad row never stops the good ones,
unless the user chose all-or-nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import islice

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from crm import access
from crm.errors import Forbidden, Invalid, NotFound
from crm.jobs.services import job_enqueue
from crm.models import Role, User
from leads.models import DuplicatePolicy, ImportStatus, Lead, LeadImport, LeadSettings

from .dedupe import DuplicateFinder
from .mapping import FIELD_LABELS, check_mapping, guess_mapping
from .parsing import XLSX_MAGIC, Table, read_table
from .rows import Problem, RowChecker
from .storage import file_sha256, stored_table

JOB_KIND = "Lead import"  # also the progress bar's accessible name
MEGABYTE = 1024 * 1024
PREVIEW_ROWS = 10


@dataclass(frozen=True)
class PreviewRow:
    line: int
    values: tuple[str, ...]
    problems: tuple[Problem, ...]
    duplicate: str  # "" or what the row repeats, e.g. "same email address as lead #12 (Anna Schmidt)"


@dataclass(frozen=True)
class PreviewColumn:
    header: str
    field_label: str  # "" when the column is not imported


@dataclass(frozen=True)
class Preview:
    headers: tuple[str, ...]
    columns: list[PreviewColumn]
    rows: list[PreviewRow]


def import_upload(*, actor: User, file: UploadedFile) -> LeadImport:
    """Checks the file's size, rows and structure, stores it, and guesses the column mapping.

    Not one transaction: the stored file cannot roll back, so it is removed if the row cannot be saved.
    """
    access.ensure_can_create(actor, Lead)
    limits = LeadSettings.current()
    largest = limits.import_max_megabytes * MEGABYTE
    data = file.read(largest + 1)
    size = max(file.size or 0, len(data))
    if size > largest:
        raise Invalid(
            f"The file is {size / MEGABYTE:.1f} MB; the largest import is {limits.import_max_megabytes} MB. "
            "Split it into smaller files.",
            field="file",
            code="file_too_large",
        )
    table = read_table(data)
    total = _count_rows(table, largest=limits.import_max_rows)
    sha256 = file_sha256(data)
    lead_import = LeadImport(
        created_by=actor,
        original_name=os.path.basename(file.name or "import")[:255],
        file_sha256=sha256,
        mapping=guess_mapping(table.headers),
        total_rows=total,
    )
    extension = ".xlsx" if data.startswith(XLSX_MAGIC) else ".csv"
    lead_import.file.save(f"lead-import-{sha256[:16]}{extension}", ContentFile(data), save=False)
    try:
        lead_import.save()
    except BaseException:
        lead_import.file.delete(save=False)
        raise
    return lead_import


def _count_rows(table: Table, *, largest: int) -> int:
    """Reads every row once, so that a file the parser chokes on is refused now, naming the line."""
    total = sum(1 for _ in islice(table.rows(), largest + 1))
    if total > largest:
        raise Invalid(
            f"The file has more than {largest:,} rows; the largest import is {largest:,} rows. "
            "Split it into smaller files.",
            field="file",
            code="too_many_rows",
        )
    if total == 0:
        raise Invalid(
            f"Line {table.header_line} names the columns, but no rows of data follow it.",
            field="file",
            code="no_rows",
        )
    return total


def import_preview(
    *, lead_import: LeadImport, rows: int = PREVIEW_ROWS, mapping: dict[str, str] | None = None
) -> Preview:
    """The first rows as they would import under `mapping` (default: the saved one), with their errors
    and the duplicates they repeat (two queries, whatever the number of rows)."""
    table = stored_table(lead_import)
    mapping = lead_import.mapping if mapping is None else mapping
    checker = RowChecker(table.headers, mapping)
    checked = [checker.check(row) for row in islice(table.rows(), rows)]
    finder = DuplicateFinder()
    finder.load(checked)
    preview_rows = []
    for row in checked:
        duplicate = (finder.earlier_line(row) or finder.existing(row)) if row.ok else None
        if row.ok:
            finder.remember(row)
        values = row.values + ("",) * (len(table.headers) - len(row.values))
        preview_rows.append(
            PreviewRow(
                line=row.line,
                values=values[: len(table.headers)],
                problems=row.problems,
                duplicate=str(duplicate or ""),
            )
        )
    columns = [
        PreviewColumn(header, FIELD_LABELS.get(mapping.get(header, ""), "")) for header in table.headers
    ]
    return Preview(headers=table.headers, columns=columns, rows=preview_rows)


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
