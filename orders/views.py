"""Orders pages. Until the app lands, its index says what will be there."""

from crm.web.placeholders import PlaceholderView

index = PlaceholderView.as_view(
    template_name="orders/index.html",
    title="Orders",
    description="Stock, orders, shipments, invoices and payments arrive here.",
    icon="bi-receipt",
)
