"""The lead conversion page, mounted at /pipeline/ by sales/urls.py."""

from django.urls import path

from sales.conversion import views

urlpatterns = [
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead-convert"),
]
