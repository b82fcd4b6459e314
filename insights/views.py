"""Reports pages. Until the app lands, its index says what will be there."""

from crm.web.placeholders import PlaceholderView

index = PlaceholderView.as_view(
    template_name="insights/index.html",
    title="Reports",
    description=(
        "Lifecycle flow and hand-off analytics, dashboards, scoring calibration and account health "
        "arrive here."
    ),
    icon="bi-graph-up",
)
