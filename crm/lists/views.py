"""The saved-view pages every list shares: save the list as it is under a name, delete a view. Each
answers with the list it belongs to (crm.lists.saved_views.saved_list)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from crm.errors import DomainError
from crm.web.views import AuthenticatedRequest, safe_next, service_error

from .saved_views import SavedViewForm, saved_list
from .services import saved_view_create, saved_view_delete


@login_required
@require_POST
def view_save(request: AuthenticatedRequest, list_key: str) -> HttpResponse:
    """Saves the list as the user sees it and opens the view. A refused name shows on the name field
    (the form is swapped in place), or, without htmx, as a message above the list."""
    registered = saved_list(list_key)
    form = SavedViewForm(request.POST, list_filter=registered.list_filter)
    if form.is_valid():
        try:
            view = saved_view_create(actor=request.user, list_key=list_key, **form.cleaned_data)
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, f"Saved the view “{view.name}”.")
            url = registered.url(view.query)
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        context = {"save_view_form": form, "save_url": request.path, "placeholder": registered.placeholder}
        return render(request, "includes/save_view_form.html", context)
    messages.error(request, " ".join(str(message) for errors in form.errors.values() for message in errors))
    return redirect(registered.url(registered.list_filter.saved_query(request.POST.get("query", ""))))


@login_required
@require_POST
def view_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Deletes one of the user's own views and goes back to the list it was on."""
    view = saved_view_delete(actor=request.user, view_id=pk)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect(safe_next(request, saved_list(view.list).url()))
