"""Lead pages: the list with its views and filters, the detail page, and the create, edit, status and
delete forms. The bulk actions are in leads.bulk."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from crm import access
from crm.errors import DomainError, NotFound
from crm.lists.saved_views import list_views_context
from crm.models import User
from crm.timeline.panels import record_panels
from crm.timeline.views import record_sections
from crm.web.fragments import audience, cached_fragment, query_key
from crm.web.views import (
    AuthenticatedRequest,
    delete_page,
    is_paged,
    page_refusal,
    requested_page,
    service_error,
)
from leads.services.leads import lead_change_status, lead_create, lead_delete, lead_update

from .bulk import BulkActionForm
from .dedupe.selectors import duplicate_panel_context
from .forms import LeadForm, LeadListFilter, LeadStatusForm
from .models import Lead
from .presenters import lead_rows_presented
from .rules import lead_can_be_claimed, lead_can_be_deleted, lead_can_be_edited, lead_can_change_status
from .scoring.selectors import score_breakdown
from .selectors import lead_get, lead_rows

PAGE_SIZE = 50
CONVERTED_NOTE = "A converted lead is kept as it was; work with its contact and deal instead."


@dataclass(frozen=True)
class LeadPermissions:
    """What the detail page offers the user: the answers of the rules the services ensure (leads.rules)."""

    can_edit: bool
    can_change_status: bool
    can_assign_to_me: bool
    can_delete: bool


def lead_permissions(user: User, lead: Lead) -> LeadPermissions:
    return LeadPermissions(
        can_edit=bool(lead_can_be_edited(user, lead)),
        can_change_status=bool(lead_can_change_status(user, lead)),
        can_assign_to_me=bool(lead_can_be_claimed(user, lead)),
        can_delete=bool(lead_can_be_deleted(user, lead)),
    )


@login_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    filterset = LeadListFilter(request.GET, queryset=lead_rows(user=user))
    page = requested_page(request, filterset.qs, ordering=filterset.keyset_ordering(), size=PAGE_SIZE)
    filtered = filterset.is_filtered
    context = {
        "filter": filterset,
        "page": page,
        "rows": lead_rows_presented(page.rows),
        "columns": filterset.sort_columns(),
        "is_filtered": filtered,
        "is_paged": is_paged(request),
        "can_create": access.can_create(user, Lead),
        "filters_html": cached_fragment(
            "leads:filters",
            [*audience(user), query_key(request.GET)],
            lambda: render_to_string(
                "leads/_filters.html", {"filter": filterset, "is_filtered": filtered, "request": request}
            ),
        ),
        # The owners a user may assign to are their own (a rep: only themselves): one entry per user.
        "bulk_bar_html": cached_fragment(
            "leads:bulk-bar",
            [*audience(user), user.pk],
            lambda: render_to_string("leads/_bulk_bar.html", {"form": BulkActionForm(user=user)}),
        )
        if page.rows
        else "",
        **list_views_context(user=user, key="leads", filterset=filterset),
    }
    return render(request, "leads/lead_list.html", context)


def _detail_page(
    request: AuthenticatedRequest, lead: Lead, status_form: LeadStatusForm | None = None
) -> HttpResponse:
    context = {
        "lead": lead,
        "permissions": lead_permissions(request.user, lead),
        "status_form": status_form or LeadStatusForm(lead=lead),
        "converted_note": CONVERTED_NOTE,
        "panels": record_panels(user=request.user, record=lead),
        **record_sections(user=request.user, record=lead),
        **duplicate_panel_context(user=request.user, lead=lead),
        "breakdown": score_breakdown(lead=lead),
    }
    return render(request, "leads/lead_detail.html", context)


def _details_partial(request: AuthenticatedRequest, lead: Lead, *, saved: bool = False) -> HttpResponse:
    """The read-only details card, and after a save the header too (out of band: the name may change)."""
    context = {
        "lead": lead,
        "permissions": lead_permissions(request.user, lead),
        "saved": saved,
        "panels": record_panels(user=request.user, record=lead) if saved else {},
    }
    return render(request, "leads/_details.html", context)


@login_required
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lead = lead_get(user=request.user, pk=pk)
    if request.htmx:
        return _details_partial(request, lead)
    return _detail_page(request, lead)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedRequest) -> HttpResponse:
    access.ensure_can_create(request.user, Lead)
    form = LeadForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            lead = lead_create(actor=request.user, fields=form.editable_data)
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, f"Created lead {lead}.")
            return redirect(lead)
    context = {"form": form, "title": "New lead", "cancel_url": reverse("leads:index")}
    return render(request, "leads/lead_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The full edit page, or with HTMX the details card's inline form; also "Assign to me"."""
    lead = lead_get(user=request.user, pk=pk)
    access.ensure_can_change(request.user, lead)
    if request.method == "POST" and request.POST.get("assign") == "me":
        return _assign_to_me(request, lead)
    if lead.is_converted:
        if request.htmx:
            return _details_partial(request, lead)
        messages.info(request, CONVERTED_NOTE)
        return redirect(lead)
    title = f"Edit {lead}"
    form = LeadForm(request.POST if request.method == "POST" else None, instance=lead, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            lead_update(actor=request.user, lead_id=pk, fields=form.editable_data)
        except DomainError as error:
            service_error(form, error)
        else:
            return _after_save(request, pk)
    context = {"form": form, "lead": lead, "title": title, "cancel_url": lead.get_absolute_url()}
    if not request.htmx:
        return render(request, "leads/lead_form.html", context)
    form.focus_first_field()
    return render(request, "leads/_details_form.html", context)


def _after_save(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        lead = lead_get(user=request.user, pk=pk)
    except NotFound:  # e.g. put back in another team's queue: saved, and out of the user's sight
        messages.success(request, "Saved the lead; it is no longer in your lists.")
        url = reverse("leads:index")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        return _details_partial(request, lead, saved=True)
    messages.success(request, f"Saved lead {lead}.")
    return redirect(lead)


def _assign_to_me(request: AuthenticatedRequest, lead: Lead) -> HttpResponse:
    try:
        lead_update(actor=request.user, lead_id=lead.pk, fields={"owner": request.user})
    except DomainError as error:
        messages.error(request, page_refusal(error))
    else:
        messages.success(request, f"You own {lead} now.")
    return redirect(lead)


@login_required
@require_POST
def status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lead = lead_get(user=request.user, pk=pk)
    form = LeadStatusForm(request.POST, lead=lead)
    if form.is_valid():
        try:
            changed = lead_change_status(
                actor=request.user,
                lead_id=pk,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, f"{changed} is {changed.get_status_display().lower()} now.")
            return redirect(changed)
    return _detail_page(request, lead, status_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lead = lead_get(user=request.user, pk=pk)
    return delete_page(
        request,
        lead,
        noun="lead",
        delete=lambda: lead_delete(actor=request.user, lead_id=pk),
        may_delete=lambda: lead_can_be_deleted(request.user, lead),
        done_url=reverse("leads:index"),
    )
