"""The forecast pages, mounted at /pipeline/forecast/ by sales/urls.py."""

from django.urls import path

from sales.forecast import views

urlpatterns = [
    path("", views.forecast, name="forecast"),
    path("quotas/", views.quotas, name="forecast-quotas"),
]
