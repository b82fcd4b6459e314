"""URL patterns: see sales/urls/__init__.py."""

from django.urls import path

from sales.views import forecast

urlpatterns = [
    path("forecast/", forecast.forecast, name="forecast"),
    path("forecast/quotas/", forecast.quotas, name="forecast-quotas"),
]
