"""URL patterns: see sales/urls/__init__.py."""

from django.urls import path

from crm.views.placeholders import PlaceholderView

urlpatterns = [
    path(
        "",
        PlaceholderView.as_view(
            template_name="sales/index.html", title="Pipeline", description="The board.", icon="bi-kanban"
        ),
        name="index",
    ),
]
