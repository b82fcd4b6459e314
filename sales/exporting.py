"""Deal export: every deal of the deal list the user sees (its filters, search and sort, scoped by the
access policy), as one CSV file streamed in keyset batches (crm.lists.exporting: constant memory, one
query per batch with the deals' product lines in it, spreadsheet-safe cells, a UTF-8 BOM).

The columns are the ones the deal import recognises (sales/importing.py, FIELDS), the "CRM record ID"
first, each value written as the import reads it back: a file exported, edited in a spreadsheet and
imported again updates the same deals. References are names (account, pipeline, stage, lost reason,
products) or email addresses (primary contact, owner); the type is its label; dates are the days where
the user is (YYYY-MM-DD), as the import reads them; amounts are plain numbers, the currency a column of
its own. A stage is named as the import's stage choices name it: "Pipeline · Stage" while several
pipelines are active (each has its "Won"), else its name.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet
from django.utils import timezone

from crm.lists.exporting import Column, csv_chunks, keyset_batches
from sales.importing.columns import QUANTITY
from sales.models import Deal, DealLine, DealType, Stage

# Deals per query: with their lines' products, a few hundred KB of CSV each.
BATCH_SIZE = 1_000
TYPE_LABELS = dict(DealType.choices)
# What the columns read, through the joins: rows are named tuples, which cost a fraction of instances.
EXPORTED = (
    "pk",
    "name",
    "account__name",
    "primary_contact__email",
    "pipeline__name",
    "stage__name",
    "amount",
    "currency",
    "type",
    "owner__email",
    "created_at",
    "close_date",
    "closed_at",
    "lost_reason__name",
    "product_names",
    "product_quantities",
    "next_step",
    "external_id",
    "external_source",
)


def _lines(field: str) -> ArraySubquery:
    """One field of each of the deal's lines, in the order the deal shows them, in the deal's own row."""
    lines = DealLine.objects.filter(deal=OuterRef("pk")).order_by("position", "id").values(field)
    return ArraySubquery(lines)


def deal_export_batches(deals: QuerySet[Deal], *, ordering: list[str]) -> Iterator[list[Any]]:
    """`deals` (from `deal_list`, filtered) in `ordering`, BATCH_SIZE named tuples of EXPORTED and the
    sort keys at a time, each batch one query. A deal whose sort value changes during the export can be
    written twice or not at all; the default sort, newest first, is stable."""
    keys = [name.lstrip("-") for name in ordering if name.lstrip("-") not in EXPORTED]
    rows = deals.annotate(
        product_names=_lines("product__name"), product_quantities=_lines("quantity")
    ).values_list(*EXPORTED, *dict.fromkeys(keys), named=True)
    return keyset_batches(rows, ordering=ordering, size=BATCH_SIZE)


def _quantity(quantity: Decimal) -> str:
    """2.00 -> "2", 1.50 -> "1.5" (never "1E+2")."""
    return f"{quantity.normalize():f}"


def _product(name: str, quantity: Decimal) -> str:
    """ "Widget Pro x 2"; one is left out ("Gadget"), unless the import would read the name alone as a
    quantity ("Xbox 360" would be 360 of "Xbo"): then "Xbox 360 x 1"."""
    if quantity != 1:
        return f"{name} x {_quantity(quantity)}"
    match = QUANTITY.match(name)
    return name if match and match["quantity"] is None else f"{name} x 1"


def _products(row: Any) -> str:
    """ "Widget Pro x 2; Gadget": the lines' products by name, as the import reads them back."""
    return "; ".join(
        _product(name, quantity)
        for name, quantity in zip(row.product_names, row.product_quantities, strict=True)
    )


def _day(name: str) -> Any:
    """A date, or the day of a time where the user is, as YYYY-MM-DD."""

    def value(row: Any) -> str:
        moment = getattr(row, name)
        if moment is None:
            return ""
        day = timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment
        return day.isoformat()

    return value


def stage_names_with_pipeline() -> bool:
    """Whether a stage is named with its pipeline: as the deal import's stage choices do, while the
    active pipelines with stages are more than one (sales.importing.importer.DealImporter.value_sets)."""
    active = Stage.objects.filter(pipeline__is_active=True).order_by().values("pipeline_id").distinct()
    return len(active[:2]) > 1


def columns(*, with_pipeline: bool) -> list[Column]:
    """Each header squashes to a synonym of the import field it fills (tests/sales/test_deal_export.py
    checks them against FIELDS.guess)."""

    def stage(row: Any) -> str:
        return f"{row.pipeline__name} · {row.stage__name}" if with_pipeline else row.stage__name

    return [
        Column("CRM record ID", attrgetter("pk"), is_text=False),
        Column.text("Deal name", "name"),
        Column.text("Account", "account__name"),
        Column.text("Primary contact", "primary_contact__email"),
        Column.text("Pipeline", "pipeline__name"),
        Column("Stage", stage),
        Column("Amount", attrgetter("amount"), is_text=False),
        Column.text("Currency", "currency"),
        Column("Type", lambda row: str(TYPE_LABELS.get(row.type, row.type))),
        Column.text("Owner", "owner__email"),
        Column("Created date", _day("created_at"), is_text=False),
        Column("Close date", _day("close_date"), is_text=False),
        Column("Closed date", _day("closed_at"), is_text=False),
        Column.text("Lost reason", "lost_reason__name"),
        Column("Products", _products),
        Column.text("Next step", "next_step"),
        Column.text("External id", "external_id"),
        Column.text("External source", "external_source"),
    ]


def deal_export_chunks(deals: QuerySet[Deal], *, ordering: list[str]) -> Iterator[str]:
    """`deals` (already scoped and filtered) in `ordering` as CSV text: the header at once, then a chunk
    per batch."""
    return csv_chunks(
        columns(with_pipeline=stage_names_with_pipeline()), deal_export_batches(deals, ordering=ordering)
    )


def export_filename() -> str:
    return f"deals-{timezone.localdate():%Y-%m-%d}.csv"
