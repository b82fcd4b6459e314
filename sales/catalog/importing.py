"""Importing the product catalogue (admins only; crm.imports.keyed does the matching and writing): its
columns, as Salesforce, HubSpot, Pipedrive and Zoho export them, its checks and its keys.

A row updates the product it matches instead of doubling it: the one with its CRM record ID, else its
external id (source and id), else its SKU (one SKU, one product: never doubled), else, for a row
without a SKU, the one with its name in any case. A new product needs its SKU, name and unit price; a
product's currency, when the file gives none, is the sales settings' default. The currency is a choice
column (a "€" or "euro" cell is EUR), and so is the active column ("yes", "inactive", "0"...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, ClassVar

from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Upper

from crm.imports import cells
from crm.imports.cells import CellError, Cleaner, max_length, shown
from crm.imports.keyed import (
    RECORD_ID,
    Key,
    KeyedImporter,
    KeyedRowChecker,
    Plan,
    ReferenceProblem,
    present_keys,
)
from crm.imports.mapping import ImportField, ImportFields, external_id_fields
from crm.imports.registry import RecordType
from crm.imports.rows import CheckedRow, Problem, external_key
from crm.imports.values import Option, ValueSet
from crm.models import DuplicatePolicy
from crm.web.fragments import fragments_changed
from sales.importing.columns import CURRENCIES, SYMBOLS
from sales.models import Product, SalesSettings

from .services import MAX_PRICE

FIELDS = ImportFields(
    (
        ImportField("name", "Product name", ("productname", "name", "product", "itemname", "title")),
        ImportField(
            "sku",
            "SKU (updates the product with it)",
            ("sku", "productcode", "productsku", "code", "itemcode", "partnumber", "stockkeepingunit"),
        ),
        ImportField(
            "description", "Description", ("description", "productdescription", "details", "longdescription")
        ),
        ImportField(
            "product_line",
            "Product line",
            ("productline", "productfamily", "family", "productcategory", "category", "line"),
        ),
        ImportField(
            "unit_price",
            "Unit price",
            (
                "unitprice",
                "listprice",
                "price",
                "standardprice",
                "salesprice",
                "sellingprice",
                "productprice",
            ),
        ),
        ImportField(
            "currency",
            "Currency",
            ("currency", "currencycode", "productcurrency", "pricecurrency", "currencyisocode"),
        ),
        ImportField(
            "tax_rate", "Tax rate (%)", ("taxrate", "tax", "vat", "vatrate", "taxpercent", "taxpercentage")
        ),
        ImportField("is_active", "Active", ("active", "isactive", "productactive", "activeflag", "status")),
        RECORD_ID,
        *external_id_fields("product", "productid", "product2id", "itemid"),
    ),
    record="product",
    identity=frozenset({"sku", "name"}),
    identity_message="Map a column to the SKU or the product name: products are told apart by them.",
)
KEY_NAMES = {"external": "external id", "sku": "SKU", "name": "name"}
# What a new product cannot be saved without, in the order a message names them.
REQUIRED_FOR_NEW = {"sku": "SKU", "name": "name", "unit_price": "unit price"}
ACTIVE = ValueSet(
    "status (active or inactive)",
    (
        Option("active", "Active", ("yes", "y", "true", "1", "on", "enabled"), True),
        Option("inactive", "Inactive", ("no", "n", "false", "0", "off", "disabled", "archived"), False),
    ),
)
CURRENCY_CODE = re.compile(r"\b([A-Z]{3})\b")  # "EUR 1200", "1200 USD"
PERCENT = Decimal(100)
CENT = Decimal("0.01")


def _price(value: str) -> tuple[Decimal, str]:
    """The price and the currency its symbol or code names ("" when it names none): "$1,200.50"."""
    price = cells.amount(value)
    if price > MAX_PRICE:
        raise CellError(f"{shown(value)} is more than the largest price, {MAX_PRICE:,}.")
    code = next((code for symbol, code in SYMBOLS.items() if symbol in value), "")
    if not code and (match := CURRENCY_CODE.search(value)):
        code = match[1]
    return price, code


def _tax_rate(value: str) -> Decimal:
    """ "19", "19 %", "7,5": a percentage from 0 to 100 with at most two decimals."""
    text = value.strip().removesuffix("%").strip().replace(",", ".")
    try:
        rate = Decimal(text)
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 <= rate <= PERCENT or rate != rate.quantize(CENT):
        raise CellError(f"{shown(value)} is not a percentage from 0 to 100 (e.g. 19 or 7.5).")
    return rate


def _one_line(limit: int) -> Cleaner:
    """Text whose runs of spaces are one space, as the product form saves it."""
    read = cells.text(limit)
    return lambda value: read(" ".join(value.split()))


class ProductRowChecker(KeyedRowChecker):
    cleaners: ClassVar[dict[str, Cleaner]] = {
        "name": _one_line(max_length(Product, "name")),
        "sku": _one_line(max_length(Product, "sku")),
        "description": cells.unguarded,
        "product_line": _one_line(max_length(Product, "product_line")),
        "unit_price": _price,
        "tax_rate": _tax_rate,
        "external_id": cells.text(max_length(Product, "external_id")),
        "external_source": cells.external_source(max_length(Product, "external_source")),
    }

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        if "unit_price" in fields:
            fields["unit_price"], code = fields["unit_price"]
            if code and "currency" not in fields:
                fields["currency"] = code
        named = ("sku", "name", "record_id", "external_id")
        if not problems and not any(fields.get(name) for name in named):
            problems.append(Problem("", "No SKU or name: every product needs both."))


class ProductImporter(KeyedImporter[Product]):
    model = Product
    record = "product"
    checker_class = ProductRowChecker
    created_event = None  # the catalogue has no timeline
    list_url = "sales:product-list"
    key_names = KEY_NAMES
    unique_keys = frozenset({"external", "sku"})
    lock_key = 7

    def row_keys(self, row: CheckedRow) -> list[Key]:
        sku = row.fields.get("sku", "")
        return present_keys(
            ("external", row.external_key),
            ("sku", sku),
            ("name", "" if sku else row.fields.get("name", "").casefold()),
        )

    def record_keys(self, record: Product) -> list[Key]:
        return present_keys(
            ("external", external_key(record.external_source, record.external_id)),
            ("sku", record.sku),
            ("name", record.name.casefold()),
        )

    def queryset(self) -> QuerySet[Product]:
        return Product.objects.annotate(upper_name=Upper("name"))  # served by the trigram index

    def key_condition(self, kind: str, values: list[str]) -> Q:
        if kind == "sku":
            return Q(sku__in=values)
        return Q(upper_name__in=[value.upper() for value in values])

    def written_fields(self) -> list[str]:
        fields = {field.name for field in FIELDS.fields} - {"record_id"}
        return sorted(fields | {"updated_at"})

    def value_sets(self) -> dict[str, ValueSet]:
        # The usual currencies, and those the catalogue already prices in: an export imports back.
        codes = dict(CURRENCIES)
        used = Product.objects.order_by().values_list("currency", flat=True).distinct()
        for code in sorted({self.default_currency, *used}):
            codes.setdefault(code, ())
        return {
            "currency": ValueSet(
                "currency", (Option(code, code, aliases) for code, aliases in codes.items())
            ),
            "is_active": ACTIVE,
        }

    @cached_property
    def default_currency(self) -> str:
        return SalesSettings.current().default_currency

    def new_record(self, row: CheckedRow) -> Product:
        return Product(currency=self.default_currency)

    def may_see(self, record: Product) -> bool:
        return True  # the import is an admin's, and every seller reads the catalogue

    def refusal(self, record: Product) -> str:
        return ""

    def prefetch(self, rows: Sequence[CheckedRow]) -> None:
        self.existing = self.find([key for row in rows for key in self._row_keys(row)])

    def references(self, row: CheckedRow, new_records: dict[Key, Product]) -> dict[str, Model]:
        """No references, but the row's checks that need the catalogue: a row that would create a product
        has its SKU, name and price, and a row that updates one does not take another product's SKU
        (the database would refuse the whole chunk)."""
        keys = self._row_keys(row)
        policy = self.record_import.duplicate_policy
        pending = next((new_records[key] for key in keys if key in new_records), None)
        known = next((key for key in keys if key in self.existing), None)
        unique = known is not None and known[0] in {"pk", *self.unique_keys}
        if (known is None and pending is None) or (
            policy == DuplicatePolicy.CREATE and not unique and pending is None
        ):
            missing = [name for name in REQUIRED_FOR_NEW if name not in row.fields]
            if missing:
                what = ", ".join(REQUIRED_FOR_NEW[name] for name in missing)
                raise ReferenceProblem(
                    missing[0], f"Not imported: no {what}; a new product needs its SKU, name and unit price."
                )
            return {}
        if policy == DuplicatePolicy.SKIP or not row.fields.get("sku"):
            return {}
        target = pending
        if target is None and known is not None and len(self.existing[known]) == 1:
            target = self.existing[known][0]
        sku_key = ("sku", row.fields["sku"])
        holder = new_records.get(sku_key) or next(iter(self.existing.get(sku_key, [])), None)
        if target is not None and holder is not None and holder is not target:
            other = self.named(holder) if holder.pk else f"the product of line {self.lines.get(sku_key)}"
            raise ReferenceProblem(
                "sku", f"Not imported: {shown(row.fields['sku'])} is already the SKU of {other}."
            )
        return {}

    def after_write(self, plan: Plan[Product]) -> None:
        if plan.creates or plan.updates:
            fragments_changed()  # bulk writes send none of the signals that keep cached pages fresh


PRODUCTS = RecordType(
    kind="products",
    label="Products",
    model=Product,
    fields=FIELDS,
    importer=ProductImporter,
    list_url="sales:product-list",
    admins_only=True,
)
