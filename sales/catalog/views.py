"""Catalogue pages: the sales team reads and exports the product list; admins add, edit and deactivate
products (they import them through the kernel's import pages, crm.imports, as the "products" kind)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.lists.exporting import csv_download
from crm.web.views import AuthenticatedRequest, requested_page
from sales.configuration.admin_pages import admin_page, posted_active, submitted

from .exporting import export_filename, product_export_chunks
from .forms import ProductFilterForm, ProductForm
from .importing import PRODUCTS
from .selectors import product_get, product_list
from .services import product_create, product_set_active, product_update

PAGE_SIZE = 50
ORDERING = ["name"]


@login_required
def product_index(request: AuthenticatedRequest) -> HttpResponse:
    filters = ProductFilterForm(request.GET)
    products = product_list(user=request.user, search=filters.search(), active=filters.active_filter())
    page = requested_page(request, products, ordering=ORDERING, size=PAGE_SIZE)
    context = {
        "filters": filters,
        "page": page,
        "can_manage": request.user.is_admin,
        "import_kind": PRODUCTS.kind if PRODUCTS.may_import(request.user) else "",
    }
    return render(request, "sales/catalog/product_list.html", context)


@login_required
@require_GET
def product_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """The list's products under its search and filter, every page of them, as the import reads them."""
    filters = ProductFilterForm(request.GET)
    products = product_list(user=request.user, search=filters.search(), active=filters.active_filter())
    return csv_download(product_export_chunks(products, ordering=ORDERING), filename=export_filename())


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
