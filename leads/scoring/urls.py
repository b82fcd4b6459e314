"""Scoring pages, mounted by leads/urls.py under /leads/scoring/ (names live in the "leads" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.rule_list, name="scoring-rules"),
    path("new/", views.rule_create, name="scoring-rule-create"),
    path("<int:pk>/edit/", views.rule_edit, name="scoring-rule-edit"),
    path("<int:pk>/delete/", views.rule_delete, name="scoring-rule-delete"),
    path("rescore/", views.rescore, name="scoring-rescore"),
]
