"""The product catalogue's rules (its import is tests/sales/test_product_import.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.errors import Forbidden, Invalid
from sales.catalog.services import product_create, product_set_active, product_update
from sales.models import Product, SalesSettings
from sales.services.lines import deal_line_add
from tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db


def fields(**changes):
    return {
        "sku": "PLT-1",
        "name": "Platform",
        "description": "",
        "product_line": "Platform",
        "unit_price": Decimal("1200.00"),
        "currency": "EUR",
        "tax_rate": Decimal("19"),
        "is_active": True,
    } | changes


# One product at a time


def test_an_admin_adds_a_product_in_the_default_currency(admin_user):
    settings = SalesSettings.current()
    settings.default_currency = "CHF"
    settings.save()
    data = fields()
    del data["currency"]

    product = product_create(actor=admin_user, fields=data)

    assert (product.sku, product.currency, product.is_active) == ("PLT-1", "CHF", True)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"unit_price": Decimal(-3)}, {"unit_price": ["-3 is negative; prices start at 0."]}),
        ({"unit_price": Decimal("1.005")}, {"unit_price": ["1.005 has more than 2 decimal places."]}),
        ({"tax_rate": Decimal(101)}, {"tax_rate": ["101 is not a percentage from 0 to 100."]}),
        ({"currency": "EURO"}, {"currency": ['"EURO" is not a 3-letter currency code such as EUR.']}),
        ({"sku": "  ", "name": ""}, {"sku": ["Enter the SKU."], "name": ["Enter the name."]}),
    ],
)
def test_product_fields_are_checked_with_messages_naming_the_value(admin_user, changes, errors):
    with pytest.raises(Invalid) as refused:
        product_create(actor=admin_user, fields=fields(**changes))

    assert refused.value.errors == errors  # the messages name the value refused: they are the point
    assert not Product.objects.exists()


def test_a_lower_case_currency_is_stored_upper_case(admin_user):
    assert product_create(actor=admin_user, fields=fields(currency=" usd ")).currency == "USD"


def test_a_sku_belongs_to_one_product(admin_user):
    ProductFactory(sku="PLT-1", name="Old platform")

    with pytest.raises(Invalid) as refused:
        product_create(actor=admin_user, fields=fields())

    assert (refused.value.code, refused.value.field) == ("sku_taken", "sku")
    assert "Old platform" in refused.value.message  # which product has it


def test_editing_a_product_keeps_its_own_sku_free(admin_user):
    product = product_create(actor=admin_user, fields=fields())

    product_update(actor=admin_user, product_id=product.pk, fields=fields(name="Platform 2"))

    assert Product.objects.get().name == "Platform 2"


def test_a_deactivated_product_can_no_longer_be_added_to_deals(admin_user, rep):
    product = ProductFactory()
    deal = DealFactory(owner=rep)

    product_set_active(actor=admin_user, product_id=product.pk, active=False)

    with pytest.raises(Invalid) as refused:
        deal_line_add(actor=rep, deal_id=deal.pk, product=Product.objects.get())

    assert (refused.value.code, refused.value.field) == ("product_inactive", "product")


def test_only_admins_change_the_catalogue(rep, manager):
    product = ProductFactory()
    for user in (rep, manager):
        with pytest.raises(Forbidden) as refused:
            product_update(actor=user, product_id=product.pk, fields={"name": "Mine"})
        assert refused.value.code == "admin_only"
