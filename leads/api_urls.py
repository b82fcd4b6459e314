"""The leads REST API, mounted at /api/v1/leads/ by crm/urls.py."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api
from .assignment.api import AssignmentRuleViewSet
from .dedupe.api import LeadDuplicatesView, LeadMergeView
from .scoring.api import ScoringRuleViewSet
from .webforms.api import WebFormViewSet

# The leads' features, each under a name of its own beside the leads.
features = SimpleRouter()
features.register("scoring-rules", ScoringRuleViewSet, basename="api-lead-scoring-rule")
features.register("assignment-rules", AssignmentRuleViewSet, basename="api-lead-assignment-rule")
features.register("web-forms", WebFormViewSet, basename="api-lead-web-form")

router = SimpleRouter()
router.register("", api.LeadViewSet, basename="api-lead")

urlpatterns: list[URLPattern | URLResolver] = [
    # Before the router's routes: its detail route would take "export" or "scoring-rules" for a lead's id.
    path("export/", api.LeadExportView.as_view(), name="api-lead-export"),
    *features.urls,
    path("<str:id>/duplicates/", LeadDuplicatesView.as_view(), name="api-lead-duplicates"),
    path("<str:id>/merge/<str:merged_id>/", LeadMergeView.as_view(), name="api-lead-merge"),
    *router.urls,
]
