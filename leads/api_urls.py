"""The leads REST API, mounted at /api/v1/leads/ by crm/urls.py."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("", api.LeadViewSet, basename="api-lead")

urlpatterns: list[URLPattern | URLResolver] = [
    # Before the router's routes: its detail route would take "export" for a lead's id.
    path("export/", api.LeadExportView.as_view(), name="api-lead-export"),
    *router.urls,
]
