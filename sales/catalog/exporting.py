"""Product export: every product of the catalogue list the user sees (its search and active filter), by
name, as one CSV file streamed in keyset batches (crm.lists.exporting: constant memory, one query per
batch, spreadsheet-safe cells, a UTF-8 BOM).

The columns are the ones the product import recognises (sales/catalog/importing.py, FIELDS), the "CRM
record ID" first, each value written as the import reads it back: a file exported, edited in a
spreadsheet and imported again updates the same products instead of creating new ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

from django.db.models import QuerySet
from django.utils import timezone

from crm.lists.exporting import Column, csv_chunks, keyset_batches
from sales.models import Product

# Products per query: a few hundred KB of CSV each (descriptions can be long).
BATCH_SIZE = 1_000
EXPORTED = (
    "pk",
    "name",
    "sku",
    "description",
    "product_line",
    "unit_price",
    "currency",
    "tax_rate",
    "is_active",
    "external_id",
    "external_source",
)


def columns() -> list[Column]:
    """Each header squashes to a synonym of the import field it fills (tests/sales/test_product_import.py
    checks them against FIELDS.guess)."""
    return [
        Column("CRM record ID", attrgetter("pk"), is_text=False),
        Column.text("Product name", "name"),
        Column.text("SKU", "sku"),
        Column.text("Description", "description"),
        Column.text("Product line", "product_line"),
        Column("Unit price", attrgetter("unit_price"), is_text=False),
        Column.text("Currency", "currency"),
        Column("Tax rate", attrgetter("tax_rate"), is_text=False),
        Column("Active", lambda row: "yes" if row.is_active else "no", is_text=False),
        Column.text("External id", "external_id"),
        Column.text("External source", "external_source"),
    ]


def product_export_chunks(products: QuerySet[Product], *, ordering: list[str]) -> Iterator[str]:
    """`products` (from `product_list`, filtered) in `ordering` as CSV text: the header at once, then a
    chunk per batch. A product renamed during the export (sorted by name) can be written twice or not
    at all."""
    keys = [name.lstrip("-") for name in ordering if name.lstrip("-") not in EXPORTED]
    rows = products.values_list(*EXPORTED, *dict.fromkeys(keys), named=True)
    return csv_chunks(columns(), keyset_batches(rows, ordering=ordering, size=BATCH_SIZE))


def export_filename() -> str:
    return f"products-{timezone.localdate():%Y-%m-%d}.csv"
