"""A deal's product lines editor: add, change and remove lines; the deal's amount follows.

With HTMX each change answers with the lines section and, out of band, the deal's amount; without,
it redirects to the deal (or shows the page again with the form's errors).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from crm import access
from crm.errors import DomainError
from crm.web.views import AuthenticatedRequest, service_error
from sales.forms import LineAddForm
from sales.models import Deal, DealLine
from sales.selectors import deal_get, product_suggestions
from sales.services.lines import deal_line_add, deal_line_remove, deal_line_update

from .deals import DEAL_CHANGED, detail_page, line_form, lines_context


def _changeable_deal(request: AuthenticatedRequest, pk: int) -> Deal:
    deal = deal_get(user=request.user, pk=pk)
    access.ensure_can_change(request.user, deal)
    return deal


def _line_of(deal: Deal, line_id: int) -> DealLine:
    line = DealLine.objects.filter(pk=line_id, deal=deal).select_related("product").first()
    if line is None:
        raise Http404
    return line


def _respond(
    request: AuthenticatedRequest, pk: int, *, status: str = "", failed: bool = False, **forms: Any
) -> HttpResponse:
    deal = deal_get(user=request.user, pk=pk)  # again: the amount has changed
    if request.htmx:
        context = {
            "deal": deal,
            "oob_amount": True,
            **lines_context(deal=deal, user=request.user, lines_status=status, **forms),
        }
        response = render(request, "sales/deals/_lines.html", context)
        if not failed:
            response["HX-Trigger"] = DEAL_CHANGED  # the exit criteria box may now be met
        return response
    if failed:
        return detail_page(request, deal, **forms)
    messages.success(request, status)
    return redirect(deal)


@login_required
@require_POST
def line_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = _changeable_deal(request, pk)
    form = LineAddForm(request.POST, deal=deal)
    if form.is_valid():
        data = form.cleaned_data
        try:
            line = deal_line_add(
                actor=request.user,
                deal_id=deal.pk,
                product=data["product"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                discount=data["discount"] or Decimal(0),
            )
        except DomainError as error:
            service_error(form, error)
        else:
            return _respond(request, pk, status=f"Added {line.product.name}.")
    return _respond(request, pk, failed=True, add_form=form)


@login_required
@require_GET
def product_options(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The add-a-product box's suggestions: products on sale matching what was typed (swapped in by
    HTMX); for those who may change the deal, as adding the line is."""
    _changeable_deal(request, pk)
    text = request.GET.get("product_search", "").strip()
    products = product_suggestions(text=text)
    return render(request, "sales/deals/_product_options.html", {"products": products, "text": text})


@login_required
@require_POST
def line_update(request: AuthenticatedRequest, pk: int, line_id: int) -> HttpResponse:
    deal = _changeable_deal(request, pk)
    line = _line_of(deal, line_id)
    form = line_form(line, request.POST)
    if form.is_valid():
        try:
            deal_line_update(actor=request.user, line_id=line.pk, **form.cleaned_data)
        except DomainError as error:
            service_error(form, error)
        else:
            return _respond(request, pk, status=f"Saved {line.product.name}.")
    return _respond(request, pk, failed=True, bound_line=(line.pk, form))


@login_required
@require_POST
def line_remove(request: AuthenticatedRequest, pk: int, line_id: int) -> HttpResponse:
    deal = _changeable_deal(request, pk)
    line = _line_of(deal, line_id)
    try:
        deal_line_remove(actor=request.user, line_id=line.pk)
    except DomainError as error:
        form = line_form(line)
        form.add_error(None, error.message)
        return _respond(request, pk, failed=True, bound_line=(line.pk, form))
    return _respond(request, pk, status=f"Removed {line.product.name}.")
