"""The board (mounted at /pipeline/ by sales/urls.py): /pipeline/ is the default pipeline's board."""

from django.urls import path

from sales.board import views

urlpatterns = [
    path("", views.board, name="index"),
    path("<int:pipeline_id>/board/", views.board, name="board"),
    path("<int:pipeline_id>/board/stages/<int:stage_id>/", views.column, name="board-column"),
    path("deals/<int:pk>/move/", views.move, name="deal-move"),
]
