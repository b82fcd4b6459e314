"""The lifecycle events a lead's services write (see crm.events)."""

from crm.events import EventType, register_event_type

LEAD_CREATED = "lead.created"
LEAD_ASSIGNED = "lead.assigned"
LEAD_STATUS_CHANGED = "lead.status_changed"
LEAD_QUALIFIED = "lead.qualified"
LEAD_DISQUALIFIED = "lead.disqualified"


def register_lead_event_types() -> None:
    for key, label, icon in [
        (LEAD_CREATED, "Lead created", "bi-funnel"),
        (LEAD_ASSIGNED, "Lead assigned", "bi-person-check"),
        (LEAD_STATUS_CHANGED, "Lead status changed", "bi-signpost-split"),
        (LEAD_QUALIFIED, "Lead qualified", "bi-patch-check"),
        (LEAD_DISQUALIFIED, "Lead disqualified", "bi-x-octagon"),
    ]:
        register_event_type(EventType(key, label, icon))
