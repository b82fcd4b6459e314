"""What every HTML page shares: each view parses input, calls a selector or a service, and renders; these
helpers type its request, guard admin pages, show a service's refusal (crm.errors) on a form or the page,
page a keyset list and ask before a delete or a bulk delete."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from crm import access
from crm.errors import ALLOWED, Decision, DomainError, Forbidden, Invalid, NotFound
from crm.lists.pagination import CURSOR_PARAMS, KeysetPage, keyset_page
from crm.models import User

M = TypeVar("M", bound=Model)


class AuthenticatedRequest(HttpRequest):
    """What a login-required view receives (for the type checker): a real user, and HTMX details."""

    user: User
    htmx: HtmxDetails


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` URL of a form when it points back into this site, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = {request.get_host()}
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts=allowed, require_https=request.is_secure()):
        return candidate
    return default


View = Callable[..., HttpResponse]


def admin_only(view: View) -> View:
    """Signed-in admins only; to anyone else the page does not exist (404, as for others' records)."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def service_error(form: BaseForm, error: DomainError) -> None:
    """Puts a service's refusal on the field it names (each field's, for Invalid), else above the form.

    NotFound is raised again: a record that is gone, or not the user's to see, is the 404 page."""
    if isinstance(error, NotFound):
        raise error
    if isinstance(error, Invalid):
        for field, messages in error.errors.items():
            form.add_error(field if field in form.fields else None, messages)
        return
    form.add_error(error.field if error.field in form.fields else None, error.message)


def page_refusal(error: DomainError) -> str:
    """The message a page shows in place (a flash message, a confirmation page) for a refusal of the
    input or of the record's state; NotFound and Forbidden are raised again for the 404 and 403 pages."""
    if isinstance(error, NotFound | Forbidden):
        raise error
    return error.message


def requested_page(
    request: HttpRequest, queryset: QuerySet[M], *, ordering: list[str], size: int
) -> KeysetPage[M]:
    """The page of a keyset list that the query string's cursor asks for; a cursor this list did not
    make (stale, from another sort, tampered with) shows the first page."""
    return keyset_page(
        queryset,
        ordering=ordering,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=size,
    )


def is_paged(request: HttpRequest) -> bool:
    """Whether the list is past its first page (an empty page then says "No more ...")."""
    return any(request.GET.get(name) for name in CURSOR_PARAMS)


def delete_page(
    request: AuthenticatedRequest,
    record: Model,
    *,
    noun: str,
    delete: Callable[[], object],
    done_url: str,
    may_delete: Callable[[], Decision] = lambda: ALLOWED,
) -> HttpResponse:
    """A record's delete page: GET asks first (to those the rule lets delete it), POST deletes through
    the service, which asks the same rule again and may refuse with what blocks the deletion."""
    error = ""
    if request.method == "POST":
        try:
            delete()
        except DomainError as refused:
            error = page_refusal(refused)
        else:
            messages.success(request, f"Deleted {noun} {record}.")
            return redirect(done_url)
    access.ensure_can_change(request.user, record)
    if not error and not (decision := may_delete()) and decision.refusal is not None:
        error = page_refusal(decision.refusal)
    cancel_url = record.get_absolute_url()  # type: ignore[attr-defined]
    context = {"record": record, "noun": noun, "cancel_url": cancel_url, "error": error}
    return render(request, "customers/confirm_delete.html", context, status=409 if error else 200)


Names = Callable[[list[int]], dict[int, str]]
"""The names of the records (by id) the user may see, to say which ones an action could not change."""
