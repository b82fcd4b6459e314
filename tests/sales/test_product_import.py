"""Importing the product catalogue through the kernel's import machinery: the columns other CRMs export,
row errors naming line, column and value, re-runs that update by external id or SKU instead of doubling,
admins only, all or nothing on request, and a catalogue export that imports back as updates."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.errors import Forbidden, Invalid
from crm.imports.services import record_import_confirm, record_import_preview, record_import_upload
from crm.models import DuplicatePolicy, ImportStatus, RecordImport
from sales.catalog.importing import FIELDS
from sales.models import Product, SalesSettings
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HUBSPOT = "Record ID,Name,SKU,Unit price,Description,Product Type,Create Date\n"
SALESFORCE = "Product Name,Product Code,Product Family,List Price,Active\n"
LIST = reverse("sales:product-list")
UPLOAD = reverse("imports:upload")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Uploads `data` as `actor`, confirms it with the guessed mapping, and runs the job."""

    def run_import(actor, data: bytes, **options) -> RecordImport:
        record_import = record_import_upload(
            actor=actor, kind="products", file=SimpleUploadedFile("products.csv", data)
        )
        with django_capture_on_commit_callbacks(execute=True):
            record_import_confirm(
                actor=actor,
                import_id=record_import.pk,
                mapping=options.pop("mapping", record_import.mapping),
                duplicate_policy=options.pop("duplicate_policy", DuplicatePolicy.UPDATE),
                all_or_nothing=options.pop("all_or_nothing", False),
                owner=None,
                values=options.pop("values", None),
            )
        record_import.refresh_from_db()
        return record_import

    return run_import


def _csv(header: str, *lines: str) -> bytes:
    return (header + "\n".join(lines) + "\n").encode()


def _problems(record_import: RecordImport) -> list[tuple[int, str, str]]:
    return list(record_import.errors.order_by("line", "id").values_list("line", "field", "message"))


def _products() -> list[tuple[str, str, Decimal, str, bool]]:
    return list(
        Product.objects.order_by("sku").values_list("sku", "name", "unit_price", "currency", "is_active")
    )


# An admin imports another CRM's export


def test_a_hubspot_export_maps_its_columns_by_itself(admin_user):
    record_import = record_import_upload(
        actor=admin_user,
        kind="products",
        file=SimpleUploadedFile("hubspot.csv", _csv(HUBSPOT, "101,Platform,PLT-1,1200,,Service,2024-01-02")),
    )

    assert record_import.mapping == {
        "Record ID": "external_id",
        "Name": "name",
        "SKU": "sku",
        "Unit price": "unit_price",
        "Description": "description",
        "Product Type": "",
        "Create Date": "",
    }


def test_salesforce_and_zoho_product_columns_are_recognised():
    assert FIELDS.guess(SALESFORCE.strip().split(",")) == {
        "Product Name": "name",
        "Product Code": "sku",
        "Product Family": "product_line",
        "List Price": "unit_price",
        "Active": "is_active",
    }
    zoho = ["Product Name", "Product Code", "Unit Price", "Product Category", "Product Active", "Tax"]
    assert FIELDS.guess(zoho) == {
        "Product Name": "name",
        "Product Code": "sku",
        "Unit Price": "unit_price",
        "Product Category": "product_line",
        "Product Active": "is_active",
        "Tax": "tax_rate",
    }


def test_the_preview_shows_a_bad_price_as_the_rows_error_naming_column_and_value(admin_user):
    record_import = record_import_upload(
        actor=admin_user,
        kind="products",
        file=SimpleUploadedFile(
            "hubspot.csv", _csv(HUBSPOT, "101,Platform,PLT-1,1200,,,", "102,Support,SUP-1,twelve,,,")
        ),
    )

    preview = record_import_preview(record_import=record_import)

    assert [str(problem) for problem in preview.rows[0].problems] == []
    assert [str(problem) for problem in preview.rows[1].problems] == [
        'Unit price: "twelve" is not an amount (e.g. 1200.50 or $1,200.50).'
    ]


