"""The sales REST API, mounted by crm/urls.py at /api/v1/ (after the leads API): the deals, lead
conversion, the pipelines (stages, exit criteria) and lost reasons, onboarding templates and won
customers' onboardings, the product catalogue and the forecast."""

from django.urls import URLPattern, URLResolver, path

from sales.api import DealLineViewSet, DealViewSet
from sales.catalog.api import ProductViewSet
from sales.configuration.api import ExitCriterionViewSet, LostReasonViewSet, PipelineViewSet, StageViewSet
from sales.configuration.onboarding_template_api import (
    OnboardingTemplateItemViewSet,
    OnboardingTemplateViewSet,
)
from sales.conversion.api import ConversionView
from sales.forecast.api import ForecastView
from sales.onboarding.api import OnboardingViewSet
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
    path("pipelines/", PipelineViewSet.as_view({"get": "list", "post": "create"}), name="api-pipeline-list"),
    path(
        "pipelines/<int:pk>/",
        PipelineViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-pipeline-detail",
    ),
    path("pipelines/<int:pk>/stages/", StageViewSet.as_view({"post": "create"}), name="api-stage-list"),
    path("pipelines/<int:pk>/stages/order/", StageViewSet.as_view({"post": "order"}), name="api-stage-order"),
    path(
        "pipelines/<int:pk>/stages/<int:stage_id>/",
        StageViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api-stage-detail",
    ),
    path(
        "pipelines/<int:pk>/stages/<int:stage_id>/criteria/",
        ExitCriterionViewSet.as_view({"post": "create"}),
        name="api-exit-criterion-list",
    ),
    path(
        "pipelines/<int:pk>/stages/<int:stage_id>/criteria/<int:criterion_id>/",
        ExitCriterionViewSet.as_view({"delete": "destroy"}),
        name="api-exit-criterion-detail",
    ),
    path(
        "lost-reasons/",
        LostReasonViewSet.as_view({"get": "list", "post": "create"}),
        name="api-lost-reason-list",
    ),
    path("lost-reasons/order/", LostReasonViewSet.as_view({"post": "order"}), name="api-lost-reason-order"),
    path(
        "lost-reasons/<int:pk>/",
        LostReasonViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="api-lost-reason-detail",
    ),
    path(
        "onboarding-templates/",
        OnboardingTemplateViewSet.as_view({"get": "list", "post": "create"}),
        name="api-onboarding-template-list",
    ),
    path(
        "onboarding-templates/<int:pk>/",
        OnboardingTemplateViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-onboarding-template-detail",
    ),
    path(
        "onboarding-templates/<int:pk>/items/",
        OnboardingTemplateItemViewSet.as_view({"post": "create"}),
        name="api-onboarding-item-list",
    ),
    path(
        "onboarding-templates/<int:pk>/items/order/",
        OnboardingTemplateItemViewSet.as_view({"post": "order"}),
        name="api-onboarding-item-order",
    ),
    path(
        "onboarding-templates/<int:pk>/items/<int:item_id>/",
        OnboardingTemplateItemViewSet.as_view({"patch": "partial_update", "delete": "destroy"}),
        name="api-onboarding-item-detail",
    ),
    path("onboardings/", OnboardingViewSet.as_view({"get": "list"}), name="api-onboarding-list"),
    path(
        "onboardings/<int:pk>/", OnboardingViewSet.as_view({"get": "retrieve"}), name="api-onboarding-detail"
    ),
    path(
        "onboardings/<int:pk>/steps/<int:step_id>/complete/",
        OnboardingViewSet.as_view({"post": "complete"}),
        name="api-onboarding-step-complete",
    ),
    path(
        "onboardings/<int:pk>/steps/<int:step_id>/reopen/",
        OnboardingViewSet.as_view({"post": "reopen"}),
        name="api-onboarding-step-reopen",
    ),
    path("products/", ProductViewSet.as_view({"get": "list", "post": "create"}), name="api-product-list"),
    path(
        "products/<int:pk>/",
        ProductViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-product-detail",
    ),
    path("forecast/", ForecastView.as_view(), name="api-forecast"),
    path("sales-report/", SalesReportView.as_view(), name="api-sales-report"),
]
