"""The record import pages, mounted at /imports/ by crm/web_urls.py, in the "imports" namespace."""

from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_upload, name="upload"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/mapping/", views.import_mapping, name="mapping"),
    path("<int:pk>/mapping/save/", views.import_save_mapping, name="save-mapping"),
    path("<int:pk>/confirm/", views.import_confirm, name="confirm"),
    path("<int:pk>/errors.csv", views.import_errors, name="errors"),
    path("saved-mappings/<int:pk>/delete/", views.saved_mapping_delete_view, name="saved-mapping-delete"),
]
