"""The public form visitors fill in, mounted by crm/urls.py at /f/ (no namespace, no login)."""

from django.urls import path

from . import views

urlpatterns = [path("<slug:slug>/", views.webform_public, name="webform-public")]
