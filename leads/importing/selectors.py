"""Reads of lead imports: a user sees their own imports, an admin everyone's."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.errors import NotFound
from crm.models import User
from leads.models import ImportStatus, LeadImport, LeadImportError


def import_list(*, user: User) -> QuerySet[LeadImport]:
    imports = LeadImport.objects.select_related("created_by", "owner", "job").order_by("-created_at", "-id")
    return imports if user.is_admin else imports.filter(created_by=user)


def import_get(*, user: User, pk: int) -> LeadImport:
    lead_import = import_list(user=user).filter(pk=pk).first()
    if lead_import is None:
        raise NotFound
    return lead_import


def import_problems(*, lead_import: LeadImport, limit: int) -> list[LeadImportError]:
    return list(lead_import.errors.order_by("line", "id")[:limit])


def import_previous(*, lead_import: LeadImport) -> LeadImport | None:
    """The uploader's last finished import of the very same file, if any."""
    return (
        LeadImport.objects.filter(
            created_by_id=lead_import.created_by_id,
            file_sha256=lead_import.file_sha256,
            status=ImportStatus.DONE,
        )
        .exclude(pk=lead_import.pk)
        .order_by("-created_at", "-id")
        .first()
    )
