"""The leads REST API, mounted at /api/v1/leads/ by crm/urls.py."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("", api.LeadViewSet, basename="api-lead")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
