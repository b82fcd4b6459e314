"""Reads of record imports: a user sees their own imports, an admin everyone's."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from crm.errors import NotFound
from crm.models import ImportStatus, RecordImport, RecordImportProblem, User

# How many of the user's last imports of a record type are compared with a new file's columns.
RECENT = 20


def import_list(*, user: User) -> QuerySet[RecordImport]:
    imports = RecordImport.objects.select_related("created_by", "owner", "job").order_by("-created_at", "-id")
    return imports if user.is_admin else imports.filter(created_by=user)


def import_get(*, user: User, pk: int) -> RecordImport:
    """The import, if it is the user's (or the user is an admin); else NotFound, as if it did not exist."""
    record_import = import_list(user=user).filter(pk=pk).first()
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
