"""The deal's part of the kernel's keyed import (crm.imports.keyed): how a row names its deal, what it
refers to, and what a chunk writes besides the deals (product lines, stage history, won and lost events,
and the report's notes on what an open deal will need before it moves on)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from crm import access
from crm.customers.importing import AccountImporter, reference_keys
from crm.imports.copying import records_insert
from crm.imports.keyed import Key, KeyedImporter, Plan, referenced
from crm.imports.registry import RecordType
from crm.imports.rows import CheckedRow, external_key
from crm.imports.running import Tally
from crm.imports.values import ValueSet
from crm.models import Contact, LifecycleEvent, RecordImport
from sales import events
from sales.models import Deal, DealLine, DealStatus, Pipeline, Product, SalesSettings, Stage, StageVisit
from sales.services.deals import default_pipeline, first_open_stage

from .columns import FIELDS
from .columns import value_sets as deal_value_sets
from .report import criteria_notes, criteria_summary, saved_criteria_notes
from .rows import DealRowChecker

CENT = Decimal("0.01")


class DealImporter(KeyedImporter[Deal]):
    model = Deal
    record = "deal"
    checker_class = DealRowChecker
    created_event = events.DEAL_CREATED
    list_url = "sales:deal-list"
    key_names = {"external": "external id", "name": "name and account"}
    lock_key = 3

    def __init__(self, record_import: RecordImport) -> None:
        super().__init__(record_import)
        self.new_lines: dict[int, tuple[Deal, list[DealLine]]] = {}  # id(deal) -> its new lines
        self.moved: set[int] = set()  # existing deals the chunk moves to another stage
        self.first_stages: dict[int, Stage] = {}
        self.current_lines: dict[int, list[tuple[int, Decimal]]] = {}  # existing deals' (product, quantity)
        self.written: list[tuple[int, Deal]] = []  # (line, deal) of the chunk's rows that wrote a deal
        self.noted: set[int] = set()  # deals with a note from an earlier chunk: one note a deal

    def row_keys(self, row: CheckedRow) -> list[Key]:
        return _keys(row.external_key, row.fields.get("name", ""), str(row.fields.get("account", "")))

    def record_keys(self, record: Deal) -> list[Key]:
        account = record.account.name if record.account else ""
        return _keys(external_key(record.external_source, record.external_id), record.name, account)

    def queryset(self) -> QuerySet[Deal]:
        return Deal.objects.select_related("account").annotate(upper_name=Upper("name"))

    def key_condition(self, kind: str, values: list[str]) -> Q:
        return Q(upper_name__in=[value.split("\x1f")[0].upper() for value in values])

    def written_fields(self) -> list[str]:
        return [
            "name",
            "pipeline",
            "stage",
            "status",
            "amount",
            "currency",
            "type",
            "owner",
            "created_at",
            "close_date",
            "closed_at",
            "lost_reason",
            "next_step",
            "external_id",
            "external_source",
            "account",
            "primary_contact",
            "stage_changed_at",
            "updated_at",
        ]

    def value_sets(self) -> dict[str, ValueSet]:
        return {**super().value_sets(), **deal_value_sets()}

    def new_record(self, row: CheckedRow) -> Deal:
        pipeline = row.fields.get("pipeline") or self.default_pipeline
        stage = row.fields.get("stage") or self._first_open_stage(pipeline)
        return Deal(owner=self.owner, currency=self.default_currency, pipeline=pipeline, stage=stage)

    @cached_property
    def default_pipeline(self) -> Pipeline:
        return default_pipeline()

    @cached_property
    def default_currency(self) -> str:
        return SalesSettings.current().default_currency

    def _first_open_stage(self, pipeline: Pipeline) -> Stage:
        if pipeline.pk not in self.first_stages:
            self.first_stages[pipeline.pk] = first_open_stage(pipeline)
        return self.first_stages[pipeline.pk]

    def prefetch(self, rows: Sequence[CheckedRow]) -> None:
        self.accounts = AccountImporter(self.record_import).find(
            [key for row in rows for key in reference_keys(row, "account")], visible=True
        )
        named = {str(row.fields["primary_contact"]) for row in rows if row.fields.get("primary_contact")}
        contacts = access.visible(self.actor, Contact.objects.annotate(email_lower=Lower("email"))).filter(
            Q(email_lower__in=[cell.casefold() for cell in named]) | Q(external_id__in=named)
        )
        self.contacts: dict[Key, list[Contact]] = {}
        for contact in contacts if named else ():
            external = external_key(contact.external_source, contact.external_id)
            for key in (("email", contact.email.casefold()), ("external", external)):
                self.contacts.setdefault(key, []).append(contact)

    def references(self, row: CheckedRow, new_records: dict[Key, Deal]) -> dict[str, Model]:
        found: dict[str, Model] = {}
        if keys := reference_keys(row, "account"):
            found["account"] = referenced(
                "account", str(row.fields["account"]), keys, self.accounts, {}, "account"
            )
        if cell := str(row.fields.get("primary_contact", "")):
            keys = [
                ("external", external_key(row.fields.get("external_source", ""), cell)),
                ("email", cell.casefold()),
            ]
            found["primary_contact"] = referenced("primary_contact", cell, keys, self.contacts, {}, "contact")
        return found

    def find(
        self, keys: Sequence[Key], *, lock: bool = False, visible: bool = False
    ) -> dict[Key, list[Deal]]:
        """The deals, and the product lines of each (one query more): a re-run leaves lines as they are."""
        found = super().find(keys, lock=lock, visible=visible)
        deals = {deal.pk for deals in found.values() for deal in deals}
        self.current_lines = {}
        for line in DealLine.objects.filter(deal__in=deals).order_by("deal", "position", "id"):
            self.current_lines.setdefault(line.deal_id, []).append((line.product_id, line.quantity))
        return found

    def _target(
        self,
        plan: Plan[Deal],
        row: CheckedRow,
        keys: list[Key],
        earlier: Key | None,
        existing: dict[Key, list[Deal]],
        new_records: dict[Key, Deal],
    ) -> Deal | None:
        deal = super()._target(plan, row, keys, earlier, existing, new_records)
        if deal is not None:
            self.written.append((row.line, deal))
        return deal

    def _set(self, record: Deal, fields: dict[str, Any]) -> bool:
        moved = record.pk is not None and "stage" in fields and fields["stage"].pk != record.stage_id
        if record.pk is not None:
            fields = self._unchanged_dropped(record, fields)
        changed = super()._set(record, fields)
        if record.pk is None and record.closed_at and record.created_at > record.closed_at:
            record.created_at = record.closed_at  # a file without created dates: it was open until then
        if record.pk is None or moved:
            entered = record.created_at if record.pk is None else timezone.now()
            record.stage_changed_at = record.closed_at or entered
        if moved:
            self.moved.add(record.pk)
        if products := fields.get("products"):
            lines = _priced_lines(products, fields.get("amount"))
            self.new_lines[id(record)] = (record, lines)
            record.amount = sum((line.total for line in lines), Decimal(0))
            changed = True
        return changed

    def _unchanged_dropped(self, deal: Deal, fields: dict[str, Any]) -> dict[str, Any]:
        """The row without what the deal already has in substance: a date on the same day (its time is
        the deal's, the file's is noon), and the same products in the same quantities for the same
        amount (the lines keep their own prices and discounts)."""
        fields = dict(fields)
        for name in ("created_at", "closed_at"):
            kept: datetime.datetime | None = getattr(deal, name)
            if name in fields and kept and kept.astimezone(fields[name].tzinfo).date() == fields[name].date():
                del fields[name]
        products = [(product.pk, quantity) for product, quantity in fields.get("products", [])]
        same_amount = fields.get("amount", deal.amount) == deal.amount
        if products and same_amount and products == self.current_lines.get(deal.pk):
            del fields["products"]
        return fields

    def event_time(self, record: Deal) -> datetime.datetime:
        return record.created_at

    def event_data(self, record: Deal) -> dict[str, Any]:
        return {"type": record.type, "stage": record.stage.name, "amount": str(record.amount)}

    def after_write(self, plan: Plan[Deal]) -> None:
        """The deals' product lines, their stage history from the imported dates, the won or lost event
        of a deal imported closed, when it closed, and the notes on what open deals will need."""
        written = [(deal, lines) for deal, lines in self.new_lines.values()]
        created = {deal.pk for deal in plan.creates}
        DealLine.objects.filter(deal__in=[deal.pk for deal, _ in written if deal.pk not in created]).delete()
        for deal, lines in written:
            for position, line in enumerate(lines):
                line.deal, line.position = deal, position
        records_insert(DealLine, [line for _, lines in written for line in lines])
        self.new_lines.clear()
        now = timezone.now()
        StageVisit.objects.filter(deal__in=self.moved, left_at__isnull=True).update(left_at=now)
        entering = [*plan.creates, *(plan.updates[pk] for pk in self.moved if pk in plan.updates)]
        records_insert(
            StageVisit,
            [
                StageVisit(
                    deal=deal,
                    stage=deal.stage,
                    entered_at=deal.stage_changed_at or now,
                    entered_by=self.actor,
                )
                for deal in entering
            ],
        )
        self.moved.clear()
        content_type = ContentType.objects.get_for_model(Deal)
        records_insert(
            LifecycleEvent,
            [
                LifecycleEvent(
                    type=events.DEAL_WON if deal.status == DealStatus.WON else events.DEAL_LOST,
                    actor=self.actor,
                    content_type=content_type,
                    object_id=deal.pk,
                    account_id=deal.account_id,
                    occurred_at=deal.closed_at or now,
                    data={"amount": str(deal.amount), "import_id": self.record_import.pk},
                )
                for deal in plan.creates
                if deal.status != DealStatus.OPEN
            ],
        )
        unnoted = [(line, deal) for line, deal in self.written if deal.pk not in self.noted]
        self.written.clear()
        notes = criteria_notes(self.record_import, unnoted)
        self.noted.update(notes)
        plan.notes.extend(notes.values())

    def summary(self, tally: Tally) -> str:
        """How many open deals will need more before they move on."""
        if self.record_import.all_or_nothing and tally.errors:
            return ""
        return criteria_summary(saved_criteria_notes(self.record_import).count())

    def finish(self, tally: Tally) -> None:
        if self.record_import.all_or_nothing and tally.errors:
            # Nothing was imported: the kernel kept every report row of the refused run, these too.
            saved_criteria_notes(self.record_import).delete()
        super().finish(tally)


def _keys(external: str, name: str, account: str) -> list[Key]:
    """A deal is named by its external id, else (a file without them) by its name at its account."""
    if external:
        return [("external", external)]
    return [("name", f"{name.casefold()}\x1f{account.casefold()}")] if name else []


def _priced_lines(products: list[tuple[Product, Decimal]], amount: Decimal | None) -> list[DealLine]:
    """Lines at catalogue prices, with one discount (or, above the list total, one markup on the unit
    prices) that makes them add up to `amount` (to the cent's rounding)."""
    listed = sum((product.unit_price * quantity for product, quantity in products), Decimal(0))
    lines = [
        DealLine(product=product, quantity=quantity, unit_price=product.unit_price)
        for product, quantity in products
    ]
    if amount is None or listed == amount:
        return lines
    if listed == 0:
        lines[0].unit_price = (amount / lines[0].quantity).quantize(CENT)
    elif amount < listed:
        discount = ((1 - amount / listed) * 100).quantize(CENT)
        for line in lines:
            line.discount = discount
    else:
        for line in lines:
            line.unit_price = (line.unit_price * amount / listed).quantize(CENT)
    return lines


DEALS = RecordType(
    kind="deals",
    label="Deals",
    model=Deal,
    fields=FIELDS,
    importer=DealImporter,
    list_url="sales:deal-list",
    date_fields=DealRowChecker.date_fields,
)
