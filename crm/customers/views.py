"""Accounts and contacts: lists and their CSV exports, the 360 detail pages (timeline and the upper apps'
panels), and the create, edit and delete forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from crm import access
from crm.customers import selectors, services
from crm.customers.account360 import contact_engagement
from crm.customers.exporting import account_export_chunks, contact_export_chunks, export_filename
from crm.customers.filters import AccountListFilter, ContactListFilter
from crm.customers.forms import AccountForm, ContactForm
from crm.customers.presenters import contact_lines
from crm.errors import DomainError
from crm.imports.registry import record_type
from crm.lists.counting import capped_count
from crm.lists.exporting import csv_download
from crm.lists.saved_views import list_views_context
from crm.lists.sorting import KeysetSorting
from crm.models import Account, Contact
from crm.timeline.panels import record_panels
from crm.timeline.views import account_timeline_context, record_sections
from crm.web.views import AuthenticatedRequest, delete_page, is_paged, requested_page, service_error

PAGE_SIZE = 25


def _list_page(
    request: AuthenticatedRequest,
    filterset: KeysetSorting,
    model: type[Model],
    template: str,
    *,
    key: str,
    import_kind: str,
) -> HttpResponse:
    """A keyset page of the filtered list, how many rows match (counted up to a cap), the list's views
    (registered under `key`), and its "Import" button when the user may import `import_kind`."""
    rows = filterset.qs
    page = requested_page(request, rows, ordering=filterset.keyset_ordering(), size=PAGE_SIZE)
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "count": capped_count(rows) if page.rows else None,
            "columns": filterset.sort_columns(),
            "is_filtered": filterset.is_filtered,
            "is_paged": is_paged(request),
            "can_create": access.can_create(request.user, model),
            "import_kind": import_kind if record_type(import_kind).may_import(request.user) else "",
            **list_views_context(user=request.user, key=key, filterset=filterset),
        },
    )


def _form_page(
    request: AuthenticatedRequest,
    form: ModelForm,
    save: Callable[[dict[str, Any]], Account | Contact],
    template: str,
    context: dict[str, Any],
    success: str,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            record = save(form.cleaned_data)
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, success.format(record=record))
            return redirect(record)
    return render(request, template, {"form": form, **context})


def _data(request: AuthenticatedRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
def account_list(request: AuthenticatedRequest) -> HttpResponse:
    filterset = AccountListFilter(request.GET, queryset=selectors.account_rows(user=request.user))
    return _list_page(
        request, filterset, Account, "customers/account_list.html", key="accounts", import_kind="accounts"
    )


@login_required
@require_GET
def account_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """Every account of the list the query string describes (not only one page), as a CSV file that
    imports back as updates of these accounts; page cursors are ignored."""
    filterset = AccountListFilter(request.GET, queryset=selectors.account_list(user=request.user))
    chunks = account_export_chunks(filterset.qs, ordering=filterset.keyset_ordering())
    return csv_download(chunks, filename=export_filename("accounts"))


@login_required
def account_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The account 360: contacts, the upper apps' panels (deals, onboarding, products) and the timeline."""
    account = selectors.account_get(user=request.user, pk=pk)
    older = request.GET.get("older")
    if request.htmx and older:
        # "Older" on the timeline: the next page of entries only.
        context = account_timeline_context(user=request.user, account=account, older=older)
        return render(request, "customers/_account_timeline_page.html", context)
    context = {
        "account": account,
        "contacts": contact_lines(selectors.account_contacts(user=request.user, account=account)),
        "can_change": access.can(request.user, "change", account),
        "can_create_contact": access.can_create(request.user, Contact),
        "panels": record_panels(user=request.user, record=account),
        **record_sections(user=request.user, record=account, older=older),
    }
    return render(request, "customers/account_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request: AuthenticatedRequest) -> HttpResponse:
    access.ensure_can_create(request.user, Account)
    form = AccountForm(_data(request), user=request.user)
    return _form_page(
        request,
        form,
        save=lambda fields: services.account_create(actor=request.user, fields=fields),
        template="customers/account_form.html",
        context={"title": "New account", "cancel_url": reverse("account-list")},
        success="Created account {record}.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, pk=pk)
    access.ensure_can_change(request.user, account)
    title = f"Edit {account}"
    form = AccountForm(_data(request), instance=account, user=request.user)
    return _form_page(
        request,
        form,
        save=lambda fields: services.account_update(actor=request.user, account_id=pk, fields=fields),
        template="customers/account_form.html",
        context={"title": title, "cancel_url": account.get_absolute_url()},
        success="Saved account {record}.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = selectors.account_get(user=request.user, pk=pk)
    return delete_page(
        request,
        account,
        noun="account",
        delete=lambda: services.account_delete(actor=request.user, account_id=pk),
        done_url=reverse("account-list"),
    )


@login_required
def contact_list(request: AuthenticatedRequest) -> HttpResponse:
    filterset = ContactListFilter(request.GET, queryset=selectors.contact_rows(user=request.user))
    return _list_page(
        request, filterset, Contact, "customers/contact_list.html", key="contacts", import_kind="contacts"
    )


@login_required
@require_GET
def contact_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """Every contact of the list the query string describes, as a CSV file that imports back as updates."""
    filterset = ContactListFilter(request.GET, queryset=selectors.contact_list(user=request.user))
    chunks = contact_export_chunks(filterset.qs, ordering=filterset.keyset_ordering())
    return csv_download(chunks, filename=export_filename("contacts"))


@login_required
def contact_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk)
    context = {
        "contact": contact,
        "can_change": access.can(request.user, "change", contact),
        "engagement": contact_engagement(contact=contact),
        "panels": record_panels(user=request.user, record=contact),
        **record_sections(user=request.user, record=contact),
    }
    return render(request, "customers/contact_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthenticatedRequest) -> HttpResponse:
    access.ensure_can_create(request.user, Contact)
    initial = {"account": request.GET["account"]} if request.GET.get("account", "").isdigit() else {}
    form = ContactForm(_data(request), initial=initial, user=request.user)
    return _form_page(
        request,
        form,
        save=lambda fields: services.contact_create(actor=request.user, fields=fields),
        template="customers/contact_form.html",
        context={"title": "New contact", "cancel_url": reverse("contact-list")},
        success="Created contact {record}.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk)
    access.ensure_can_change(request.user, contact)
    title = f"Edit {contact}"
    form = ContactForm(_data(request), instance=contact, user=request.user)
    return _form_page(
        request,
        form,
        save=lambda fields: services.contact_update(actor=request.user, contact_id=pk, fields=fields),
        template="customers/contact_form.html",
        context={"title": title, "cancel_url": contact.get_absolute_url()},
        success="Saved contact {record}.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk)
    return delete_page(
        request,
        contact,
        noun="contact",
        delete=lambda: services.contact_delete(actor=request.user, contact_id=pk),
        done_url=reverse("contact-list"),
    )