def test_the_run_creates_the_good_rows_and_reports_the_bad_by_line_column_and_value(run, admin_user):
    settings = SalesSettings.current()
    settings.default_currency = "USD"
    settings.save()
    data = _csv(
        HUBSPOT,
        '101,Platform,PLT-1,"1,200.00",The platform,Service,2024-01-02',
        "102,Support,SUP-1,twelve,,,",
        "103,Training,TRN-1,-5,,,",
    )

    record_import = run(admin_user, data)

    assert record_import.status == ImportStatus.DONE
    assert (record_import.created_count, record_import.error_count) == (1, 2)
    assert _problems(record_import) == [
        (3, "Unit price", '"twelve" is not an amount (e.g. 1200.50 or $1,200.50).'),
        (4, "Unit price", '"-5" is not an amount (e.g. 1200.50 or $1,200.50).'),
    ]
    product = Product.objects.get()
    assert (product.sku, product.name, product.unit_price, product.currency) == (
        "PLT-1",
        "Platform",
        Decimal("1200.00"),
        "USD",
    )
    assert (product.external_source, product.external_id, product.description) == (
        "hubspot",
        "101",
        "The platform",
    )


def test_currencies_active_flags_and_tax_rates_read_as_other_systems_write_them(run, admin_user):
    data = _csv(
        "Product Code,Product Name,Unit Price,Currency,Product Active,Tax\n",
        "A-1,Alpha,10,Euros,yes,19 %",
        'B-1,Beta,$25.50,,Inactive,"7,5"',
        "C-1,Gamma,30,euro,0,0",
        "D-1,Delta,40,£,1,0",
    )

    record_import = run(admin_user, data)

    assert record_import.error_count == 0, _problems(record_import)
    assert _products() == [
        ("A-1", "Alpha", Decimal("10.00"), "EUR", True),
        ("B-1", "Beta", Decimal("25.50"), "USD", False),
        ("C-1", "Gamma", Decimal("30.00"), "EUR", False),
        ("D-1", "Delta", Decimal("40.00"), "GBP", True),
    ]
    assert Product.objects.get(sku="A-1").tax_rate == Decimal(19)
    assert Product.objects.get(sku="B-1").tax_rate == Decimal("7.5")


def test_a_new_product_needs_its_sku_name_and_price(run, admin_user):
    data = _csv("Name,SKU,Unit price\n", "Nameless SKU,,10", ",NONAME-1,10", "Priceless,FREE-1,")

    record_import = run(admin_user, data)

    assert _problems(record_import) == [
        (2, "SKU", "Not imported: no SKU; a new product needs its SKU, name and unit price."),
        (3, "Name", "Not imported: no name; a new product needs its SKU, name and unit price."),
        (4, "Unit price", "Not imported: no unit price; a new product needs its SKU, name and unit price."),
    ]
    assert not Product.objects.exists()


def test_a_semicolon_file_with_a_bom_and_decimal_commas_is_read(run, admin_user):
    data = (
        "\ufeffSKU;Product Name;Unit Price;Tax\n"
        "KAF-1;Kaffeemaschine für Büros;1.299,00;19\n"
        "KAF-2;Filter;12,50;7\n"
    )

    record_import = run(admin_user, data.encode())

    assert (record_import.created_count, record_import.error_count) == (2, 0), _problems(record_import)
    assert Product.objects.get(sku="KAF-1").name == "Kaffeemaschine für Büros"
    assert Product.objects.get(sku="KAF-1").unit_price == Decimal("1299.00")
    assert Product.objects.get(sku="KAF-2").unit_price == Decimal("12.50")


def test_formula_looking_cells_are_stored_as_the_text_they_are(run, admin_user):
    data = (
        'SKU,Name,Description,Unit price\n@SKU,"=HYPERLINK(""http://evil.example"",""Click"")",+cmd|calc,0\n'
    )

    run(admin_user, data.encode())

    product = Product.objects.get()
    assert product.sku == "@SKU"
    assert product.name == '=HYPERLINK("http://evil.example","Click")'
    assert product.description == "+cmd|calc"


def test_a_file_with_neither_a_sku_nor_a_name_column_cannot_be_started(admin_user):
    record_import = record_import_upload(
        actor=admin_user, kind="products", file=SimpleUploadedFile("p.csv", b"Price,Colour\n1,red\n")
    )

    with pytest.raises(Invalid) as refused:
        record_import_confirm(
            actor=admin_user,
            import_id=record_import.pk,
            mapping={"Price": "unit_price", "Colour": ""},
            duplicate_policy=DuplicatePolicy.UPDATE,
            all_or_nothing=False,
            owner=None,
        )

    assert refused.value.code == "identity_unmapped"


# Re-runs update


