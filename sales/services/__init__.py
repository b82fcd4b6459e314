"""Every write the sales app makes, one module per sub-domain (see ARCHITECTURE.md)."""

from .conversion import Conversion, lead_convert
from .lines import opportunity_line_add, opportunity_line_remove, opportunity_line_update
from .onboarding import onboarding_check_complete, onboarding_start
from .opportunities import (
    BULK_ACTIONS,
    EDITABLE_FIELD_ORDER,
    EDITABLE_FIELDS,
    default_pipeline,
    first_open_stage,
    opportunities_bulk_apply,
    opportunity_create,
    opportunity_delete,
    opportunity_move,
    opportunity_update,
)
from .renewals import renewal_create, renewals_create_due

__all__ = [
    "BULK_ACTIONS",
    "EDITABLE_FIELD_ORDER",
    "EDITABLE_FIELDS",
    "Conversion",
    "default_pipeline",
    "first_open_stage",
    "lead_convert",
    "onboarding_check_complete",
    "onboarding_start",
    "opportunities_bulk_apply",
    "opportunity_create",
    "opportunity_delete",
    "opportunity_line_add",
    "opportunity_line_remove",
    "opportunity_line_update",
    "opportunity_move",
    "opportunity_update",
    "renewal_create",
    "renewals_create_due",
]
