"""Pipeline pages. Until the app lands, its index says what will be there."""

from crm.views.placeholders import PlaceholderView

index = PlaceholderView.as_view(
    template_name="sales/index.html",
    title="Pipeline",
    description="Lead conversion, pipelines and stages, products, opportunities and forecasts arrive here.",
    icon="bi-kanban",
)
