"""Adding a product line: the product is searched for by name or SKU (suggestions for the script, a typed
name or SKU without it), never listed in full; the chosen id is checked on the server."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from sales.models import Deal, DealLine
from tests.factories import DealFactory, ProductFactory
from tests.sales.pages import HTMX, Page, unlabelled_controls

pytestmark = pytest.mark.django_db


def detail(deal: Deal) -> str:
    return reverse("sales:deal-detail", args=[deal.pk])


def add(deal: Deal) -> str:
    return reverse("sales:deal-line-add", args=[deal.pk])


def options(deal: Deal) -> str:
    return reverse("sales:deal-line-products", args=[deal.pk])


def suggested(client, deal: Deal, text: str) -> list[str]:
    """The product names offered as options for what was typed."""
    page = Page(client.get(options(deal), {"product_search": text}, **HTMX).content.decode())
    return [str(e.attrs["data-label"]) for e in page.by_id.values() if e.attrs.get("role") == "option"]


def product_error(html: str) -> str:
    """The message under the Product box, which the box names as its description."""
    page = Page(html)
    box = page.by_id["line_new_product_search"]
    assert box.attrs.get("aria-invalid") == "true"
    assert "line_new_product_search_error" in (box.attrs.get("aria-describedby") or "")
    return page.by_id["line_new_product_search_error"].text


@pytest.fixture
def deal(rep, pipeline) -> Deal:
    return DealFactory(pipeline=pipeline, owner=rep, currency="EUR")


def test_the_product_is_a_search_box_with_a_listbox_not_a_list_of_the_catalogue(as_user, rep, deal):
    ProductFactory(name="Platform licence", sku="PLAT-1")

    html = as_user(rep).get(detail(deal)).content.decode()

    page = Page(html)
    box = page.by_id["line_new_product_search"]
    assert (box.tag, box.attrs["type"], box.attrs["role"]) == ("input", "text", "combobox")
    assert box.attrs["hx-get"] == options(deal)
    assert page.by_id[str(box.attrs["aria-controls"])].attrs["role"] == "listbox"
    hidden = page.by_id[str(box.attrs["data-combobox-value"])]
    assert (hidden.attrs["type"], hidden.attrs["name"]) == ("hidden", "product")
    assert '<label class="form-label" for="line_new_product_search">Product' in html
    assert "Platform licence" not in html  # no option lists the catalogue
    assert html.count('name="product"') == 1  # the hidden id: no select of every product
    assert unlabelled_controls(html) == []


def test_the_deal_page_costs_the_same_with_three_hundred_products(
    as_user, assert_same_query_count, rep, deal
):
    ProductFactory(name="Solo")
    client = as_user(rep)
    size = len(client.get(detail(deal)).content)

    assert_same_query_count(lambda: client.get(detail(deal)), grow=lambda: ProductFactory.create_batch(299))
    assert len(client.get(detail(deal)).content) == size  # the page does not carry the catalogue


def test_suggestions_are_the_products_on_sale_holding_every_word_typed(as_user, rep, deal):
    ProductFactory(name="Platform licence", sku="PLAT-1")
    ProductFactory(name="Platform support", sku="SUP-PLAT")
    ProductFactory(name="Support plan", sku="SUP-1")
    ProductFactory(name="Platform licence (legacy)", sku="PLAT-0", is_active=False)
    client = as_user(rep)

    assert suggested(client, deal, "plat") == ["Platform licence", "Platform support"]
    assert suggested(client, deal, "support plat") == ["Platform support"]  # every word, any order
    assert suggested(client, deal, "sup-1") == ["Support plan"]  # or the SKU
    assert suggested(client, deal, "  ") == []
    response = client.get(options(deal), {"product_search": "zzz"}, **HTMX)
    assert "No product on sale matches “zzz”." in response.content.decode()


def test_suggestions_show_a_screenful(as_user, rep, deal):
    ProductFactory.create_batch(30, name="Cable")

    assert len(suggested(as_user(rep), deal, "cable")) == 20


def test_suggestions_are_for_those_who_may_add_lines_to_the_deal(as_user, deal, outsider, marketer):
    ProductFactory(name="Platform licence")

    assert as_user(outsider).get(options(deal), {"product_search": "plat"}).status_code == 404
    assert as_user(marketer).get(options(deal), {"product_search": "plat"}).status_code == 403


def test_a_picked_suggestion_adds_its_product_at_the_list_price(as_user, rep, deal):
    product = ProductFactory(name="Platform licence", sku="PLAT-1", unit_price=Decimal("9000.00"))

    response = as_user(rep).post(
        add(deal), {"product_search": "Platform licence", "product": product.pk, "quantity": "2"}, **HTMX
    )

    assert response.status_code == 200
    line = DealLine.objects.get(deal=deal)
    assert (line.product, line.quantity, line.unit_price) == (product, Decimal("2"), Decimal("9000.00"))


def test_without_the_script_a_typed_name_or_sku_adds_its_product(as_user, rep, deal):
    licence = ProductFactory(name="Platform licence", sku="PLAT-1")
    support = ProductFactory(name="Support plan", sku="SUP-1")
    client = as_user(rep)

    client.post(add(deal), {"product_search": "platform LICENCE", "quantity": "1"})
    client.post(add(deal), {"product_search": "sup-1", "quantity": "1"})

    assert [line.product for line in DealLine.objects.order_by("pk")] == [licence, support]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Choose a product: type part of its name or SKU."),
        ("zzz", 'No product on sale matches "zzz".'),
        (
            "Platform",
            'No product on sale is named "Platform". Did you mean Platform licence (PLAT-1)? '
            "Type its full name or SKU.",
        ),
        (
            "Seats",
            'Several products on sale are named "Seats": Seats (SEAT-1); Seats (SEAT-2). '
            "Type the SKU of the one you mean.",
        ),
    ],
)
def test_a_typed_name_that_names_no_one_product_is_refused_on_the_product_box(
    as_user, rep, deal, typed, message
):
    ProductFactory(name="Platform licence", sku="PLAT-1")
    ProductFactory(name="Seats", sku="SEAT-1")
    ProductFactory(name="Seats", sku="SEAT-2")

    response = as_user(rep).post(add(deal), {"product_search": typed, "quantity": "1"}, **HTMX)

    assert product_error(response.content.decode()) == message
    assert not DealLine.objects.exists()


def test_a_product_taken_off_sale_or_a_forged_id_is_refused(as_user, rep, deal):
    retired = ProductFactory(name="Legacy", sku="OLD", is_active=False)
    client = as_user(rep)

    for product_id in (str(retired.pk), "999999", "1 OR 1=1"):
        response = client.post(
            add(deal), {"product_search": "Legacy", "product": product_id, "quantity": "1"}, **HTMX
        )
        assert product_error(response.content.decode()) == (
            "That product is no longer on sale; choose another."
        )
    assert not DealLine.objects.exists()


def test_a_name_typed_over_a_picked_suggestion_is_what_counts(as_user, rep, deal):
    picked = ProductFactory(name="Platform licence", sku="PLAT-1")
    typed = ProductFactory(name="Support plan", sku="SUP-1")

    as_user(rep).post(add(deal), {"product_search": "SUP-1", "product": picked.pk, "quantity": "1"})

    assert DealLine.objects.get(deal=deal).product == typed
