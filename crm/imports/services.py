"""Importing records from a file: upload and check it, preview the rows, confirm, and run it as a job.

A file is refused as a whole, before anything is stored, when it is too large, has too many rows, is
empty, has no header row or cannot be parsed (the message names the line). Everything else is decided
row by row when the job runs (crm.imports.running), and a bad row never stops the good ones, unless the
user chose all-or-nothing.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from crm import access
from crm.errors import Conflict, Forbidden, Invalid, NotFound
from crm.jobs.services import job_enqueue
from crm.models import DuplicatePolicy, ImportStatus, RecordImport, SavedMapping, User
from crm.models.imports import DateOrder, FileImport

from .cells import date_order_hint
from .mapping import ImportFields
from .parsing import XLSX_MAGIC, Table, read_table
from .registry import record_type
from .rows import CheckedRow, Problem
from .saved import Applied, saved_mapping_apply, saved_mapping_changeable
from .selectors import import_like, saved_mapping_covering, saved_mapping_get
from .storage import file_sha256, stored_table
from .values import ValueGroup, ValueSet, value_groups

JOB_KIND = "Import"  # also the progress bar's accessible name
MEGABYTE = 1024 * 1024
MAX_MEGABYTES = 20
MAX_ROWS = 100_000
PREVIEW_ROWS = 10


@dataclass(frozen=True)
class Upload:
    data: bytes
    table: Table
    total_rows: int
    name: str


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
    values: list[ValueGroup] = field(default_factory=list)  # the choice columns' distinct cells


def upload_read(file: UploadedFile, *, max_megabytes: int, max_rows: int) -> Upload:
    """The file's bytes and table, once its size, row count and structure are checked."""
    largest = max_megabytes * MEGABYTE
    data = file.read(largest + 1)
    size = max(file.size or 0, len(data))
    if size > largest:
        raise Invalid(
            f"The file is {size / MEGABYTE:.1f} MB; the largest import is {max_megabytes} MB. "
            "Split it into smaller files.",
            field="file",
            code="file_too_large",
        )
    table = read_table(data)
    total = _count_rows(table, largest=max_rows)
    return Upload(data, table, total, os.path.basename(file.name or "import")[:255])


def upload_store(file_import: FileImport, upload: Upload, *, prefix: str) -> None:
    """Saves the import with its file. Not one transaction: the stored file cannot roll back, so it is
    removed if the row cannot be saved."""
    file_import.original_name = upload.name
    file_import.file_sha256 = file_sha256(upload.data)
    file_import.total_rows = upload.total_rows
    extension = ".xlsx" if upload.data.startswith(XLSX_MAGIC) else ".csv"
    name = f"{prefix}-{file_import.file_sha256[:16]}{extension}"
    file_import.file.save(name, ContentFile(upload.data), save=False)
    try:
        file_import.save()
    except BaseException:
        file_import.file.delete(save=False)
        raise


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


def preview_of(
    table: Table,
    fields: ImportFields,
    mapping: dict[str, str],
    rows: Sequence[CheckedRow],
    duplicates: list[str],
    values: list[ValueGroup] | None = None,
) -> Preview:
    preview_rows = [
        PreviewRow(
            line=row.line,
            values=(row.values + ("",) * len(table.headers))[: len(table.headers)],
            problems=row.problems,
            duplicate=duplicate,
        )
        for row, duplicate in zip(rows, duplicates, strict=True)
    ]
    columns = [
        PreviewColumn(header, fields.labels.get(mapping.get(header, ""), "")) for header in table.headers
    ]
    return Preview(headers=table.headers, columns=columns, rows=preview_rows, values=values or [])


def record_import_upload(*, actor: User, kind: str, file: UploadedFile) -> RecordImport:
    """Checks the file, stores it, and guesses the column mapping from its headers."""
    imported = record_type(kind)
    if not imported.may_import(actor):
        raise Forbidden(f"Your role cannot import {imported.label.lower()}.", code="import_not_allowed")
    upload = upload_read(file, max_megabytes=MAX_MEGABYTES, max_rows=MAX_ROWS)
    headers = upload.table.headers
    record_import = RecordImport(created_by=actor, kind=kind, mapping=imported.fields.guess(headers))
    # A saved mapping that knows every column names the source; else the user's last import of a file
    # with the same columns (the same source again) is the best guess of their choices.
    saved = saved_mapping_covering(user=actor, kind=kind, headers=headers)
    earlier = None if saved is not None else import_like(user=actor, kind=kind, headers=headers)
    chosen_order = ""
    if saved is not None:
        applied = saved_mapping_apply(
            saved,
            fields=imported.fields,
            headers=headers,
            mapping=record_import.mapping,
            values={},
            date_order="",
            value_sets=imported.importer(record_import).value_sets(),
        )
        record_import.mapping, record_import.values = applied.mapping, applied.values
        record_import.saved_mapping, chosen_order = saved, saved.date_order
    elif earlier is not None:
        record_import.mapping, record_import.values = earlier.mapping, earlier.values
        chosen_order = earlier.date_order
    record_import.date_order = (
        _date_order(upload.table, record_import.mapping, imported.date_fields) or chosen_order
    )
    upload_store(record_import, upload, prefix=f"{kind}-import")
    return record_import


