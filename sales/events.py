"""The lifecycle events the sales services write (see crm.events)."""

from crm.events import EventType, register_event_type

LEAD_CONVERTED = "lead.converted"
OPPORTUNITY_CREATED = "opportunity.created"
OPPORTUNITY_ASSIGNED = "opportunity.assigned"
OPPORTUNITY_STAGE_CHANGED = "opportunity.stage_changed"
OPPORTUNITY_WON = "opportunity.won"
OPPORTUNITY_LOST = "opportunity.lost"
OPPORTUNITY_REOPENED = "opportunity.reopened"
RENEWAL_CREATED = "opportunity.renewal_created"
ONBOARDING_STARTED = "account.onboarding_started"
ACCOUNT_ONBOARDED = "account.onboarded"


def register_sales_event_types() -> None:
    for key, label, icon in [
        (LEAD_CONVERTED, "Lead converted", "bi-arrow-right-circle"),
        (OPPORTUNITY_CREATED, "Deal created", "bi-briefcase"),
        (OPPORTUNITY_ASSIGNED, "Deal assigned", "bi-person-check"),
        (OPPORTUNITY_STAGE_CHANGED, "Deal moved to another stage", "bi-kanban"),
        (OPPORTUNITY_WON, "Deal won", "bi-trophy"),
        (OPPORTUNITY_LOST, "Deal lost", "bi-x-circle"),
        (OPPORTUNITY_REOPENED, "Deal reopened", "bi-arrow-counterclockwise"),
        (RENEWAL_CREATED, "Renewal created", "bi-arrow-repeat"),
        (ONBOARDING_STARTED, "Onboarding started", "bi-rocket-takeoff"),
        (ACCOUNT_ONBOARDED, "Customer onboarded", "bi-flag"),
    ]:
        register_event_type(EventType(key, label, icon))
