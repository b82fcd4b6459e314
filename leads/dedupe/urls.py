"""Mounted by leads/urls.py under dedupe/, so the names sit in the `leads` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/panel/", views.panel, name="dedupe-panel"),
    path("merge/<int:kept>/<int:merged>/", views.merge, name="dedupe-merge"),
]
