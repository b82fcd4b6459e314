"""The product catalogue's rules, and its CSV import: every row checked first, then all or nothing."""

from __future__ import annotations

import codecs
from decimal import Decimal

import pytest

from crm.errors import Forbidden, Invalid
from sales.catalog import importing
from sales.catalog.importing import ProductImportRefused, products_import
from sales.catalog.services import product_create, product_set_active, product_update
from sales.models import Product, SalesSettings
from sales.services.lines import deal_line_add
from tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db

HEADER = "sku,name,description,product_line,unit_price,currency,tax_rate,active\n"


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


def problems(refusal: pytest.ExceptionInfo[ProductImportRefused]) -> list[str]:
    return [str(problem) for problem in refusal.value.problems]


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
        with pytest.raises(Forbidden):
            products_import(actor=user, data=(HEADER + "A,B,,,1,EUR,0,yes\n").encode())


# CSV import


def test_an_import_creates_and_updates_by_sku_and_counts_both(admin_user):
    ProductFactory(sku="PLT-1", name="Platform", unit_price=Decimal(1000), tax_rate=Decimal(19))
    ProductFactory(sku="SUP-1", name="Support", unit_price=Decimal(100), tax_rate=Decimal(19))
    csv = (
        HEADER
        + "PLT-1,Platform,The platform,Platform,1200,EUR,19,true\n"
        + "SUP-1,Support,,Platform,110.00,EUR,19,yes\n"
        + "TRN-1,Training,Two days,Services,800.5,eur,7.5,\n"
    )

    result = products_import(actor=admin_user, data=csv.encode())

    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    assert Product.objects.get(sku="PLT-1").unit_price == Decimal(1200)
    training = Product.objects.get(sku="TRN-1")
    assert (training.currency, training.tax_rate, training.is_active) == ("EUR", Decimal("7.5"), True)


def test_one_bad_row_imports_nothing_and_every_problem_is_listed_by_row_and_column(admin_user):
    ProductFactory(sku="PLT-1", name="Platform", unit_price=Decimal(1000))
    csv = (
        HEADER
        + "PLT-1,Platform,,,1500,EUR,19,yes\n"  # row 2: fine, but must not be applied
        + "NEW-1,New,,,-3,EUR,19,yes\n"  # row 3
        + "NEW-2,,,,abc,EURO,120,maybe\n"  # row 4
        + "NEW-1,Again,,,1,EUR,0,yes\n"  # row 5
    )

    with pytest.raises(ProductImportRefused) as refused:
        products_import(actor=admin_user, data=csv.encode())

    assert problems(refused) == [
        "Row 3, unit_price: -3 is negative; prices start at 0.",
        "Row 4, name: Enter the name.",
        'Row 4, unit_price: "abc" is not a number; write it like 1234.50.',
        'Row 4, currency: "EURO" is not a 3-letter currency code such as EUR.',
        "Row 4, tax_rate: 120 is not a percentage from 0 to 100.",
        'Row 4, active: "maybe" is neither yes nor no; write true or false.',
        "Row 5, sku: NEW-1 is also on row 3; list it once.",
    ]
    assert refused.value.message.startswith("Nothing was imported: the file has 7 problems.")
    assert Product.objects.get().unit_price == Decimal(1000)
    assert Product.objects.count() == 1


def test_a_utf8_file_with_bom_semicolons_and_decimal_commas_is_read(admin_user):
    csv = "sku;name;unit_price;tax_rate\nKAF-1;Kaffeemaschine für Büros;1.299,00;19\nKAF-2;Filter;12,50;7\n"

    with pytest.raises(ProductImportRefused) as refused:
        products_import(actor=admin_user, data=codecs.BOM_UTF8 + csv.encode())
    assert problems(refused) == ['Row 2, unit_price: "1.299,00" is not a number; write it like 1234.50.']

    csv = csv.replace("1.299,00", "1299,00")
    result = products_import(actor=admin_user, data=codecs.BOM_UTF8 + csv.encode())

    assert result.created == 2
    assert Product.objects.get(sku="KAF-1").name == "Kaffeemaschine für Büros"
    assert Product.objects.get(sku="KAF-2").unit_price == Decimal("12.50")


def test_spreadsheet_formula_cells_are_stored_as_plain_text(admin_user):
    csv = (
        'sku,name,description,unit_price\n@SKU,"=HYPERLINK(""http://evil.example"",""Click"")",+cmd|calc,0\n'
    )

    products_import(actor=admin_user, data=csv.encode())

    product = Product.objects.get()
    assert product.sku == "@SKU"
    assert product.name == '=HYPERLINK("http://evil.example","Click")'
    assert product.description == "+cmd|calc"


def test_an_import_leaves_empty_optional_cells_and_missing_columns_as_they_were(admin_user):
    ProductFactory(
        sku="PLT-1", currency="USD", tax_rate=Decimal(19), is_active=False, product_line="Platform"
    )

    result = products_import(
        actor=admin_user, data=b"sku,name,unit_price,currency,active\nPLT-1,Platform,10,,\n"
    )

    product = Product.objects.get()
    assert result.updated == 1
    assert (product.currency, product.tax_rate, product.is_active, product.product_line) == (
        "USD",
        Decimal(19),
        False,
        "Platform",
    )


def test_importing_the_same_file_twice_changes_nothing_the_second_time(admin_user):
    csv = (HEADER + "PLT-1,Platform,,Platform,1200,EUR,19,true\n").encode()

    products_import(actor=admin_user, data=csv)
    again = products_import(actor=admin_user, data=csv)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_unknown_and_missing_columns_are_named(admin_user):
    with pytest.raises(ProductImportRefused) as refused:
        products_import(actor=admin_user, data=b"sku,title,price\nA,B,1\n")

    assert problems(refused) == [
        'Row 1, header: "title" is not a column the catalogue knows; the columns are sku, name, '
        "description, product_line, unit_price, currency, tax_rate, active.",
        'Row 1, header: "price" is not a column the catalogue knows; the columns are sku, name, '
        "description, product_line, unit_price, currency, tax_rate, active.",
        "Row 1, header: The columns name, unit_price must be there.",
    ]


def test_files_beyond_the_size_or_row_limit_are_refused(admin_user, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    rows = "".join(f"SKU-{n},Product {n},1\n" for n in range(3))

    with pytest.raises(Invalid, match="more than 2 products") as too_many:  # the limit, said
        products_import(actor=admin_user, data=f"sku,name,unit_price\n{rows}".encode())
    monkeypatch.setattr(importing, "MAX_BYTES", 10)
    with pytest.raises(Invalid, match="the largest import is 0 MB") as too_large:
        products_import(actor=admin_user, data=b"sku,name,unit_price\nA,B,1\n")
    assert (too_many.value.code, too_large.value.code) == ("too_many_rows", "file_too_large")
    assert not Product.objects.exists()


def test_an_empty_or_header_only_file_is_refused(admin_user):
    with pytest.raises(Invalid) as empty:
        products_import(actor=admin_user, data=b"")
    with pytest.raises(Invalid) as header_only:
        products_import(actor=admin_user, data=b"sku,name,unit_price\n")
    assert (empty.value.code, header_only.value.code) == ("file_unreadable", "no_rows")
    assert (empty.value.field, header_only.value.field) == ("file", "file")


def test_a_row_with_more_cells_than_columns_is_reported(admin_user):
    with pytest.raises(ProductImportRefused) as refused:
        products_import(actor=admin_user, data=b"sku,name,unit_price\nA,B,1,surprise\nC,D,2\n")

    assert problems(refused) == ["Row 2: It has more cells than the header has columns."]
