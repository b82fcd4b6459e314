"""A deal's product lines; with lines, the deal's amount is their sum."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from crm.errors import Invalid
from crm.models import User
from crm.records import lock_for_change, save_with_audit, validate
from sales.models import Deal, DealLine, Product, line_total
from sales.rules import deal_lines_editable


def _lock_open(*, actor: User, deal_id: int) -> Deal:
    deal = lock_for_change(actor=actor, model=Deal, pk=deal_id)
    deal_lines_editable(actor, deal).ensure()
    return deal


def _recompute_amount(*, actor: User, deal: Deal) -> None:
    lines: QuerySet[DealLine] = deal.lines.all()
    amount = sum((line_total(line.quantity, line.unit_price, line.discount) for line in lines), Decimal(0))
    if amount != deal.amount:
        deal.amount = amount
        save_with_audit(deal, actor=actor)


@transaction.atomic
def deal_line_add(
    *,
    actor: User,
    deal_id: int,
    product: Product,
    quantity: Decimal = Decimal(1),
    unit_price: Decimal | None = None,
    discount: Decimal = Decimal(0),
) -> DealLine:
    """Adds a product at its catalogue price unless told another; the deal's amount follows."""
    deal = _lock_open(actor=actor, deal_id=deal_id)
    if not product.is_active:
        raise Invalid(f"{product} is no longer sold.", field="product", code="product_inactive")
    if product.currency != deal.currency:
        raise Invalid(
            f"{product} is priced in {product.currency} and this deal is in {deal.currency}.",
            field="product",
            code="product_currency",
        )
    line = DealLine(
        deal=deal,
        product=product,
        quantity=quantity,
        unit_price=product.unit_price if unit_price is None else unit_price,
        discount=discount,
        position=deal.lines.count(),
    )
    validate(line)
    line.save()
    _recompute_amount(actor=actor, deal=deal)
    return line


@transaction.atomic
def deal_line_update(
    *, actor: User, line_id: int, quantity: Decimal, unit_price: Decimal, discount: Decimal
) -> DealLine:
    line = DealLine.objects.filter(pk=line_id).first()
    if line is None:
        raise Invalid("That product line no longer exists.", field="lines", code="line_gone")
    deal = _lock_open(actor=actor, deal_id=line.deal_id)
    line.quantity, line.unit_price, line.discount = quantity, unit_price, discount
    validate(line)
    line.save()
    _recompute_amount(actor=actor, deal=deal)
    return line


@transaction.atomic
def deal_line_remove(*, actor: User, line_id: int) -> None:
    line = DealLine.objects.filter(pk=line_id).first()
    if line is None:
        return
    deal = _lock_open(actor=actor, deal_id=line.deal_id)
    line.delete()
    _recompute_amount(actor=actor, deal=deal)
