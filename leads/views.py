"""Leads pages. Until the app lands, its index says what will be there."""

from crm.views.placeholders import PlaceholderView

index = PlaceholderView.as_view(
    template_name="leads/index.html",
    title="Leads",
    description="Capture, import, web forms, dedupe, scoring and assignment of leads arrive here.",
    icon="bi-funnel",
)
