"""Onboarding template pages (admins only): the templates, and each one's ordered checklist."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from crm.web.views import AuthenticatedRequest
from sales.models import OnboardingTemplate

from . import onboarding_templates as services
from .admin_pages import admin_page, posted_ids, posted_place, reorder_answer, submitted
from .forms import OnboardingItemForm, OnboardingTemplateForm
from .selectors import (
    onboarding_item_get,
    onboarding_template_get,
    onboarding_template_items,
    onboarding_template_rows,
)


@admin_page
def template_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request, "sales/configuration/onboarding_template_list.html", {"rows": onboarding_template_rows()}
    )


@admin_page
@require_http_methods(["GET", "POST"])
def template_create(request: AuthenticatedRequest) -> HttpResponse:
    form = OnboardingTemplateForm(request.POST if request.method == "POST" else None)
    template = submitted(
        request, form, lambda data: services.onboarding_template_create(actor=request.user, **data)
    )
    if template is None:
        context = {"form": form, "title": "New onboarding template", "template": None}
        return render(request, "sales/configuration/onboarding_template_form.html", context)
    messages.success(request, f"Created the template {template}; add its checklist below.")
    return redirect("sales:onboarding-template-detail", template.pk)


@admin_page
@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    template = onboarding_template_get(pk=pk)
    form = OnboardingTemplateForm(request.POST if request.method == "POST" else None, template=template)
    update = partial(services.onboarding_template_update, actor=request.user, template_id=pk)
    if submitted(request, form, lambda data: update(**data)) is None:
        context = {"form": form, "title": f"Edit {template}", "template": template}
        return render(request, "sales/configuration/onboarding_template_form.html", context)
    messages.success(request, f"Saved the template {form.cleaned_data['name']}.")
    return redirect("sales:onboarding-template-detail", pk)


def _template_page(
    request: AuthenticatedRequest, template: OnboardingTemplate, item_form: OnboardingItemForm | None = None
) -> HttpResponse:
    context = {
        "template": template,
        "items": onboarding_template_items(template=template),
        "item_form": item_form or OnboardingItemForm(),
    }
    return render(request, "sales/configuration/onboarding_template_detail.html", context)


@admin_page
def template_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _template_page(request, onboarding_template_get(pk=pk))


@admin_page
@require_POST
def item_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    template = onboarding_template_get(pk=pk)
    form = OnboardingItemForm(request.POST)
    add = partial(services.onboarding_template_item_add, actor=request.user, template_id=pk)
    item = submitted(request, form, lambda data: add(**data))
    if item is None:
        return _template_page(request, template, item_form=form)
    messages.success(request, f"Added “{item.title}” to the checklist.")
    return redirect("sales:onboarding-template-detail", pk)


@admin_page
@require_http_methods(["GET", "POST"])
def item_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    item = onboarding_item_get(pk=pk)
    form = OnboardingItemForm(request.POST if request.method == "POST" else None, item=item)
    update = partial(services.onboarding_template_item_update, actor=request.user, item_id=pk)
    if submitted(request, form, lambda data: update(**data)) is None:
        return render(request, "sales/configuration/onboarding_item_form.html", {"form": form, "item": item})
    messages.success(request, f"Saved “{form.cleaned_data['title']}”.")
    return redirect("sales:onboarding-template-detail", item.template_id)


@admin_page
@require_POST
def item_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    item = onboarding_item_get(pk=pk)
    services.onboarding_template_item_remove(actor=request.user, item_id=pk)
    messages.success(request, f"Removed “{item.title}” from the checklist.")
    return redirect("sales:onboarding-template-detail", item.template_id)


@admin_page
@require_POST
def item_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    item = onboarding_item_get(pk=pk)
    to = posted_place(request)
    if to is None:
        return HttpResponseBadRequest("Say where to move the item.")
    services.onboarding_template_item_move(actor=request.user, item_id=pk, to=to)
    messages.success(request, f"Moved “{item.title}” to place {to + 1}.")
    url = reverse("sales:onboarding-template-detail", args=[item.template_id])
    return redirect(f"{url}#item-{pk}")


@admin_page
@require_POST
def item_reorder(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    template = onboarding_template_get(pk=pk)
    ids = posted_ids(request)
    if ids is None:
        return HttpResponseBadRequest("Send the items' ids in their new order.")
    return reorder_answer(
        request,
        lambda: services.onboarding_template_items_reorder(actor=request.user, template_id=pk, item_ids=ids),
        back=reverse("sales:onboarding-template-detail", args=[pk]),
        table="sales/configuration/_onboarding_item_table.html",
        context=lambda: {"template": template, "items": onboarding_template_items(template=template)},
    )
