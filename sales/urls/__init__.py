"""The sales pages under /pipeline/: one URL module per page family, all in the "sales" namespace."""

from django.urls import include, path

app_name = "sales"
urlpatterns = [
    path("", include("sales.urls.deals")),
    path("", include("sales.urls.forecast")),
    path("", include("sales.urls.customers")),
    path("settings/", include("sales.urls.config")),
]
