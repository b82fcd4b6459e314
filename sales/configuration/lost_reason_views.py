"""The lost reasons page (admins only): the list reps choose from when a deal is lost."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from crm.errors import DomainError
from crm.views import AuthenticatedRequest

from . import services
from .forms import LostReasonForm, error_text, show_service_error
from .selectors import lost_reason_get, lost_reason_rows
from .views import REFUSALS, admin_page, posted_ids, posted_place


@admin_page
def lost_reason_list(request: AuthenticatedRequest, form: LostReasonForm | None = None) -> HttpResponse:
    context = {"rows": list(lost_reason_rows()), "form": form or LostReasonForm()}
    return render(request, "sales/configuration/lost_reason_list.html", context)


@admin_page
@require_POST
def lost_reason_create(request: AuthenticatedRequest) -> HttpResponse:
    form = LostReasonForm(request.POST)
    if form.is_valid():
        try:
            reason = services.lost_reason_create(actor=request.user, name=form.cleaned_data["name"])
        except REFUSALS as error:
            show_service_error(form, error)
        else:
            messages.success(request, f"Added the lost reason {reason}; reps can choose it now.")
            return redirect("sales:lost-reason-list")
    return lost_reason_list(request, form=form)


@admin_page
@require_http_methods(["GET", "POST"])
def lost_reason_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    reason = lost_reason_get(pk=pk)
    form = LostReasonForm(request.POST if request.method == "POST" else None, initial={"name": reason.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.lost_reason_rename(actor=request.user, reason_id=pk, name=form.cleaned_data["name"])
        except REFUSALS as error:
            show_service_error(form, error)
        else:
            messages.success(request, f"Renamed the lost reason to {form.cleaned_data['name']}.")
            return redirect("sales:lost-reason-list")
    return render(request, "sales/configuration/lost_reason_form.html", {"form": form, "reason": reason})


@admin_page
@require_POST
def lost_reason_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    to = posted_place(request)
    if to is None:
        return HttpResponseBadRequest("Say where to move the lost reason.")
    services.lost_reason_move(actor=request.user, reason_id=pk, to=to)
    messages.success(request, f"Moved the lost reason to place {to + 1}.")
    return redirect("sales:lost-reason-list")


@admin_page
@require_POST
def lost_reason_reorder(request: AuthenticatedRequest) -> HttpResponse:
    ids = posted_ids(request)
    if ids is None:
        return HttpResponseBadRequest("Send the lost reasons' ids in their new order.")
    error = ""
    try:
        services.lost_reasons_reorder(actor=request.user, reason_ids=ids)
    except DomainError as refusal:
        error = refusal.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("sales:lost-reason-list")
    context = {"rows": list(lost_reason_rows()), "order_error": error, "order_saved": not error}
    return render(request, "sales/configuration/_lost_reason_table.html", context)


@admin_page
@require_POST
def lost_reason_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active")
    if active not in ("0", "1"):
        return HttpResponseBadRequest("Say whether to activate (1) or deactivate (0) the reason.")
    try:
        reason = services.lost_reason_set_active(actor=request.user, reason_id=pk, active=active == "1")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        state = "offered again" if reason.is_active else "no longer offered; the deals lost for it keep it"
        messages.success(request, f"{reason} is {state}.")
    return redirect("sales:lost-reason-list")


@admin_page
@require_POST
def lost_reason_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        result = services.lost_reason_delete(actor=request.user, reason_id=pk)
    except REFUSALS as error:
        messages.error(request, error_text(error))
    else:
        if result.deleted:
            messages.success(request, f"Deleted the lost reason {result.name}.")
        else:
            deals = f"{result.deals} deal{'s were' if result.deals != 1 else ' was'}"
            messages.info(
                request,
                f"{deals} lost for {result.name}, so it was deactivated instead of deleted: "
                "those deals keep it, and reps can no longer choose it.",
            )
    return redirect("sales:lost-reason-list")
