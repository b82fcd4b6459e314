"""The sales pages under /pipeline/, all in the "sales" namespace: the deal pages here, the board, the
forecast, lead conversion and the settings pages from their features' URL modules."""

from django.urls import include, path
from django.views.generic import RedirectView

from sales.views import bulk, deals, lines

app_name = "sales"
urlpatterns = [
    path("", include("sales.board.urls")),
    path("deals/", deals.deal_list, name="deal-list"),
    path("deals/export.csv", deals.deal_export, name="deal-export"),
    path("deals/new/", deals.create, name="deal-create"),
    path("deals/bulk/", bulk.bulk, name="deal-bulk"),
    path("deals/contact-options/", deals.contact_options, name="deal-contact-options"),
    path("deals/account-options/", deals.account_options, name="deal-account-options"),
    path("deals/<int:pk>/", deals.detail, name="deal-detail"),
    path("deals/<int:pk>/edit/", deals.edit, name="deal-edit"),
    path("deals/<int:pk>/criteria/", deals.criteria, name="deal-criteria"),
    path("deals/<int:pk>/reopen/", deals.reopen, name="deal-reopen"),
    path("deals/<int:pk>/delete/", deals.delete, name="deal-delete"),
    path("deals/<int:pk>/lines/", lines.line_add, name="deal-line-add"),
    path("deals/<int:pk>/lines/products/", lines.product_options, name="deal-line-products"),
    path("deals/<int:pk>/lines/<int:line_id>/", lines.line_update, name="deal-line-update"),
    path("deals/<int:pk>/lines/<int:line_id>/remove/", lines.line_remove, name="deal-line-remove"),
    path("forecast/", include("sales.forecast.urls")),
    path("report/", include("sales.report.urls")),
    path("", include("sales.conversion.urls")),
    # Admins shape the selling process; the sales team reads the product catalogue.
    path("settings/", RedirectView.as_view(pattern_name="sales:pipeline-list"), name="settings"),
    path("settings/", include("sales.configuration.urls")),
    path("settings/products/", include("sales.catalog.urls")),
]