def test_running_the_same_export_again_updates_by_external_id_without_doubling(run, admin_user):
    run(admin_user, _csv(HUBSPOT, "101,Platform,PLT-1,1200,,,"))

    again = run(
        admin_user, _csv(HUBSPOT, "101,Platform Pro,PLT-2,1300,,,"), duplicate_policy=DuplicatePolicy.CREATE
    )

    assert (again.created_count, again.updated_count) == (0, 1)
    assert _products() == [("PLT-2", "Platform Pro", Decimal("1300.00"), "EUR", True)]


def test_a_file_without_external_ids_updates_by_sku_and_leaves_empty_cells_as_they_were(run, admin_user):
    ProductFactory(
        sku="PLT-1", name="Platform", unit_price=Decimal(1000), product_line="Core", currency="USD"
    )

    record_import = run(
        admin_user, _csv(SALESFORCE, "Platform 2,PLT-1,,1100,", "Support,SUP-1,Services,99,true")
    )

    assert (record_import.created_count, record_import.updated_count) == (1, 1)
    assert _products() == [
        ("PLT-1", "Platform 2", Decimal("1100.00"), "USD", True),
        ("SUP-1", "Support", Decimal("99.00"), "EUR", True),
    ]
    assert Product.objects.get(sku="PLT-1").product_line == "Core"


def test_a_row_without_a_sku_updates_the_product_with_its_name(run, admin_user):
    product = ProductFactory(sku="PLT-1", name="Platform", unit_price=Decimal(1000))

    record_import = run(admin_user, _csv("Product Name,List Price\n", "PLATFORM,1500"))

    assert (record_import.created_count, record_import.updated_count) == (0, 1)
    product.refresh_from_db()
    assert (product.sku, product.unit_price) == ("PLT-1", Decimal(1500))


def test_create_anyway_never_doubles_a_sku(run, admin_user):
    ProductFactory(sku="PLT-1", name="Platform")

    record_import = run(
        admin_user, _csv(SALESFORCE, "Platform,PLT-1,,10,"), duplicate_policy=DuplicatePolicy.CREATE
    )

    assert (record_import.created_count, record_import.updated_count) == (0, 1)
    assert Product.objects.count() == 1


def test_a_row_giving_its_product_another_products_sku_is_an_error_and_the_rest_imports(run, admin_user):
    platform = ProductFactory(sku="PLT-1", name="Platform")
    support = ProductFactory(sku="SUP-1", name="Support")

    record_import = run(
        admin_user,
        _csv("CRM record ID,SKU,Name,Unit price\n", f"{platform.pk},SUP-1,Platform,10", ",TRN-1,Training,5"),
    )

    assert _problems(record_import) == [
        (2, "SKU", f'Not imported: "SUP-1" is already the SKU of product #{support.pk} ({support}).')
    ]
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["PLT-1", "SUP-1", "TRN-1"]


def test_skip_duplicates_leaves_the_existing_product_and_says_which_one_it_matched(run, admin_user):
    existing = ProductFactory(sku="PLT-1", name="Platform", unit_price=Decimal(1000))

    record_import = run(
        admin_user, _csv(SALESFORCE, "Platform,PLT-1,,5,"), duplicate_policy=DuplicatePolicy.SKIP
    )

    assert _problems(record_import) == [(2, "", f"Skipped: same SKU as product #{existing.pk} ({existing}).")]
    existing.refresh_from_db()
    assert existing.unit_price == Decimal(1000)


# All or nothing


def test_all_or_nothing_imports_nothing_when_one_row_is_bad(run, admin_user):
    ProductFactory(sku="PLT-1", name="Platform", unit_price=Decimal(1000))
    data = _csv(
        SALESFORCE, "Platform,PLT-1,,1500,", "New,NEW-1,,12,", "Broken,BRK-1,,abc,", "Odd,ODD-1,,1,maybe"
    )

    record_import = run(admin_user, data, all_or_nothing=True)

    assert record_import.created_count == 0
    assert _problems(record_import) == [
        (4, "List Price", '"abc" is not an amount (e.g. 1200.50 or $1,200.50).'),
        (
            5,
            "Active",
            '"maybe" matches no status (active or inactive); '
            "choose one for it under “Values” in the preview.",
        ),
    ]
    assert _products() == [("PLT-1", "Platform", Decimal(1000), "EUR", True)]


# Who may import


