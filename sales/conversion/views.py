"""Lead conversion: the page that shows what converting will do, and converts in one go."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from crm import access
from crm.errors import DomainError, Forbidden
from crm.models import Account
from crm.web.views import AuthenticatedRequest, service_error
from leads.models import Lead
from leads.selectors import lead_get
from sales.conversion import services
from sales.conversion.forms import NEW_ACCOUNT, LeadConvertForm
from sales.conversion.rules import lead_can_be_converted
from sales.conversion.selectors import (
    conversion_account_choices,
    lead_deal,
    lead_domain,
    matching_account,
    matching_contact,
)

TEMPLATE = "sales/customers/lead_convert.html"


def _chosen_account(request: AuthenticatedRequest, match: Account | None) -> Account | None:
    """The account the page previews: the one picked in the form (if visible), else the match."""
    picked = (request.POST if request.method == "POST" else request.GET).get("account")
    if picked is None:
        return match
    if picked == NEW_ACCOUNT and match is None:
        return None
    if picked.isdigit():
        account = access.visible(request.user, Account.objects.filter(pk=int(picked))).first()
        if account is not None:
            return account
    return match


def _success_message(conversion: services.Conversion) -> str:
    account = f"{'created' if conversion.account_created else 'joined'} the account {conversion.account}"
    contact = f"{'created' if conversion.contact_created else 'linked'} the contact {conversion.contact}"
    deal = f" and opened the deal {conversion.deal}" if conversion.deal else ""
    return f"Converted {conversion.lead}: {account}, {contact}{deal}."


def _converted_page(request: AuthenticatedRequest, lead: Lead) -> HttpResponse:
    return render(request, TEMPLATE, {"lead": lead, "deal": lead_deal(lead=lead)})


def _convert_context(lead: Lead, form: LeadConvertForm, chosen: Account | None) -> dict[str, Any]:
    return {
        "lead": lead,
        "form": form,
        "chosen": chosen,
        "new_account_name": lead.company.strip() or lead.full_name or lead.email,
        "new_account_domain": lead_domain(lead),
        "existing_contact": matching_contact(account=chosen, lead=lead) if chosen else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def lead_convert(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET previews the account, contact and deal; POST converts; a converted lead shows where it went."""
    user = request.user
    lead = lead_get(user=user, pk=pk)
    if lead.is_converted:
        return _converted_page(request, lead)
    decision = lead_can_be_converted(user, lead)
    if isinstance(decision.refusal, Forbidden):
        raise decision.refusal
    if not decision:  # not qualified yet: the page says what to do first
        return render(request, TEMPLATE, {"lead": lead, "not_qualified": True})
    match = matching_account(user=user, lead=lead)
    chosen = _chosen_account(request, match)
    keep = [account for account in (match, chosen) if account is not None]
    form = LeadConvertForm(
        request.POST if request.method == "POST" else None,
        user=user,
        lead=lead,
        match=match,
        choices=conversion_account_choices(user=user, lead=lead, keep=keep),
    )
    if request.method == "POST" and form.is_valid():
        try:
            conversion = services.lead_convert(actor=user, lead_id=lead.pk, **form.service_arguments())
        except DomainError as error:
            service_error(form, error)
        else:
            messages.success(request, _success_message(conversion))
            return redirect(conversion.deal or conversion.contact)
    return render(request, TEMPLATE, _convert_context(lead, form, chosen))
