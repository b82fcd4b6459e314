"""What the admin-only settings pages (pipelines, lost reasons, onboarding templates, the catalogue)
share: the admin check, the posted order and place of a reorder, and saving a form through a service."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render

from crm.errors import DomainError
from crm.web.views import AuthenticatedRequest, page_refusal, service_error

T = TypeVar("T")
View = Callable[..., HttpResponse]


def admin_page(view: View) -> View:
    """Signed-in admins only; anyone else signed in is told the page is for admins (403)."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_active and request.user.is_admin):
            raise PermissionDenied("Only admins can change how selling is set up.")
        return view(request, *args, **kwargs)

    return wrapped


def posted_ids(request: AuthenticatedRequest, name: str = "order") -> list[int] | None:
    values = request.POST.getlist(name)
    if not values or not all(value.isdigit() for value in values):
        return None
    return [int(value) for value in values]


def posted_place(request: AuthenticatedRequest) -> int | None:
    to = request.POST.get("to", "")
    return int(to) if to.isdigit() else None


def posted_active(request: AuthenticatedRequest) -> bool | None:
    """The posted `active` flag ("1" or "0"), None when it is neither."""
    return {"1": True, "0": False}.get(request.POST.get("active", ""))


def submitted(request: AuthenticatedRequest, form: BaseForm, save: Callable[[dict[str, Any]], T]) -> T | None:
    """What `save` returns for a valid posted form; None (with the service's refusal on the form) when
    there is nothing to save or the service refused."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except DomainError as error:
        service_error(form, error)
        return None


def reorder_answer(
    request: AuthenticatedRequest,
    reorder: Callable[[], object],
    *,
    back: str,
    table: str,
    context: Callable[[], dict[str, Any]],
    saved: str = "",
) -> HttpResponse:
    """Saves a drag and drop at once. With HTMX the answer is `table` in its saved order, with a note;
    without, the page `back` with the refusal (or `saved`) as a message."""
    error = ""
    try:
        reorder()
    except DomainError as refusal:
        error = page_refusal(refusal)
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif saved:
            messages.success(request, saved)
        return redirect(back)
    return render(request, table, {**context(), "order_error": error, "order_saved": not error})
