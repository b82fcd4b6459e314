"""URL patterns: see sales/urls/__init__.py."""

from django.urls import path

from sales.views import customers

urlpatterns = [
    path("leads/<int:pk>/convert/", customers.lead_convert, name="lead-convert"),
]
