"""The lifecycle events of the first-touch timer (assignment itself writes leads.events.LEAD_ASSIGNED)."""

from crm.timeline.events import EventField, EventType, register_event_type

LEAD_FIRST_TOUCH = "lead.first_touch"
LEAD_FIRST_TOUCH_OVERDUE = "lead.first_touch_overdue"


def register_assignment_event_types() -> None:
    from crm.models import ActivityKind

    touched_by = {
        "kind": EventField("By", ActivityKind.choices),
        "on_time": EventField("On time", kind="yes_no"),
    }
    register_event_type(EventType(LEAD_FIRST_TOUCH, "Lead first touched", "bi-hand-index", fields=touched_by))
    register_event_type(
        EventType(
            LEAD_FIRST_TOUCH_OVERDUE,
            "Lead not touched in time",
            "bi-alarm",
            fields={"due_at": EventField("Due", kind="datetime")},
        )
    )
