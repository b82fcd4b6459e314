"""Deal pages: the list and its CSV export, the detail page, and the create, edit and delete forms. The
board is in sales.board.views, the product lines editor in sales.views.lines, the bulk actions in
sales.views.bulk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import access
from crm.customers.selectors import account_list, account_suggestions, contact_list
from crm.errors import DomainError, NotFound
from crm.lists.exporting import csv_download
from crm.lists.saved_views import list_views_context
from crm.models import User
from crm.timeline.views import record_sections
from crm.web.fragments import audience, cached_fragment, query_key
from crm.web.views import AuthenticatedRequest, delete_page, is_paged, requested_page, service_error
from sales.exporting import deal_export_chunks, export_filename
from sales.filters import DealListFilter
from sales.forms import DealForm, LineAddForm, LineForm, MoveForm, ReopenForm
from sales.importing.importer import DEALS
from sales.models import Deal, DealLine, DealType, StageKind
from sales.presenters import deal_rows_presented
from sales.rules import (
    deal_can_be_deleted,
    deal_can_be_edited,
    deal_can_be_reopened,
    deal_can_move,
    deal_lines_editable,
)
from sales.selectors import (
    current_criteria,
    deal_get,
    deal_lines,
    deal_list_totals,
    deal_rows,
    pipeline_stages,
    renewals,
    stage_history,
)
from sales.services.deals import (
    deal_create,
    deal_delete,
    deal_reopen,
    deal_update,
)

from .bulk import DealBulkForm

PAGE_SIZE = 50
# The event (HX-Trigger) a change to a deal's lines sends; its exit criteria box listens to it and to
# the timeline's, since a logged activity or a product line may be what a criterion asks for.
DEAL_CHANGED = "deal-changed"


@dataclass(frozen=True)
class DealPermissions:
    """What the detail page offers the user: the answers of the rules the services ensure (sales.rules)."""

    can_edit: bool
    can_move: bool
    can_reopen: bool
    can_delete: bool


def deal_permissions(user: User, deal: Deal) -> DealPermissions:
    return DealPermissions(
        can_edit=bool(deal_can_be_edited(user, deal)),
        can_move=bool(deal_can_move(user, deal)),
        can_reopen=bool(deal_can_be_reopened(user, deal)),
        can_delete=bool(deal_can_be_deleted(user, deal)),
    )


def line_form(line: DealLine, data: Any = None) -> LineForm:
    """A line's row: its inputs belong to the row's own <form> (by id), since a form cannot wrap a row."""
    form = LineForm(
        data,
        prefix=f"line-{line.pk}",
        initial={"quantity": line.quantity, "unit_price": line.unit_price, "discount": line.discount},
    )
    for field in form.fields.values():
        field.widget.attrs.update({"form": f"line-form-{line.pk}", "class": "form-control form-control-sm"})
    return form


def _mark_invalid(form: BaseForm) -> BaseForm:
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["class"] = "form-control form-control-sm is-invalid"
    return form


def lines_context(
    *,
    deal: Deal,
    user: User,
    add_form: LineAddForm | None = None,
    bound_line: tuple[int, LineForm] | None = None,
    lines_status: str = "",
) -> dict[str, Any]:
    """What sales/deals/_lines.html needs; a bound form shows again with its errors."""
    editable = bool(deal_lines_editable(user, deal))
    rows = []
    for line in deal_lines(deal=deal):
        bound = bound_line is not None and bound_line[0] == line.pk
        rows.append((line, _mark_invalid(bound_line[1]) if bound_line and bound else line_form(line)))
    return {
        "line_rows": rows,
        "lines_editable": editable,
        "line_add_form": (add_form or LineAddForm(deal=deal)) if editable else None,
        "lines_status": lines_status,
    }


@login_required
@require_GET
def deal_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    filterset = DealListFilter(request.GET, queryset=deal_rows(user=user))
    page = requested_page(request, filterset.qs, ordering=filterset.keyset_ordering(), size=PAGE_SIZE)
    may_change = access.can_create(user, Deal)
    filtered = filterset.is_filtered
    context = {
        "filter": filterset,
        "page": page,
        "rows": deal_rows_presented(page.rows, today=timezone.localdate()),
        "totals": deal_list_totals(deals=filterset.qs) if page.rows else None,
        "columns": filterset.sort_columns(),
        "is_filtered": filtered,
        "is_paged": is_paged(request),
        "can_create": may_change,
        "import_kind": "deals" if DEALS.may_import(user) else "",
        "filters_html": cached_fragment(
            "deals:filters",
            [*audience(user), query_key(request.GET)],
            lambda: render_to_string(
                "sales/deals/_list_filters.html",
                {"filter": filterset, "is_filtered": filtered, "request": request},
            ),
        ),
        # The owners a user may assign to are their own (a rep: only themselves): one entry per user.
        "bulk_bar_html": cached_fragment(
            "deals:bulk-bar",
            [*audience(user), user.pk],
            lambda: render_to_string("sales/deals/_bulk_bar.html", {"form": DealBulkForm(user=user)}),
        )
        if may_change and page.rows
        else "",
        **list_views_context(user=user, key="deals", filterset=filterset),
    }
    return render(request, "sales/deals/deal_list.html", context)


@login_required
@require_GET
def deal_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """Every deal of the list the query string describes (not only one page), as a CSV file that imports
    back as updates of these deals; page cursors are ignored."""
    filterset = DealListFilter(request.GET, queryset=deal_rows(user=request.user))
    chunks = deal_export_chunks(filterset.qs, ordering=filterset.keyset_ordering())
    return csv_download(chunks, filename=export_filename())


def detail_page(request: AuthenticatedRequest, deal: Deal, **forms: Any) -> HttpResponse:
    """The detail page; `forms` are bound forms to show again with their errors."""
    user = request.user
    stages = pipeline_stages(deal=deal)
    permissions = deal_permissions(user, deal)
    context = {
        "deal": deal,
        "permissions": permissions,
        "stages": stages,
        "criteria": current_criteria(deal=deal),
        "history": stage_history(deal=deal),
        # An open deal moves; a won or lost one is reopened first, on purpose.
        "move_form": (forms.pop("move_form", None) or MoveForm(deal=deal, stages=stages))
        if permissions.can_move
        else None,
        "reopen_form": (forms.pop("reopen_form", None) or ReopenForm(deal=deal, stages=stages))
        if permissions.can_reopen
        else None,
        "lost_stage_id": next((stage.pk for stage in stages if stage.kind == StageKind.LOST), None),
        "renewals": renewals(user=user, deal=deal),
        "today": timezone.localdate(),
        **lines_context(deal=deal, user=user, **forms),
        **record_sections(user=user, record=deal),
    }
    return render(request, "sales/deals/deal_detail.html", context)


@login_required
@require_GET
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return detail_page(request, deal_get(user=request.user, pk=pk))


@login_required
@require_POST
def reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Reopens a won or lost deal in the open stage chosen, with a new expected close date if needed."""
    deal = deal_get(user=request.user, pk=pk)
    form = ReopenForm(request.POST, deal=deal)
    if form.is_valid():
        try:
            reopened = deal_reopen(
                actor=request.user,
                deal_id=pk,
                stage_id=form.cleaned_data["stage"].pk,
                close_date=form.cleaned_data["close_date"],
            )
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, f"Reopened {reopened} in {reopened.stage}.")
            return redirect(reopened)
    return detail_page(request, deal, reopen_form=form)


