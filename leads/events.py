"""The lifecycle events a lead's services write (see crm.timeline.events)."""

from crm.timeline.events import EventField, EventType, register_event_type

LEAD_CREATED = "lead.created"
LEAD_ASSIGNED = "lead.assigned"
LEAD_STATUS_CHANGED = "lead.status_changed"
LEAD_QUALIFIED = "lead.qualified"
LEAD_DISQUALIFIED = "lead.disqualified"


def register_lead_event_types() -> None:
    from leads.models import LeadSource, LeadStatus

    status = LeadStatus.choices
    for event in [
        EventType(
            LEAD_CREATED,
            "Lead created",
            "bi-funnel",
            fields={"source": EventField("Source", LeadSource.choices)},
        ),
        EventType(LEAD_ASSIGNED, "Lead assigned", "bi-person-check", fields={"rule": EventField("By rule")}),
        EventType(LEAD_STATUS_CHANGED, "Lead status changed", "bi-signpost-split", change_choices=status),
        EventType(LEAD_QUALIFIED, "Lead qualified", "bi-patch-check", change_choices=status),
        EventType(LEAD_DISQUALIFIED, "Lead disqualified", "bi-x-octagon", change_choices=status),
    ]:
        register_event_type(event)
