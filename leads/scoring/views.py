"""Admins' scoring pages: the rules, their form, and the rescore each change starts (with its progress)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from crm.errors import DomainError
from crm.web.views import AuthenticatedRequest, admin_only, service_error
from leads.models import LeadSettings, ScoringRule

from . import selectors, services
from .forms import ScoringRuleForm

RULES = "leads:scoring-rules"


@admin_only
def rule_list(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "rows": selectors.scoring_rule_list(),
        "job": selectors.rescore_job_latest(),
        "sales_ready_score": LeadSettings.current().sales_ready_score,
    }
    return render(request, "leads/scoring/rule_list.html", context)


def _saved(request: AuthenticatedRequest, saved: services.RuleSaved, verb: str) -> HttpResponse:
    then = " Rescoring every lead; the progress is below." if saved.job else ""
    messages.success(request, f"{verb} the rule {saved.rule}.{then}")
    return redirect(RULES)


def _form_page(request: AuthenticatedRequest, rule: ScoringRule | None) -> HttpResponse:
    initial = ScoringRuleForm.initial_for(rule) if rule else None
    form = ScoringRuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                saved = services.scoring_rule_create(actor=request.user, **form.rule_fields())
            else:
                saved = services.scoring_rule_update(
                    actor=request.user, rule_id=rule.pk, **form.rule_fields()
                )
        except DomainError as error:
            service_error(form, error)
        else:
            return _saved(request, saved, "Saved" if rule else "Created")
    title = f"Edit {rule}" if rule else "New scoring rule"
    return render(request, "leads/scoring/rule_form.html", {"form": form, "title": title})


@admin_only
@require_http_methods(["GET", "POST"])
def rule_create(request: AuthenticatedRequest) -> HttpResponse:
    return _form_page(request, None)


@admin_only
@require_http_methods(["GET", "POST"])
def rule_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _form_page(request, selectors.scoring_rule_get(pk=pk))


@admin_only
@require_http_methods(["GET", "POST"])
def rule_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rule = selectors.scoring_rule_get(pk=pk)
    if request.method == "POST":
        job = services.scoring_rule_delete(actor=request.user, rule_id=pk)
        then = " Recounting every lead's score; the progress is below." if job else ""
        messages.success(request, f"Deleted the rule {rule}.{then}")
        return redirect(RULES)
    return render(request, "leads/scoring/rule_confirm_delete.html", {"rule": rule})


@admin_only
@require_POST
def rescore(request: AuthenticatedRequest) -> HttpResponse:
    services.rescore_start(actor=request.user)
    messages.success(request, "Rescoring every lead with every rule; the progress is below.")
    return redirect(RULES)
