"""The lifecycle events the sales services write (see crm.timeline.events)."""

from crm.timeline.events import EventField, EventType, register_event_type

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
    from sales.models import OpportunityStatus, OpportunityType

    amount = EventField("Amount", kind="amount")
    for event in [
        EventType(LEAD_CONVERTED, "Lead converted", "bi-arrow-right-circle"),
        EventType(
            OPPORTUNITY_CREATED,
            "Deal created",
            "bi-briefcase",
            fields={"type": EventField("Type", OpportunityType.choices), "amount": amount},
        ),
        EventType(OPPORTUNITY_ASSIGNED, "Deal assigned", "bi-person-check"),
        EventType(OPPORTUNITY_STAGE_CHANGED, "Deal moved to another stage", "bi-kanban"),
        EventType(OPPORTUNITY_WON, "Deal won", "bi-trophy", fields={"amount": amount}),
        EventType(OPPORTUNITY_LOST, "Deal lost", "bi-x-circle"),
        EventType(
            OPPORTUNITY_REOPENED,
            "Deal reopened",
            "bi-arrow-counterclockwise",
            fields={"from": EventField("Was", OpportunityStatus.choices)},
        ),
        EventType(
            RENEWAL_CREATED,
            "Renewal created",
            "bi-arrow-repeat",
            fields={"contract_end": EventField("Contract ends", kind="date")},
        ),
        EventType(ONBOARDING_STARTED, "Onboarding started", "bi-rocket-takeoff"),
        EventType(ACCOUNT_ONBOARDED, "Customer onboarded", "bi-flag"),
    ]:
        register_event_type(event)
