"""Admins' writes to the product catalogue: create, edit, deactivate and reactivate a product.

The field rules are written once (`product_fields_check`) for the pages and the API; each message names
the value it refuses. The import (sales.catalog.importing) reads its cells with the kernel's cell readers
and keeps to the same limits (MAX_PRICE, the model's lengths).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from crm import access
from crm.errors import Invalid, NotFound
from crm.models import User
from crm.money import currency_problem
from crm.records import validate
from sales.models import Product, SalesSettings

PRODUCTS = "manage the product catalogue"
# The model's columns: 14 digits with 2 decimals for prices, 5 with 2 for the tax rate.
MAX_PRICE = Decimal("999999999999.99")
TEXT_LIMITS = {"sku": 64, "name": 200, "product_line": 100}
PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "product_line",
    "unit_price",
    "currency",
    "tax_rate",
    "is_active",
)
CENT = Decimal("0.01")


def _decimal_problem(value: Decimal) -> str | None:
    if value != value.quantize(CENT):
        return f"{value} has more than 2 decimal places."
    return None


def product_fields_check(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields present in `fields`, tidied (spaces, upper-case currency), or one Invalid naming
    every problem by field. Uniqueness of the SKU is the caller's to check."""
    errors: dict[str | None, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field, limit in TEXT_LIMITS.items():
        if field in fields:
            value = " ".join(str(fields[field] or "").split())
            if len(value) > limit:
                errors[field] = [f"{len(value)} characters is too long; keep it to {limit}."]
            cleaned[field] = value
    if "sku" in fields and not cleaned["sku"]:
        errors["sku"] = ["Enter the SKU."]
    if "name" in fields and not cleaned["name"]:
        errors["name"] = ["Enter the name."]
    if "description" in fields:
        cleaned["description"] = str(fields["description"] or "").strip()
    if "unit_price" in fields:
        price: Decimal | None = fields["unit_price"]
        if price is None:
            errors["unit_price"] = ["Enter the price (0 for a free product)."]
        elif not price.is_finite():
            errors["unit_price"] = [f"{price} is not a number."]
        elif price < 0:
            errors["unit_price"] = [f"{price} is negative; prices start at 0."]
        elif price > MAX_PRICE:
            errors["unit_price"] = [f"{price} is too large."]
        elif problem := _decimal_problem(price):
            errors["unit_price"] = [problem]
        cleaned["unit_price"] = price
    if "tax_rate" in fields:
        rate: Decimal | None = fields["tax_rate"]
        if rate is None:
            rate = Decimal(0)
        if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(100):
            errors["tax_rate"] = [f"{rate} is not a percentage from 0 to 100."]
        elif problem := _decimal_problem(rate):
            errors["tax_rate"] = [problem]
        cleaned["tax_rate"] = rate
    if "currency" in fields:
        if problem := currency_problem(fields["currency"]):
            errors["currency"] = [problem]
        cleaned["currency"] = str(fields["currency"] or "").strip().upper()
    if "is_active" in fields:
        cleaned["is_active"] = bool(fields["is_active"])
    if errors:
        raise Invalid(errors=errors, code="product_invalid")
    return cleaned


def _check_sku_free(sku: str, *, exclude: int | None = None) -> None:
    taken = Product.objects.filter(sku=sku).exclude(pk=exclude or 0).first()
    if taken is not None:
        raise Invalid(f"{sku} is already the SKU of {taken.name}.", field="sku", code="sku_taken")


@transaction.atomic
def product_create(*, actor: User, fields: dict[str, Any]) -> Product:
    """A new active product; without a currency, in the sales settings' default currency."""
    access.ensure_admin(actor, doing=PRODUCTS)
    fields = {"currency": SalesSettings.current().default_currency, **fields}
    cleaned = product_fields_check({name: fields.get(name) for name in PRODUCT_FIELDS if name in fields})
    _check_sku_free(cleaned["sku"])
    product = Product(**cleaned)
    validate(product)
    product.save()
    return product


@transaction.atomic
def product_update(*, actor: User, product_id: int, fields: dict[str, Any]) -> Product:
    """Changes the catalogue entry; deals already priced from it keep their lines' prices."""
    access.ensure_admin(actor, doing=PRODUCTS)
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound
    cleaned = product_fields_check({name: fields[name] for name in PRODUCT_FIELDS if name in fields})
    if "sku" in cleaned:
        _check_sku_free(cleaned["sku"], exclude=product.pk)
    for name, value in cleaned.items():
        setattr(product, name, value)
    validate(product)
    product.save()
    return product


@transaction.atomic
def product_set_active(*, actor: User, product_id: int, active: bool) -> Product:
    """An inactive product can no longer be added to deals; the lines that have it keep it."""
    access.ensure_admin(actor, doing=PRODUCTS)
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotFound
    if product.is_active != active:
        product.is_active = active
        product.save(update_fields=["is_active", "updated_at"])
    return product
