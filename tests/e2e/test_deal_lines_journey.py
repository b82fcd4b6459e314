"""The deal pages' search boxes: a rep prices a deal from a large catalogue (the product box offers the
products whose name holds what was typed, picked with the keyboard or the mouse, and works again after
each line is added), and picks a new deal's account the same way (its contacts follow)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    PipelineFactory,
    ProductFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_adds_lines_by_typing_part_of_a_products_name(page: Page, log_in, rep):
    deal = DealFactory(owner=rep, name="Northwind rollout", currency="EUR")
    for number in range(300):  # the catalogue the select box used to list in full
        ProductFactory(name=f"Accessory {number:03}", sku=f"ACC-{number:03}", unit_price=Decimal("10.00"))
    ProductFactory(name="Platform licence", sku="PLAT-1", unit_price=Decimal("9000.00"), currency="EUR")
    ProductFactory(name="Support plan", sku="SUP-1", unit_price=Decimal("1200.00"), currency="EUR")
    ProductFactory(name="Platform licence (old)", sku="PLAT-0", is_active=False)
    base_url = log_in(rep)
    page.goto(f"{base_url}{deal.get_absolute_url()}")
    products = page.get_by_role("region", name="Products", exact=True)
    box = products.get_by_role("combobox", name="Product", exact=True)
    suggestions = products.get_by_role("listbox", name="Matching products")

    # Part of the name: only what is on sale and matches, with its SKU and price.
    box.press_sequentially("licen")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    expect(suggestions.get_by_role("option")).to_contain_text("PLAT-1 · EUR 9,000.00")
    expect(box).to_have_attribute("aria-expanded", "true")

    # The keyboard picks it; Enter picks rather than submits.
    box.press("ArrowDown")
    expect(suggestions.get_by_role("option", selected=True)).to_contain_text("Platform licence")
    box.press("Enter")
    expect(box).to_have_value("Platform licence")
    expect(suggestions).to_be_hidden()
    products.get_by_label("Quantity").fill("2")
    products.get_by_role("button", name="Add product").click()
    expect(products.get_by_role("status")).to_have_text("Added Platform licence.")
    expect(products.get_by_role("rowheader", name=re.compile("Platform licence"))).to_be_visible()
    expect(products.get_by_role("row").filter(has_text="Amount")).to_contain_text("EUR 18,000.00")

    # The section was drawn again: its new box searches too, and a click picks.
    box = products.get_by_role("combobox", name="Product", exact=True)
    box.press_sequentially("support")
    products.get_by_role("option", name=re.compile("Support plan")).click()
    products.get_by_role("button", name="Add product").click()
    expect(products.get_by_role("status")).to_have_text("Added Support plan.")
    expect(products.get_by_role("row").filter(has_text="Amount")).to_contain_text("EUR 19,200.00")

    # Nothing matches: said so, and nothing can be picked.
    products.get_by_role("combobox", name="Product", exact=True).press_sequentially("zzz")
    expect(products.get_by_role("listbox", name="Matching products")).to_contain_text(
        "No product on sale matches “zzz”."
    )
    products.get_by_role("button", name="Add product").click()
    expect(products.get_by_text('No product on sale matches "zzz".')).to_be_visible()


def test_a_rep_picks_a_new_deals_account_by_typing_part_of_its_name(page: Page, log_in, rep):
    PipelineFactory(name="Expansions")  # any open pipeline: the form offers the first
    northwind = AccountFactory(owner=rep, name="Northwind Traders", domain="northwind.example")
    AccountFactory(owner=rep, name="Contoso")
    ContactFactory(owner=rep, account=northwind, first_name="Ada", last_name="Lovelace")
    base_url = log_in(rep)
    page.goto(f"{base_url}{reverse('sales:deal-create')}")
    page.get_by_role("textbox", name="Name", exact=True).fill("Northwind expansion")
    box = page.get_by_role("combobox", name="Account")

    box.press_sequentially("north")
    expect(page.get_by_role("listbox", name="Matching accounts").get_by_role("option")).to_have_count(1)
    box.press("ArrowDown")
    box.press("Enter")

    expect(box).to_have_value("Northwind Traders")
    contact = page.get_by_label("Primary contact")
    expect(contact.locator("option", has_text="Ada Lovelace")).to_have_count(1)  # reloaded for the pick
    contact.select_option(label="Ada Lovelace")
    page.get_by_role("button", name="Save deal").click()
    expect(page.get_by_role("heading", name="Northwind expansion")).to_be_visible()
    expect(page.get_by_role("link", name="Northwind Traders").first).to_be_visible()
