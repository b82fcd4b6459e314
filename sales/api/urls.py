"""Mounted by crm/urls.py at /api/v1/ (after the leads API): one module per resource family."""

from django.urls import include, path

urlpatterns = [
    path("", include("sales.api.deals")),
    path("", include("sales.api.config")),
    path("", include("sales.api.forecast")),
]
