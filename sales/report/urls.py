"""The sales report pages, mounted at /pipeline/report/ by sales/urls.py."""

from django.urls import path

from sales.report import views

urlpatterns = [
    path("", views.sales_report, name="report"),
    path("export/", views.sales_report_export, name="report-export"),
]
