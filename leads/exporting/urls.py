"""Mounted by leads/urls.py under export/, so the name sits in the `leads` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.export, name="export"),
]
