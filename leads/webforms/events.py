"""The lifecycle event a repeat web-form submission writes on the open lead it updates."""

from crm.timeline.events import EventType, register_event_type

LEAD_FORM_RESUBMITTED = "lead.form_resubmitted"


def register_webform_event_types() -> None:
    register_event_type(EventType(LEAD_FORM_RESUBMITTED, "Web form submitted again", "bi-ui-checks"))
