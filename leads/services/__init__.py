"""Every write to leads, one module per sub-domain."""

from .leads import (
    BulkResult,
    check_status_change,
    lead_add_tag,
    lead_capture,
    lead_change_status,
    lead_create,
    lead_delete,
    lead_update,
    leads_bulk_add_tag,
    leads_bulk_assign,
    leads_bulk_change_status,
    leads_bulk_delete,
    normalize_email,
    normalize_phone,
)

__all__ = [
    "BulkResult",
    "check_status_change",
    "lead_add_tag",
    "lead_capture",
    "lead_change_status",
    "lead_create",
    "lead_delete",
    "lead_update",
    "leads_bulk_add_tag",
    "leads_bulk_assign",
    "leads_bulk_change_status",
    "leads_bulk_delete",
    "normalize_email",
    "normalize_phone",
]
