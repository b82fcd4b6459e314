"""Mounted by leads/urls.py under import/, so the names sit in the `leads` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.import_list, name="import-list"),
    path("new/", views.import_upload, name="import-upload"),
    path("<int:pk>/", views.import_detail, name="import-detail"),
    path("<int:pk>/mapping/", views.import_mapping, name="import-mapping"),
    path("<int:pk>/start/", views.import_confirm, name="import-confirm"),
    path("<int:pk>/not-imported.csv", views.import_errors, name="import-errors"),
]
