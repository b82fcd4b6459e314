"""The lead pages under /leads/, in the "leads" namespace; imports, web forms, assignment and scoring
rules bring their own URL modules, mounted here."""

from django.urls import include, path

from . import bulk, views

app_name = "leads"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("bulk/", bulk.bulk, name="bulk"),
    path("import/", include("leads.importing.urls")),
    path("forms/", include("leads.webforms.urls")),
    path("assignment/", include("leads.assignment.urls")),
    path("dedupe/", include("leads.dedupe.urls")),
    path("scoring/", include("leads.scoring.urls")),
    path("export/", include("leads.exporting.urls")),
]
