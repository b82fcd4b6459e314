"""Mounted by leads/urls.py under assignment/, so the names sit in the `leads` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.rules_page, name="assignment-rules"),
    path("new/", views.rule_create, name="assignment-rule-create"),
    path("<int:pk>/edit/", views.rule_edit, name="assignment-rule-edit"),
    path("<int:pk>/delete/", views.rule_delete, name="assignment-rule-delete"),
    path("<int:pk>/move/", views.rule_move, name="assignment-rule-move"),
    path("away/", views.away, name="assignment-away"),
]
