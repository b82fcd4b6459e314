"""Reads of record imports: a user sees their own imports, an admin everyone's; and of saved mappings,
which everyone who may import a record type sees."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from crm.errors import Forbidden, NotFound
from crm.models import ImportStatus, RecordImport, RecordImportProblem, SavedMapping, User

from .registry import record_type, record_types_for
from .saved import SavedMappingMatch, saved_mapping_match

# How many of the user's last imports of a record type are compared with a new file's columns.
RECENT = 20


def import_list(*, user: User) -> QuerySet[RecordImport]:
    imports = RecordImport.objects.select_related("created_by", "owner", "job").order_by("-created_at", "-id")
    return imports if user.is_admin else imports.filter(created_by=user)


def import_get(*, user: User, pk: int) -> RecordImport:
    """The import, if it is the user's (or the user is an admin); else NotFound, as if it did not exist."""
    record_import = import_list(user=user).select_related("saved_mapping__created_by").filter(pk=pk).first()
    if record_import is None:
        raise NotFound
    return record_import


def import_problems(*, record_import: RecordImport, limit: int) -> list[RecordImportProblem]:
    return list(record_import.errors.order_by("line", "id")[:limit])


def import_like(
    *, user: User, kind: str, headers: Sequence[str], before: RecordImport | None = None
) -> RecordImport | None:
    """The user's last started import of the same record type from a file with the same columns (the
    same export of the same source): a new one starts from its column mapping and values."""
    imports = RecordImport.objects.filter(created_by=user, kind=kind).exclude(status=ImportStatus.MAPPING)
    if before is not None:
        imports = imports.filter(created_at__lt=before.created_at)
    columns = set(headers)
    recent = imports.order_by("-created_at", "-id")[:RECENT]
    return next((earlier for earlier in recent if set(earlier.mapping) == columns), None)


def saved_mapping_list(*, user: User, kind: str | None = None) -> QuerySet[SavedMapping]:
    """The saved mappings of the record types the user may import (of `kind` only, when given: NotFound
    for a kind nobody registers, Forbidden for one the user's role may not import, as the upload)."""
    if kind is None:
        kinds = [imported.kind for imported in record_types_for(user)]
    else:
        imported = record_type(kind)
        if not imported.may_import(user):
            raise Forbidden(f"Your role cannot import {imported.label.lower()}.", code="import_not_allowed")
        kinds = [kind]
    return (
        SavedMapping.objects.filter(kind__in=kinds)
        .select_related("created_by")
        .order_by("kind", "name", "id")
    )


def saved_mapping_get(*, user: User, pk: int) -> SavedMapping:
    """The saved mapping, if the user may import its record type; else NotFound, as if it did not exist."""
    saved = saved_mapping_list(user=user).filter(pk=pk).first()
    if saved is None:
        raise NotFound
    return saved


def saved_mappings_for_file(*, user: User, kind: str, headers: Sequence[str]) -> list[SavedMappingMatch]:
    """The record type's saved mappings, those that know most of the file's headers first (one query)."""
    matches = [saved_mapping_match(saved, headers) for saved in saved_mapping_list(user=user, kind=kind)]
    return sorted(matches, key=lambda match: (-match.matched, match.saved.name.casefold()))


def saved_mapping_covering(*, user: User, kind: str, headers: Sequence[str]) -> SavedMapping | None:
    """The saved mapping that knows every header of the file, for an upload to start from; of several, the
    one that knows the fewest other headers (the same export), then the last saved."""
    covering = [
        match for match in saved_mappings_for_file(user=user, kind=kind, headers=headers) if match.covers
    ]
    covering.sort(key=lambda match: (match.columns, -match.saved.updated_at.timestamp()))
    return covering[0].saved if covering else None
