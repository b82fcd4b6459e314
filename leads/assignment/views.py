"""Assignment pages: admins order and edit the rules; anyone marks themselves away or back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from crm.errors import DomainError
from crm.web.views import AuthenticatedRequest, admin_only, safe_next, service_error
from leads.models import AssignmentRule, LeadSettings

from . import services
from .forms import BaseCriteriaFormSet, RuleForm, criteria_formset
from .selectors import assignment_rule_rows

RULES_URL = "leads:assignment-rules"


@admin_only
def rules_page(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "rows": assignment_rule_rows(),
        "first_touch_minutes": LeadSettings.current().first_touch_minutes,
    }
    return render(request, "leads/assignment/rule_list.html", context)


def _form_page(
    request: AuthenticatedRequest,
    *,
    rule: AssignmentRule | None,
    save: Callable[[dict[str, Any], list[dict[str, str]]], AssignmentRule],
    title: str,
    success: str,
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = RuleForm(data, rule=rule)
    formset: BaseCriteriaFormSet = criteria_formset(data, rule=rule)
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            saved = save(form.cleaned_data, formset.criteria())
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, success.format(rule=saved))
            return redirect(RULES_URL)
    context = {"form": form, "formset": formset, "title": title, "rule": rule}
    return render(request, "leads/assignment/rule_form.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def rule_create(request: AuthenticatedRequest) -> HttpResponse:
    return _form_page(
        request,
        rule=None,
        save=lambda fields, criteria: services.assignment_rule_create(
            actor=request.user, criteria=criteria, **fields
        ),
        title="New assignment rule",
        success="Created the rule {rule}; it is tried last.",
    )


@admin_only
@require_http_methods(["GET", "POST"])
def rule_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AssignmentRule, pk=pk)
    return _form_page(
        request,
        rule=rule,
        save=lambda fields, criteria: services.assignment_rule_update(
            actor=request.user, rule_id=pk, criteria=criteria, **fields
        ),
        title=f"Edit the rule {rule}",
        success="Saved the rule {rule}.",
    )


@admin_only
@require_http_methods(["GET", "POST"])
def rule_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AssignmentRule, pk=pk)
    if request.method == "POST":
        services.assignment_rule_delete(actor=request.user, rule_id=pk)
        messages.success(request, f"Deleted the rule {rule}.")
        return redirect(RULES_URL)
    return render(request, "leads/assignment/rule_confirm_delete.html", {"rule": rule})


@admin_only
@require_POST
def rule_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Moves the rule to place `to` (0 is first): the same POST twice leaves it where the first put it."""
    rule = get_object_or_404(AssignmentRule, pk=pk)
    to = request.POST.get("to", "")
    if not to.isdigit():
        return HttpResponseBadRequest("Say where to move the rule.")
    services.assignment_rule_move(actor=request.user, rule_id=pk, to=int(to))
    messages.success(request, f"Moved the rule {rule} to place {int(to) + 1}.")
    return redirect(RULES_URL)


@login_required
@require_POST
def away(request: AuthenticatedRequest) -> HttpResponse:
    """Marks the signed-in user away (`away=1`) or back (`away=0`); the same post twice is harmless."""
    value = request.POST.get("away")
    if value not in ("0", "1"):
        return HttpResponseBadRequest("Say whether you are away (1) or back (0).")
    user = services.user_set_away(actor=request.user, away=value == "1")
    if user.is_away:
        messages.success(request, "You are marked away: new leads go to your teammates until you are back.")
    else:
        messages.success(request, "Welcome back: you get new leads again.")
    return redirect(safe_next(request, reverse("home")))