def _date_order(table: Table, mapping: dict[str, str], date_fields: frozenset[str]) -> str:
    """The order the file's numeric dates are in, when a date shows it (a day above 12) and none shows
    the other; else "" and the user is asked if a date is ambiguous."""
    columns = [index for index, header in enumerate(table.headers) if mapping.get(header) in date_fields]
    hints = {
        date_order_hint(row.values[index])
        for row in islice(table.rows(), MAX_ROWS)
        for index in columns
        if index < len(row.values)
    } - {""}
    return hints.pop() if len(hints) == 1 else ""


def record_import_preview(
    *,
    record_import: RecordImport,
    rows: int = PREVIEW_ROWS,
    mapping: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    date_order: str | None = None,
) -> Preview:
    """The first rows as they would import under `mapping` and `values` (default: the saved ones), with
    their errors and what they would update, and the distinct cells of the choice columns (a constant
    number of queries, whatever the number of rows)."""
    imported = record_type(record_import.kind)
    table = stored_table(record_import)
    draft = copy.copy(record_import)  # it keeps the file read above
    draft.mapping = record_import.mapping if mapping is None else mapping
    draft.values = record_import.values if values is None else values
    draft.date_order = record_import.date_order if date_order is None else date_order
    importer = imported.importer(draft)
    checked = [importer.check(row) for row in islice(table.rows(), rows)]
    columns = {
        name: (index, header)
        for index, header in enumerate(table.headers)
        if (name := draft.mapping.get(header))
    }
    groups = value_groups(columns, importer.value_sets(), (row.values for row in table.rows()), draft.values)
    return preview_of(table, imported.fields, draft.mapping, checked, importer.duplicates(checked), groups)


def record_import_with_saved_mapping(
    *, actor: User, record_import: RecordImport, saved_mapping_id: int
) -> Applied:
    """The import's mapping, values and date order with the saved mapping applied to its file's headers
    (nothing is saved: the page and the preview show them, the start saves them)."""
    saved = saved_mapping_get(user=actor, pk=saved_mapping_id)
    if saved.kind != record_import.kind:
        raise Invalid(
            f"“{saved.name}” maps another record type’s files.", field="saved_mapping", code="wrong_kind"
        )
    imported = record_type(record_import.kind)
    return saved_mapping_apply(
        saved,
        fields=imported.fields,
        headers=stored_table(record_import).headers,
        mapping=record_import.mapping,
        values=record_import.values,
        date_order=record_import.date_order,
        value_sets=imported.importer(record_import).value_sets(),
    )


@transaction.atomic
def record_import_confirm(
    *,
    actor: User,
    import_id: int,
    mapping: dict[str, str],
    duplicate_policy: str,
    all_or_nothing: bool,
    owner: User | None,
    values: dict[str, dict[str, str]] | None = None,
    date_order: str | None = None,
) -> RecordImport:
    """Saves the user's choices and queues the job; a second confirmation changes nothing."""
    record_import = RecordImport.objects.select_for_update().filter(pk=import_id).first()
    if record_import is None or not (actor.is_admin or record_import.created_by_id == actor.pk):
        raise NotFound
    if record_import.status != ImportStatus.MAPPING:
        return record_import
    if record_import.created_by_id != actor.pk:
        raise Forbidden("Only the person who uploaded the file can start its import.", code="not_uploader")
    imported = record_type(record_import.kind)
    if not imported.may_import(actor):
        raise Forbidden(f"Your role cannot import {imported.label.lower()}.", code="import_not_allowed")
    if duplicate_policy not in DuplicatePolicy.values:
        raise Invalid("Choose what to do with duplicates.", field="duplicate_policy", code="required")
    if owner is not None and not access.assignable_owners(actor).filter(pk=owner.pk).exists():
        raise Invalid(
            f"You cannot make {owner} the owner of records.", field="owner", code="owner_not_assignable"
        )
    record_import.mapping = imported.fields.check(stored_table(record_import).headers, mapping)
    record_import.values = _checked_values(imported.importer(record_import).value_sets(), values or {})
    if date_order is not None:
        if date_order not in ("", *DateOrder.values):
            raise Invalid("Choose how the file's dates are ordered.", field="date_order", code="invalid")
        record_import.date_order = date_order
    record_import.owner = owner
    record_import.duplicate_policy = duplicate_policy
    record_import.all_or_nothing = all_or_nothing
    record_import.job = job_enqueue(
        kind=JOB_KIND,
        created_by=actor,
        payload={"import_id": record_import.pk},
        total=record_import.total_rows,
    )
    record_import.status = ImportStatus.QUEUED
    record_import.save()
    return record_import


