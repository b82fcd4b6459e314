"""The lifecycle event a merge writes on the lead it keeps."""

from crm.timeline.events import EventType, register_event_type

LEAD_MERGED = "lead.merged"


def register_dedupe_event_types() -> None:
    register_event_type(EventType(LEAD_MERGED, "Duplicate lead merged in", "bi-union"))
