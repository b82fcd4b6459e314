"""The product catalogue pages, mounted at /pipeline/settings/products/ by sales/urls.py."""

from django.urls import path

from sales.catalog import views

urlpatterns = [
    path("", views.product_index, name="product-list"),
    path("new/", views.product_new, name="product-create"),
    path("export.csv", views.product_export, name="product-export"),
    path("<int:pk>/edit/", views.product_edit, name="product-edit"),
    path("<int:pk>/active/", views.product_active, name="product-active"),
]
