"""A deal's product lines; with lines, the deal's amount is their sum."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet

from crm.errors import Invalid
from crm.models import User
from crm.records import lock_for_change, save_with_audit, validate
from sales.models import Opportunity, OpportunityLine, Product, line_total
from sales.rules import deal_lines_editable


def _lock_open(*, actor: User, opportunity_id: int) -> Opportunity:
    opportunity = lock_for_change(actor=actor, model=Opportunity, pk=opportunity_id)
    deal_lines_editable(actor, opportunity).ensure()
    return opportunity


def _recompute_amount(*, actor: User, opportunity: Opportunity) -> None:
    lines: QuerySet[OpportunityLine] = opportunity.lines.all()
    amount = sum((line_total(line.quantity, line.unit_price, line.discount) for line in lines), Decimal(0))
    if amount != opportunity.amount:
        opportunity.amount = amount
        save_with_audit(opportunity, actor=actor)


@transaction.atomic
def opportunity_line_add(
    *,
    actor: User,
    opportunity_id: int,
    product: Product,
    quantity: Decimal = Decimal(1),
    unit_price: Decimal | None = None,
    discount: Decimal = Decimal(0),
) -> OpportunityLine:
    """Adds a product at its catalogue price unless told another; the deal's amount follows."""
    opportunity = _lock_open(actor=actor, opportunity_id=opportunity_id)
    if not product.is_active:
        raise Invalid(f"{product} is no longer sold.", field="product", code="product_inactive")
    if product.currency != opportunity.currency:
        raise Invalid(
            f"{product} is priced in {product.currency} and this deal is in {opportunity.currency}.",
            field="product",
            code="product_currency",
        )
    line = OpportunityLine(
        opportunity=opportunity,
        product=product,
        quantity=quantity,
        unit_price=product.unit_price if unit_price is None else unit_price,
        discount=discount,
        position=opportunity.lines.count(),
    )
    validate(line)
    line.save()
    _recompute_amount(actor=actor, opportunity=opportunity)
    return line


@transaction.atomic
def opportunity_line_update(
    *, actor: User, line_id: int, quantity: Decimal, unit_price: Decimal, discount: Decimal
) -> OpportunityLine:
    line = OpportunityLine.objects.filter(pk=line_id).first()
    if line is None:
        raise Invalid("That product line no longer exists.", field="lines", code="line_gone")
    opportunity = _lock_open(actor=actor, opportunity_id=line.opportunity_id)
    line.quantity, line.unit_price, line.discount = quantity, unit_price, discount
    validate(line)
    line.save()
    _recompute_amount(actor=actor, opportunity=opportunity)
    return line


@transaction.atomic
def opportunity_line_remove(*, actor: User, line_id: int) -> None:
    line = OpportunityLine.objects.filter(pk=line_id).first()
    if line is None:
        return
    opportunity = _lock_open(actor=actor, opportunity_id=line.opportunity_id)
    line.delete()
    _recompute_amount(actor=actor, opportunity=opportunity)
