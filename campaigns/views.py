"""Campaigns pages. Until the app lands, its index says what will be there."""

from crm.web.placeholders import PlaceholderView

index = PlaceholderView.as_view(
    template_name="campaigns/index.html",
    title="Campaigns",
    description="Segments, email sends, tracking, sequences and surveys arrive here.",
    icon="bi-megaphone",
)
