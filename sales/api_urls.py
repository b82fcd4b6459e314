"""The sales REST API, mounted by crm/urls.py at /api/v1/ (after the leads API): the deals, lead
conversion, the pipelines and lost reasons, the product catalogue and the forecast."""

from django.urls import URLPattern, URLResolver, path

from sales.api import DealLineViewSet, DealViewSet
from sales.catalog.api import ProductViewSet
from sales.configuration.api import LostReasonViewSet, PipelineViewSet
from sales.conversion.api import ConversionView
from sales.forecast.api import ForecastView
from sales.report.api import SalesReportView

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "deals/",
        DealViewSet.as_view({"get": "list", "post": "create"}),
        name="api-deal-list",
    ),
    path("deals/bulk/", DealViewSet.as_view({"post": "bulk"}), name="api-deal-bulk"),
    path(
        "deals/<int:pk>/",
        DealViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api-deal-detail",
    ),
    path(
        "deals/<int:pk>/move/",
        DealViewSet.as_view({"post": "move"}),
        name="api-deal-move",
    ),
    path(
        "deals/<int:pk>/reopen/",
        DealViewSet.as_view({"post": "reopen"}),
        name="api-deal-reopen",
    ),
    path(
        "deals/<int:pk>/lines/",
        DealLineViewSet.as_view({"get": "list", "post": "create"}),
        name="api-deal-lines",
    ),
    path(
        "deals/<int:pk>/lines/<int:line_id>/",
        DealLineViewSet.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="api-deal-line",
    ),
    path("conversions/", ConversionView.as_view(), name="api-conversion"),
    path("pipelines/", PipelineViewSet.as_view({"get": "list"}), name="api-pipeline-list"),
    path("pipelines/<int:pk>/", PipelineViewSet.as_view({"get": "retrieve"}), name="api-pipeline-detail"),
    path("lost-reasons/", LostReasonViewSet.as_view({"get": "list"}), name="api-lost-reason-list"),
    path("products/", ProductViewSet.as_view({"get": "list", "post": "create"}), name="api-product-list"),
    path(
        "products/<int:pk>/",
        ProductViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-product-detail",
    ),
    path("forecast/", ForecastView.as_view(), name="api-forecast"),
    path("sales-report/", SalesReportView.as_view(), name="api-sales-report"),
]
