"""Reads for the sales panels of the customer pages (deals, onboarding, purchases, conversions) and for
the lead conversion page: each a fixed number of queries, whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Prefetch, Q, Sum

from crm import access
from crm.models import Account, Contact, User
from crm.services.timeline import can_change_task
from leads.models import Lead, LeadStatus
from sales.models import Onboarding, OnboardingStep, Opportunity, OpportunityLine, OpportunityStatus

from .opportunities import opportunity_list

DEALS_SHOWN = 20
ONBOARDINGS_SHOWN = 5
PRODUCTS_SHOWN = 50
CONVERSIONS_SHOWN = 5
ACCOUNT_CHOICES = 100


def can_convert(user: User, lead: Lead) -> bool:
    """Who may turn a lead into a customer: those who may change all of it (marketers change only their
    fields) and create contacts; the service checks each write again."""
    return (
        access.can(user, "change", lead)
        and access.writable_fields(user, Lead) is None
        and access.can_create(user, Contact)
    )


@dataclass(frozen=True)
class AccountDeals:
    open: list[Opportunity]
    closed: list[Opportunity]
    open_count: int
    closed_count: int


def account_deals(*, user: User, account: Account, limit: int = DEALS_SHOWN) -> AccountDeals:
    """The deals of the account that `user` may see: open ones by close date, closed ones newest first."""
    deals = opportunity_list(user=user).filter(account=account)
    totals = deals.aggregate(
        open_count=Count("id", filter=Q(status=OpportunityStatus.OPEN)),
        closed_count=Count("id", filter=~Q(status=OpportunityStatus.OPEN)),
    )
    return AccountDeals(
        open=list(
            deals.filter(status=OpportunityStatus.OPEN).order_by(
                F("close_date").asc(nulls_last=True), "-created_at", "-id"
            )[:limit]
        ),
        closed=list(deals.exclude(status=OpportunityStatus.OPEN).order_by("-closed_at", "-id")[:limit]),
        open_count=totals["open_count"],
        closed_count=totals["closed_count"],
    )


@dataclass(frozen=True)
class OnboardingProgress:
    onboarding: Onboarding
    steps: list[OnboardingStep]

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.task.is_done)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def overdue(self) -> int:
        return sum(1 for step in self.steps if step.task.is_overdue)


def account_onboardings(*, account: Account, limit: int = ONBOARDINGS_SHOWN) -> list[OnboardingProgress]:
    """The account's onboardings, newest first, each with its checklist (kernel tasks) in order."""
    steps = OnboardingStep.objects.select_related("task__assignee").order_by("position", "id")
    onboardings = (
        Onboarding.objects.filter(account=account)
        .select_related("opportunity")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("-started_at", "-id")[:limit]
    )
    progress = []
    for onboarding in onboardings:
        checklist = list(onboarding.steps.all())
        for step in checklist:
            step.task.target = account  # the steps are tasks on the account: no query per step
        progress.append(OnboardingProgress(onboarding, checklist))
    return progress


def changeable_step_task_ids(user: User, progress: list[OnboardingProgress]) -> set[int]:
    return {step.task_id for item in progress for step in item.steps if can_change_task(user, step.task)}


@dataclass(frozen=True)
class PurchasedProduct:
    product_id: int
    name: str
    sku: str
    quantity: Decimal
    last_purchased: datetime
    deals: int


def account_products(*, account: Account, limit: int = PRODUCTS_SHOWN) -> list[PurchasedProduct]:
    """What the customer bought: the products on its won deals, summed, most recently bought first.

    A purchase is a fact about the customer, read by all who see the account (like its timeline).
    """
    rows: Any = (
        OpportunityLine.objects.filter(
            opportunity__account=account, opportunity__status=OpportunityStatus.WON
        )
        .values("product_id", "product__name", "product__sku")
        .annotate(
            quantity=Sum("quantity"),
            last_purchased=Max("opportunity__closed_at"),
            deals=Count("opportunity_id", distinct=True),
        )
        .order_by("-last_purchased", "product__name", "product_id")[:limit]
    )
    return [
        PurchasedProduct(
            product_id=row["product_id"],
            name=row["product__name"],
            sku=row["product__sku"],
            quantity=row["quantity"],
            last_purchased=row["last_purchased"],
            deals=row["deals"],
        )
        for row in rows
    ]


def contact_conversions(*, contact: Contact, limit: int = CONVERSIONS_SHOWN) -> list[Lead]:
    """The leads converted into this contact (the person's history before they were a customer)."""
    return list(
        Lead.objects.filter(converted_contact=contact, status=LeadStatus.CONVERTED).order_by(
            "converted_at", "id"
        )[:limit]
    )


def lead_opportunity(*, lead: Lead) -> Opportunity | None:
    """The deal a converted lead became, if the conversion made one."""
    return Opportunity.objects.filter(source_lead=lead).first()


def conversion_account_choices(*, user: User, lead: Lead, keep: list[Account]) -> list[Account]:
    """Accounts to offer on the conversion page: `keep` (the match, the chosen one), those named like the
    lead's company, then the user's own; any other visible account is still accepted by id."""
    accounts = access.visible(user, Account.objects.all())
    company = lead.company.strip()
    similar = list(accounts.filter(name__icontains=company).order_by("name", "id")[:20]) if company else []
    own = list(accounts.filter(owner=user).order_by("name", "id")[:ACCOUNT_CHOICES])
    chosen: dict[int, Account] = {}
    for account in [*keep, *similar, *own]:
        chosen.setdefault(account.pk, account)
    return list(chosen.values())
