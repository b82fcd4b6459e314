"""The lifecycle events of the first-touch timer (assignment itself writes leads.events.LEAD_ASSIGNED)."""

from crm.events import EventType, register_event_type

LEAD_FIRST_TOUCH = "lead.first_touch"
LEAD_FIRST_TOUCH_OVERDUE = "lead.first_touch_overdue"


def register_assignment_event_types() -> None:
    register_event_type(EventType(LEAD_FIRST_TOUCH, "Lead first touched", "bi-hand-index"))
    register_event_type(EventType(LEAD_FIRST_TOUCH_OVERDUE, "Lead not touched in time", "bi-alarm"))
