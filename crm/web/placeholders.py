"""The page of a lifecycle stage that is not built yet: it says what will be there."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class PlaceholderView(LoginRequiredMixin, TemplateView):
    """Each app's index until the app lands: `PlaceholderView.as_view(template_name=..., title=...)`."""

    title = ""
    description = ""
    icon = "bi-hourglass-split"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, description=self.description, icon=self.icon)
        return context
