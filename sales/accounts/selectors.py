"""Reads for the sales panels of the customer pages: an account's deals and the products it bought, and
the leads a contact was converted from; each a fixed number of queries, whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Q, Sum

from crm.models import Account, Contact, User
from leads.models import Lead, LeadStatus
from sales.models import Deal, DealLine, DealStatus
from sales.selectors import deal_rows

DEALS_SHOWN = 20
PRODUCTS_SHOWN = 50
CONVERSIONS_SHOWN = 5


@dataclass(frozen=True)
class AccountDeals:
    open: list[Deal]
    closed: list[Deal]
    open_count: int
    closed_count: int


def account_deals(*, user: User, account: Account, limit: int = DEALS_SHOWN) -> AccountDeals:
    """The deals of the account that `user` may see: open ones by close date, closed ones newest first,
    with the columns of a deal list's rows."""
    deals = deal_rows(user=user).filter(account=account)
    totals = deals.aggregate(
        open_count=Count("id", filter=Q(status=DealStatus.OPEN)),
        closed_count=Count("id", filter=~Q(status=DealStatus.OPEN)),
    )
    return AccountDeals(
        open=list(
            deals.filter(status=DealStatus.OPEN).order_by(
                F("close_date").asc(nulls_last=True), "-created_at", "-id"
            )[:limit]
        ),
        closed=list(deals.exclude(status=DealStatus.OPEN).order_by("-closed_at", "-id")[:limit]),
        open_count=totals["open_count"],
        closed_count=totals["closed_count"],
    )


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
        DealLine.objects.filter(deal__account=account, deal__status=DealStatus.WON)
        .values("product_id", "product__name", "product__sku")
        .annotate(
            quantity=Sum("quantity"),
            last_purchased=Max("deal__closed_at"),
            deals=Count("deal_id", distinct=True),
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
