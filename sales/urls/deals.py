"""The board and the deal pages (see sales/urls/__init__.py): /pipeline/ is the default pipeline's board."""

from django.urls import path

from sales.views import board, bulk, deals, lines

urlpatterns = [
    path("", board.board, name="index"),
    path("<int:pipeline_id>/board/", board.board, name="board"),
    path("<int:pipeline_id>/board/stages/<int:stage_id>/", board.column, name="board-column"),
    path("deals/", deals.deal_list, name="opportunity-list"),
    path("deals/new/", deals.create, name="opportunity-create"),
    path("deals/bulk/", bulk.bulk, name="opportunity-bulk"),
    path("deals/contact-options/", deals.contact_options, name="opportunity-contact-options"),
    path("deals/account-options/", deals.account_options, name="opportunity-account-options"),
    path("deals/<int:pk>/", deals.detail, name="opportunity-detail"),
    path("deals/<int:pk>/edit/", deals.edit, name="opportunity-edit"),
    path("deals/<int:pk>/criteria/", deals.criteria, name="opportunity-criteria"),
    path("deals/<int:pk>/move/", board.move, name="opportunity-move"),
    path("deals/<int:pk>/reopen/", deals.reopen, name="opportunity-reopen"),
    path("deals/<int:pk>/delete/", deals.delete, name="opportunity-delete"),
    path("deals/<int:pk>/lines/", lines.line_add, name="opportunity-line-add"),
    path("deals/<int:pk>/lines/<int:line_id>/", lines.line_update, name="opportunity-line-update"),
    path("deals/<int:pk>/lines/<int:line_id>/remove/", lines.line_remove, name="opportunity-line-remove"),
]
