"""Who may convert a lead, and which leads may be converted: one rule for the conversion service, the
conversion page and the lead page's "Convert" button."""

from __future__ import annotations

from crm import access
from crm.errors import ALLOWED, Decision, Forbidden, Invalid, refused
from crm.models import Contact, User
from leads.models import Lead, LeadStatus


def lead_can_be_converted(user: User, lead: Lead) -> Decision:
    """A qualified lead, not converted yet, by those who work it (the policy's "convert" act: not
    marketers) and may create the contact it becomes."""
    if not (access.can(user, "convert", lead) and access.can_create(user, Contact)):
        return refused(Forbidden("Your role cannot convert leads.", code="convert_not_allowed"))
    if lead.is_converted:
        return refused(
            Invalid(
                "This lead was already converted; open its contact or deal instead.",
                code="lead_already_converted",
            )
        )
    if lead.status != LeadStatus.QUALIFIED:
        return refused(
            Invalid("Qualify the lead before converting it.", field="status", code="lead_not_qualified")
        )
    return ALLOWED
