"""The designers' web-form pages, mounted by leads/urls.py under /leads/forms/ (in its "leads" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.webform_list, name="webform-list"),
    path("new/", views.webform_create, name="webform-create"),
    path("<int:pk>/", views.webform_detail, name="webform-detail"),
    path("<int:pk>/edit/", views.webform_edit, name="webform-edit"),
    path("<int:pk>/delete/", views.webform_delete, name="webform-delete"),
]
