"""The lifecycle events the sales services write (see crm.timeline.events)."""

from crm.timeline.events import EventField, EventType, register_event_type

LEAD_CONVERTED = "lead.converted"
DEAL_CREATED = "deal.created"
DEAL_ASSIGNED = "deal.assigned"
DEAL_STAGE_CHANGED = "deal.stage_changed"
DEAL_WON = "deal.won"
DEAL_LOST = "deal.lost"
DEAL_REOPENED = "deal.reopened"
RENEWAL_CREATED = "deal.renewal_created"
ONBOARDING_STARTED = "account.onboarding_started"
ACCOUNT_ONBOARDED = "account.onboarded"


def register_sales_event_types() -> None:
    from sales.models import DealStatus, DealType

    amount = EventField("Amount", kind="amount")
    for event in [
        EventType(LEAD_CONVERTED, "Lead converted", "bi-arrow-right-circle"),
        EventType(
            DEAL_CREATED,
            "Deal created",
            "bi-briefcase",
            fields={
                "type": EventField("Type", DealType.choices),
                "amount": amount,
                "file": EventField("Imported from"),
            },
        ),
        EventType(DEAL_ASSIGNED, "Deal assigned", "bi-person-check"),
        EventType(DEAL_STAGE_CHANGED, "Deal moved to another stage", "bi-kanban"),
        EventType(DEAL_WON, "Deal won", "bi-trophy", fields={"amount": amount}),
        EventType(DEAL_LOST, "Deal lost", "bi-x-circle"),
        EventType(
            DEAL_REOPENED,
            "Deal reopened",
            "bi-arrow-counterclockwise",
            fields={"from": EventField("Was", DealStatus.choices)},
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
