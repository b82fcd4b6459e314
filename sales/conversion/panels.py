"""What conversion shows on the lead page, through the kernel's panel registry: "Convert" on a qualified
lead, and the deal a converted lead became."""

from __future__ import annotations

from typing import Any

from crm.models import User
from crm.timeline.panels import register_record_panel
from leads.models import Lead
from sales.conversion.rules import lead_can_be_converted
from sales.conversion.selectors import lead_deal


def _lead_convert_button(user: User, lead: Lead) -> dict[str, Any] | None:
    if not lead_can_be_converted(user, lead):
        return None
    return {"lead": lead}


def _lead_deal_link(user: User, lead: Lead) -> dict[str, Any] | None:
    if not lead.is_converted:
        return None
    deal = lead_deal(lead=lead)
    return {"deal": deal} if deal is not None else None


def register_conversion_panels() -> None:
    register_record_panel(
        Lead, "sales/customers/_lead_convert_button.html", _lead_convert_button, slot="actions"
    )
    register_record_panel(Lead, "sales/customers/_lead_deal_link.html", _lead_deal_link, slot="status")
