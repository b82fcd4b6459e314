"""Tickets pages. Until the app lands, its index says what will be there."""

from crm.web.placeholders import PlaceholderView

index = PlaceholderView.as_view(
    template_name="support/index.html",
    title="Tickets",
    description="Tickets with SLA timers, a knowledge base and satisfaction surveys arrive here.",
    icon="bi-life-preserver",
)
