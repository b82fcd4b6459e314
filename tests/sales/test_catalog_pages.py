"""The product catalogue pages: the sales team reads, searches and exports it; admins maintain it (its
import is tests/sales/test_product_import.py)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Role
from sales.catalog import views as catalog_views
from sales.models import Product
from tests.factories import ProductFactory, UserFactory
from tests.sales.pages import messages_of, unlabelled_controls

pytestmark = pytest.mark.django_db
PRODUCT_ROW = re.compile(r'<th scope="row">\s*([^<]+?)\s*(?:<span|<div|</th>)')
LIST = "sales:product-list"


def product_names(response) -> list[str]:
    return PRODUCT_ROW.findall(response.content.decode())


def form(**changes):
    return {
        "sku": "PLT-1",
        "name": "Platform",
        "description": "",
        "product_line": "Platform",
        "unit_price": "1200",
        "currency": "EUR",
        "tax_rate": "19",
        "is_active": "on",
    } | changes


# Who sees what


def test_reps_read_the_catalogue_without_ways_to_change_it(as_user, rep):
    product = ProductFactory(name="Platform")

    response = as_user(rep).get(reverse(LIST))

    html = response.content.decode()
    assert product_names(response) == ["Platform"]
    for url in (
        reverse("sales:product-create"),
        f"{reverse('imports:upload')}?kind=products",
        reverse("sales:product-edit", args=[product.pk]),
    ):
        assert url not in html
    assert unlabelled_controls(html) == []


@pytest.mark.parametrize("who", ["rep", "manager", "outsider"])
def test_the_sales_team_cannot_change_the_catalogue(as_user, request, who):
    product = ProductFactory(name="Platform")
    client = as_user(request.getfixturevalue(who))

    assert client.get(reverse("sales:product-create")).status_code == 403
    assert client.post(reverse("sales:product-create"), form(sku="NEW")).status_code == 403
    assert client.post(reverse("sales:product-edit", args=[product.pk]), form(name="Mine")).status_code == 403
    assert client.post(reverse("sales:product-active", args=[product.pk]), {"active": "0"}).status_code == 403
    assert list(Product.objects.values_list("name", "is_active")) == [("Platform", True)]


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SUPPORT_AGENT])
def test_people_outside_sales_do_not_see_the_catalogue(as_user, role):
    user = UserFactory(username=f"someone-{role}", role=role)

    assert as_user(user).get(reverse(LIST)).status_code == 403


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(reverse(LIST))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# The list


def test_searching_by_name_or_sku_and_filtering_by_active(as_user, rep):
    ProductFactory(name="Platform", sku="PLT-1")
    ProductFactory(name="Support", sku="SUP-PLT")
    ProductFactory(name="Training", sku="TRN-1")
    ProductFactory(name="Old platform", sku="OLD-1", is_active=False)
    client = as_user(rep)

    assert product_names(client.get(reverse(LIST), {"q": "plt"})) == ["Platform", "Support"]
    assert product_names(client.get(reverse(LIST), {"q": "platform"})) == ["Platform"]
    assert product_names(client.get(reverse(LIST), {"q": "platform", "active": "all"})) == [
        "Old platform",
        "Platform",
    ]
    assert product_names(client.get(reverse(LIST), {"active": "inactive"})) == ["Old platform"]


def test_the_list_pages_by_name_without_repeating_a_product(as_user, rep, monkeypatch):
    monkeypatch.setattr(catalog_views, "PAGE_SIZE", 2)
    for name in ("Delta", "Alpha", "Charlie", "Bravo", "Echo"):
        ProductFactory(name=name)
    client = as_user(rep)

    first = client.get(reverse(LIST))
    after = re.search(r'href="\?after=([^"&]+)"', first.content.decode())
    assert after is not None, "the first page links to the next"
    second = client.get(reverse(LIST), {"after": after.group(1)})

    assert product_names(first) == ["Alpha", "Bravo"]
    assert product_names(second) == ["Charlie", "Delta"]


def test_the_list_costs_the_same_queries_for_few_and_many_products(
    as_user, admin_user, assert_same_query_count
):
    ProductFactory()
    client = as_user(admin_user)

    assert_same_query_count(lambda: client.get(reverse(LIST)), grow=lambda: ProductFactory.create_batch(30))


# Admins


def test_an_admin_adds_a_product_and_sees_it_listed(as_user, admin_user):
    client = as_user(admin_user)
    page = client.get(reverse("sales:product-create")).content.decode()
    assert unlabelled_controls(page) == []

    response = client.post(reverse("sales:product-create"), form(currency="usd"), follow=True)

    assert "Added Platform (PLT-1) to the catalogue." in messages_of(response)
    assert Product.objects.get().currency == "USD"


def test_bad_product_fields_are_explained_on_the_form(as_user, admin_user):
    ProductFactory(sku="PLT-1", name="Old platform")

    response = as_user(admin_user).post(
        reverse("sales:product-create"), form(unit_price="-3", tax_rate="120", currency="EURO")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "PLT-1 is already the SKU of Old platform." not in html  # fields first, uniqueness after
    assert "-3 is negative; prices start at 0." in html
    assert "120 is not a percentage from 0 to 100." in html
    assert "&quot;EURO&quot; is not a 3-letter currency code such as EUR." in html
    response = as_user(admin_user).post(reverse("sales:product-create"), form())
    assert "PLT-1 is already the SKU of Old platform." in response.content.decode()
    assert Product.objects.count() == 1


def test_an_admin_edits_and_deactivates_a_product(as_user, admin_user):
    product = ProductFactory(name="Platform", sku="PLT-1", unit_price=Decimal(1000))
    client = as_user(admin_user)

    client.post(reverse("sales:product-edit", args=[product.pk]), form(unit_price="1100.50"))
    response = client.post(reverse("sales:product-active", args=[product.pk]), {"active": "0"}, follow=True)

    product.refresh_from_db()
    assert (product.unit_price, product.is_active) == (Decimal("1100.50"), False)
    assert "Deactivated Platform (PLT-1): it can no longer be added to deals." in messages_of(response)