def _checked_values(
    value_sets: dict[str, ValueSet], values: dict[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    """The user's readings of cells, limited to the choice columns and their options."""
    checked: dict[str, dict[str, str]] = {}
    for name, chosen in values.items():
        options = value_sets.get(name)
        if options is None:
            continue
        for cell, key in chosen.items():
            if key and options.option(key) is None:
                raise Invalid(
                    f"“{cell}” is mapped to an unknown {options.what}.", field="values", code="unknown_value"
                )
        checked[name] = {cell: key for cell, key in chosen.items() if key}
    return checked


@dataclass(frozen=True)
class SavedMappingSaved:
    saved: SavedMapping
    created: bool  # False: an existing mapping of that name was updated


def saved_mapping_save(
    *,
    actor: User,
    kind: str,
    name: str,
    mapping: dict[str, str],
    values: dict[str, dict[str, str]] | None = None,
    date_order: str = "",
    headers: Sequence[str] | None = None,
) -> SavedMappingSaved:
    """Saves the mapping under `name` for everyone who may import the record type; a mapping of that
    name (in any case) is updated, if the actor saved it or is an admin. `headers` are the file's, when
    the mapping comes from one: its columns not imported are kept too, so that the source's next file is
    recognised as a whole."""
    imported = record_type(kind)
    if not imported.may_import(actor):
        raise Forbidden(f"Your role cannot import {imported.label.lower()}.", code="import_not_allowed")
    name = " ".join(name.split())
    if not name:
        raise Invalid(
            "Name the mapping, e.g. after the system the file comes from.", field="name", code="required"
        )
    max_length = SavedMapping._meta.get_field("name").max_length or 0
    if len(name) > max_length:
        raise Invalid(f"Use at most {max_length} characters.", field="name", code="max_length")
    if date_order not in ("", *DateOrder.values):
        raise Invalid("Choose how the file's dates are ordered.", field="date_order", code="invalid")
    try:
        with transaction.atomic():
            saved = SavedMapping.objects.select_for_update().filter(kind=kind, name__iexact=name).first()
            created = saved is None
            if saved is None:
                saved = SavedMapping(kind=kind, created_by=actor)
            elif not saved_mapping_changeable(actor, saved):
                raise Forbidden(
                    f"{saved.created_by or 'Someone'} saved the mapping “{saved.name}”: only they or an "
                    "admin can change it. Save yours under another name.",
                    field="name",
                    code="not_creator",
                )
            saved.name, saved.date_order = name, date_order
            saved.mapping = imported.fields.check(mapping if headers is None else headers, mapping)
            # The values of the mapped choice columns, naming options the actor has.
            value_sets = imported.importer(RecordImport(kind=kind, created_by=actor)).value_sets()
            mapped = set(saved.mapping.values())
            chosen = {field: cells for field, cells in (values or {}).items() if field in mapped}
            saved.values = _checked_values(value_sets, chosen)
            saved.save()
    except IntegrityError:  # someone saved one of that name between the read and the write
        raise Conflict(
            f"A mapping named “{name}” was saved just now; save again to update it.", code="name_taken"
        ) from None
    return SavedMappingSaved(saved, created)


def saved_mapping_delete(*, actor: User, saved_mapping_id: int) -> SavedMapping:
    """Deletes the saved mapping, if the actor saved it or is an admin; the imports mapped with it keep
    their columns."""
    saved = saved_mapping_get(user=actor, pk=saved_mapping_id)
    if not saved_mapping_changeable(actor, saved):
        raise Forbidden(
            "Only the person who saved the mapping, or an admin, can delete it.", code="not_creator"
        )
    saved.delete()
    return saved