def test_a_rep_may_not_import_products(as_user, rep, manager, admin_user):
    for user in (rep, manager):
        client = as_user(user)
        assert f"{UPLOAD}?kind=products" not in client.get(LIST).content.decode()
        assert '<option value="products"' not in client.get(UPLOAD).content.decode()
        response = client.post(
            UPLOAD, {"kind": "products", "file": SimpleUploadedFile("p.csv", _csv(SALESFORCE, "A,A-1,,1,"))}
        )
        assert response.status_code == 200
        assert "Select a valid choice." in response.content.decode()
        with pytest.raises(Forbidden):
            record_import_upload(
                actor=user, kind="products", file=SimpleUploadedFile("p.csv", _csv(SALESFORCE, "A,A-1,,1,"))
            )
    admins = record_import_upload(
        actor=admin_user, kind="products", file=SimpleUploadedFile("p.csv", _csv(SALESFORCE, "A,A-1,,1,"))
    )
    assert as_user(rep).get(reverse("imports:mapping", args=[admins.pk])).status_code == 404
    assert not Product.objects.exists()


def test_the_product_list_offers_admins_the_kernels_product_import(as_user, admin_user):
    html = as_user(admin_user).get(LIST).content.decode()

    assert f'href="{UPLOAD}?kind=products"' in html
    assert '<option value="products" selected>Products</option>' in (
        as_user(admin_user).get(UPLOAD, {"kind": "products"}).content.decode()
    )


def test_an_admin_uploads_a_product_file_and_reaches_its_mapping(as_user, admin_user):
    client = as_user(admin_user)

    response = client.post(
        UPLOAD, {"kind": "products", "file": SimpleUploadedFile("hubspot.csv", _csv(HUBSPOT, "1,A,A-1,1,,,"))}
    )

    record_import = RecordImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:mapping", args=[record_import.pk])
    html = client.get(response.url).content.decode()
    assert '<option value="unit_price" selected>Unit price</option>' in html


# The export imports back


def _export_rows(client, **query) -> tuple[list[str], list[dict[str, str]]]:
    response = client.get(reverse("sales:product-export"), query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def test_the_export_has_the_lists_products_under_columns_the_import_recognises(as_user, rep):
    ProductFactory(
        sku="PLT-1", name="Platform", description="=SUM(A1)", external_id="9", external_source="zoho"
    )
    ProductFactory(sku="OLD-1", name="Old", is_active=False)

    headers, rows = _export_rows(as_user(rep))

    guessed = FIELDS.guess(headers)
    assert guessed == {
        "CRM record ID": "record_id",
        "Product name": "name",
        "SKU": "sku",
        "Description": "description",
        "Product line": "product_line",
        "Unit price": "unit_price",
        "Currency": "currency",
        "Tax rate": "tax_rate",
        "Active": "is_active",
        "External id": "external_id",
        "External source": "external_source",
    }
    assert [row["SKU"] for row in rows] == ["PLT-1"]  # the list's default filter: active products
    assert rows[0]["Description"] == "'=SUM(A1)"
    assert [row["SKU"] for row in _export_rows(as_user(rep), active="all", q="old")[1]] == ["OLD-1"]


def test_an_exported_file_edited_and_imported_again_updates_the_same_products(as_user, run, admin_user):
    ProductFactory(sku="PLT-1", name="Platform", unit_price=Decimal(1000), tax_rate=Decimal(19))
    ProductFactory(sku="SUP-1", name="Support", unit_price=Decimal(100), description="=SUM(A1)")
    headers, rows = _export_rows(as_user(admin_user))
    for row in rows:
        row["Unit price"] = str(Decimal(row["Unit price"]) * 2)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers)
    writer.writeheader()
    writer.writerows(rows)

    record_import = run(
        admin_user, out.getvalue().encode("utf-8-sig"), duplicate_policy=DuplicatePolicy.CREATE
    )

    assert (record_import.created_count, record_import.updated_count, record_import.error_count) == (
        0,
        2,
        0,
    ), _problems(record_import)
    assert _products() == [
        ("PLT-1", "Platform", Decimal(2000), "EUR", True),
        ("SUP-1", "Support", Decimal(200), "EUR", True),
    ]
    assert Product.objects.get(sku="SUP-1").description == "=SUM(A1)"
    assert Product.objects.get(sku="PLT-1").tax_rate == Decimal(19)


def test_the_export_button_sits_on_the_product_list(as_user, rep):
    ProductFactory()

    assert reverse("sales:product-export") in as_user(rep).get(LIST).content.decode()
