"""The notification list, the bell in the navigation bar, and marking notifications read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from crm.selectors.timeline import notification_list
from crm.services.notifications import notifications_mark_read
from crm.views import AuthenticatedRequest, safe_next

# htmx stops polling when a poll answers 286: a signed-out tab stops asking.
HTMX_STOP_POLLING = 286


@login_required
@require_GET
def notification_list_page(request: AuthenticatedRequest) -> HttpResponse:
    notifications = notification_list(user=request.user)
    return render(request, "notifications/list.html", {"notifications": notifications})


@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell partial (its unread count comes from the context processor), polled by htmx."""
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    return render(request, "notifications/_bell.html")


@login_required
@require_POST
def notifications_read(request: AuthenticatedRequest) -> HttpResponse:
    """Marks the given notifications (`id`, repeated) read, or all of them when none is given."""
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    notifications_mark_read(actor=request.user, notification_ids=ids or None)
    return redirect(safe_next(request, reverse("notification-list")))