@login_required
@require_GET
def criteria(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The detail page's exit criteria box, drawn again after an activity or a product line is saved."""
    deal = deal_get(user=request.user, pk=pk)
    return render(
        request, "sales/deals/_criteria.html", {"deal": deal, "criteria": current_criteria(deal=deal)}
    )


def _create_initial(request: AuthenticatedRequest) -> dict[str, Any]:
    """?account=<id>&type=upsell, as the account page's "New upsell" buttons link here."""
    initial: dict[str, Any] = {}
    account_id = request.GET.get("account", "")
    if account_id.isdigit():
        account = account_list(user=request.user).select_related(None).filter(pk=int(account_id)).first()
        if account is not None:
            initial["account"] = account
    deal_type = request.GET.get("type")
    if deal_type in DealType.values:
        initial["type"] = deal_type
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedRequest) -> HttpResponse:
    access.ensure_can_create(request.user, Deal)
    initial = _create_initial(request)
    data = request.POST if request.method == "POST" else None
    form = DealForm(data, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            deal = deal_create(actor=request.user, fields=form.service_fields())
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, f"Created deal {deal}.")
            return redirect(deal)
    cancel_url = (
        reverse("account-detail", args=[initial["account"].pk])
        if "account" in initial
        else reverse("sales:index")
    )
    context = {"form": form, "title": "New deal", "cancel_url": cancel_url}
    return render(request, "sales/deals/deal_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = deal_get(user=request.user, pk=pk)
    access.ensure_can_change(request.user, deal)
    title, cancel_url = f"Edit {deal}", deal.get_absolute_url()
    data = request.POST if request.method == "POST" else None
    form = DealForm(data, instance=deal, user=request.user, has_lines=deal.lines.exists())
    if request.method == "POST" and form.is_valid():
        try:
            deal_update(
                actor=request.user,
                deal_id=pk,
                fields=form.service_fields(),
                expected_stage_id=form.expected_stage_id,
            )
        except DomainError as error:
            service_error(form, error)
        else:
            return _after_save(request, pk)
    context = {"form": form, "deal": deal, "title": title, "cancel_url": cancel_url}
    return render(request, "sales/deals/deal_form.html", context)


def _after_save(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        deal = deal_get(user=request.user, pk=pk)
    except NotFound:  # given to someone in another team: saved, and out of the user's sight
        messages.success(request, "Saved the deal; it is no longer in your lists.")
        return redirect("sales:deal-list")
    messages.success(request, f"Saved deal {deal}.")
    return redirect(deal)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = deal_get(user=request.user, pk=pk)
    return delete_page(
        request,
        deal,
        noun="deal",
        delete=lambda: deal_delete(actor=request.user, deal_id=pk),
        may_delete=lambda: deal_can_be_deleted(request.user, deal),
        done_url=reverse("sales:deal-list"),
    )


@login_required
@require_GET
def contact_options(request: AuthenticatedRequest) -> HttpResponse:
    """The primary contact choices for the account chosen in the deal form (swapped in by HTMX)."""
    account_id = request.GET.get("account", "")
    contacts = (
        contact_list(user=request.user)
        .select_related(None)
        .filter(account_id=int(account_id))
        .order_by("last_name", "first_name", "id")
        if account_id.isdigit()
        else []
    )
    return render(request, "sales/deals/_contact_options.html", {"contacts": contacts})


@login_required
@require_GET
def account_options(request: AuthenticatedRequest) -> HttpResponse:
    """The deal form's account suggestions: visible accounts matching what was typed (swapped in by HTMX)."""
    text = request.GET.get("account_search", "").strip()
    accounts = account_suggestions(user=request.user, text=text)
    return render(request, "sales/deals/_account_options.html", {"accounts": accounts, "text": text})
