"""The lifecycle event scoring writes when a lead's score reaches the sales-ready threshold."""

from crm.timeline.events import EventType, register_event_type

LEAD_SALES_READY = "lead.sales_ready"


def register_scoring_event_types() -> None:
    register_event_type(EventType(LEAD_SALES_READY, "Lead became sales-ready", "bi-fire"))
