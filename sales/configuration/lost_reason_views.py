"""The lost reasons page (admins only): the list reps choose from when a deal is lost."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from crm.errors import DomainError
from crm.web.views import AuthenticatedRequest, page_refusal

from . import lost_reasons as services
from .admin_pages import (
    admin_page,
    posted_active,
    posted_ids,
    posted_place,
    reorder_answer,
    submitted,
)
from .forms import LostReasonForm
from .selectors import lost_reason_get, lost_reason_rows


@admin_page
def lost_reason_list(request: AuthenticatedRequest, form: LostReasonForm | None = None) -> HttpResponse:
    context = {"rows": list(lost_reason_rows()), "form": form or LostReasonForm()}
    return render(request, "sales/configuration/lost_reason_list.html", context)


@admin_page
@require_POST
def lost_reason_create(request: AuthenticatedRequest) -> HttpResponse:
    form = LostReasonForm(request.POST)
    reason = submitted(
        request, form, lambda data: services.lost_reason_create(actor=request.user, name=data["name"])
    )
    if reason is None:
        return lost_reason_list(request, form=form)
    messages.success(request, f"Added the lost reason {reason}; reps can choose it now.")
    return redirect("sales:lost-reason-list")


@admin_page
@require_http_methods(["GET", "POST"])
def lost_reason_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    reason = lost_reason_get(pk=pk)
    form = LostReasonForm(request.POST if request.method == "POST" else None, initial={"name": reason.name})
    rename = partial(services.lost_reason_rename, actor=request.user, reason_id=pk)
    if submitted(request, form, lambda data: rename(name=data["name"])) is None:
        return render(request, "sales/configuration/lost_reason_form.html", {"form": form, "reason": reason})
    messages.success(request, f"Renamed the lost reason to {form.cleaned_data['name']}.")
    return redirect("sales:lost-reason-list")


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
    return reorder_answer(
        request,
        lambda: services.lost_reasons_reorder(actor=request.user, reason_ids=ids),
        back=reverse("sales:lost-reason-list"),
        table="sales/configuration/_lost_reason_table.html",
        context=lambda: {"rows": list(lost_reason_rows())},
    )


@admin_page
@require_POST
def lost_reason_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    active = posted_active(request)
    if active is None:
        return HttpResponseBadRequest("Say whether to activate (1) or deactivate (0) the reason.")
    try:
        reason = services.lost_reason_set_active(actor=request.user, reason_id=pk, active=active)
    except DomainError as error:
        messages.error(request, page_refusal(error))
    else:
        state = "offered again" if reason.is_active else "no longer offered; the deals lost for it keep it"
        messages.success(request, f"{reason} is {state}.")
    return redirect("sales:lost-reason-list")


@admin_page
@require_POST
def lost_reason_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        result = services.lost_reason_delete(actor=request.user, reason_id=pk)
    except DomainError as error:
        messages.error(request, page_refusal(error))
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
