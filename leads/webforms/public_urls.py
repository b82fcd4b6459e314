"""The public form visitors fill in, and its thank-you page, mounted by crm/urls.py at /f/ (no namespace,
no login)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<slug:slug>/", views.webform_public, name="webform-public"),
    path("<slug:slug>/thanks/", views.webform_thanks, name="webform-thanks"),
]
