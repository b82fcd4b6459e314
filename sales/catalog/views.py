"""Catalogue pages: the sales team reads the product list; admins add, edit, deactivate and import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from crm.errors import DomainError, Invalid
from crm.web.views import AuthenticatedRequest, requested_page, service_error
from sales.configuration.admin_pages import admin_page, posted_active, submitted
from sales.models import SalesSettings

from .forms import ProductFilterForm, ProductForm, ProductImportForm
from .importing import MAX_BYTES, MAX_PROBLEMS_SHOWN, MEGABYTE, ProductImportRefused, products_import
from .selectors import product_get, product_list
from .services import product_create, product_set_active, product_update

PAGE_SIZE = 50


@login_required
def product_index(request: AuthenticatedRequest) -> HttpResponse:
    filters = ProductFilterForm(request.GET)
    products = product_list(user=request.user, search=filters.search(), active=filters.active_filter())
    page = requested_page(request, products, ordering=["name"], size=PAGE_SIZE)
    context = {"filters": filters, "page": page, "can_manage": request.user.is_admin}
    return render(request, "sales/catalog/product_list.html", context)


@admin_page
@require_http_methods(["GET", "POST"])
def product_new(request: AuthenticatedRequest) -> HttpResponse:
    form = ProductForm(request.POST if request.method == "POST" else None)
    product = submitted(request, form, lambda data: product_create(actor=request.user, fields=data))
    if product is None:
        return render(request, "sales/catalog/product_form.html", {"form": form, "product": None})
    messages.success(request, f"Added {product} to the catalogue.")
    return redirect("sales:product-list")


@admin_page
@require_http_methods(["GET", "POST"])
def product_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    product = product_get(user=request.user, pk=pk)
    form = ProductForm(request.POST if request.method == "POST" else None, product=product)
    saved = submitted(
        request, form, lambda data: product_update(actor=request.user, product_id=pk, fields=data)
    )
    if saved is None:
        return render(request, "sales/catalog/product_form.html", {"form": form, "product": product})
    messages.success(request, f"Saved {saved}.")
    return redirect("sales:product-list")


@admin_page
@require_POST
def product_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    active = posted_active(request)
    if active is None:
        return HttpResponseBadRequest("Say whether to activate (1) or deactivate (0) the product.")
    product = product_set_active(actor=request.user, product_id=pk, active=active)
    if product.is_active:
        messages.success(request, f"{product} is on sale again.")
    else:
        messages.success(request, f"Deactivated {product}: it can no longer be added to deals.")
    return redirect("sales:product-list")


@admin_page
@require_http_methods(["GET", "POST"])
def product_import(request: AuthenticatedRequest) -> HttpResponse:
    form = ProductImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    hidden = 0
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:  # refused before the file is read into memory
                raise Invalid(
                    f"The file is {upload.size / MEGABYTE:.1f} MB; the largest import is "
                    f"{MAX_BYTES // MEGABYTE} MB. Split it into smaller files.",
                    field="file",
                    code="file_too_large",
                )
            result = products_import(actor=request.user, data=upload.read())
        except DomainError as error:
            service_error(form, error)
            if isinstance(error, ProductImportRefused):
                problems = [str(problem) for problem in error.problems[:MAX_PROBLEMS_SHOWN]]
                hidden = len(error.problems) - len(problems)
        else:
            messages.success(
                request,
                f"Imported the file: {result.created} product{'s' if result.created != 1 else ''} created, "
                f"{result.updated} updated, {result.unchanged} unchanged.",
            )
            return redirect("sales:product-list")
    context = {
        "form": form,
        "problems": problems,
        "hidden_problems": hidden,
        "default_currency": SalesSettings.current().default_currency,
    }
    return render(request, "sales/catalog/product_import.html", context)
