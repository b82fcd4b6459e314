"""Importing deals with their history (crm.imports.keyed does the matching and writing).

A deal keeps the dates of the system it comes from: its created date, expected close date and closed
date. A won or lost deal closed in the past stays closed then (the forecast, the board's windows and
the sales report place it there); an open deal whose expected close date has passed is imported as it
is, overdue. Its stage history starts at those dates. Exit criteria govern the moves people make, not
the state a deal is imported in; a later move checks them as usual.

Stages, pipelines, owners, products, currencies, types and lost reasons are choice columns
(crm.imports.values): each distinct cell reads as the value it names, or as the one the user chose in
the preview. A products cell lists one or more products ("Widget; Gadget x 2"); its lines are priced
from the catalogue, with one discount (or markup) that makes them add up to the row's amount.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from crm import access
from crm.customers.importing import ACCOUNT_REFERENCE, AccountImporter, reference_keys
from crm.imports import cells
from crm.imports.cells import CellError, Cleaner, max_length
from crm.imports.keyed import RECORD_ID, WRITE_BATCH, Key, KeyedImporter, KeyedRowChecker, Plan, referenced
from crm.imports.mapping import ImportField, ImportFields, external_id_fields
from crm.imports.registry import RecordType
from crm.imports.rows import CheckedRow, Problem, external_key
from crm.imports.values import Option, ValueSet
from crm.models import Contact, LifecycleEvent, RecordImport
from sales import events
from sales.models import (
    Deal,
    DealLine,
    DealStatus,
    DealType,
    LostReason,
    Pipeline,
    Product,
    SalesSettings,
    Stage,
    StageKind,
    StageVisit,
)
from sales.services.deals import default_pipeline, first_open_stage

FIELDS = ImportFields(
    (
        ImportField(
            "name",
            "Deal name",
            ("dealname", "opportunityname", "dealtitle", "name", "title", "deal", "opportunity"),
        ),
        ACCOUNT_REFERENCE,
        ImportField(
            "primary_contact",
            "Primary contact (email address or external id)",
            (
                "primarycontact",
                "contactemail",
                "contact",
                "contactperson",
                "contactname",
                "associatedcontact",
                "person",
            ),
        ),
        ImportField("pipeline", "Pipeline", ("pipeline", "pipelinename", "salesprocess")),
        ImportField("stage", "Stage", ("stage", "dealstage", "opportunitystage", "salesstage", "status")),
        ImportField(
            "amount",
            "Amount",
            (
                "amount",
                "dealamount",
                "opportunityamount",
                "dealvalue",
                "value",
                "totalamount",
                "amountinclvat",
            ),
        ),
        ImportField(
            "currency", "Currency", ("currency", "currencycode", "dealcurrency", "opportunitycurrency")
        ),
        ImportField("type", "Type", ("type", "dealtype", "opportunitytype", "businesstype")),
        ImportField(
            "owner",
            "Owner (email address or name)",
            ("dealowner", "opportunityowner", "owner", "ownername", "owneremail", "salesrep", "assignedto"),
        ),
        ImportField(
            "created_at",
            "Created date",
            (
                "createddate",
                "createdate",
                "created",
                "createdat",
                "createdon",
                "createdtime",
                "datecreated",
                "dealcreated",
                "addtime",
            ),
        ),
        ImportField(
            "close_date",
            "Close date (expected; when a closed deal closed, without a Closed date column)",
            ("closedate", "expectedclosedate", "expectedclose", "closingdate", "targetclosedate"),
        ),
        ImportField(
            "closed_at",
            "Closed date",
            ("closeddate", "dateclosed", "closedat", "closedon", "actualclosedate", "wontime", "losttime"),
        ),
        ImportField(
            "lost_reason", "Lost reason", ("lostreason", "reasonlost", "closedlostreason", "lossreason")
        ),
        ImportField(
            "products", "Products (one or more: “Widget; Gadget x 2”)", ("products", "product", "lineitems")
        ),
        ImportField("next_step", "Next step", ("nextstep",)),
        RECORD_ID,
        *external_id_fields("deal", "opportunityid", "dealid"),
    ),
    record="deal",
    identity=frozenset({"name"}),
    identity_message="Map a column to the deal name: every deal needs one.",
)
# The won and lost stages of any pipeline also answer to what other CRMs call them.
KIND_ALIASES: dict[str, tuple[str, ...]] = {
    StageKind.WON: ("won", "closedwon", "dealwon"),
    StageKind.LOST: ("lost", "closedlost", "deallost"),
}
# The currencies offered to map a currency cell to, with the names and symbols files use for them.
CURRENCIES = {
    "EUR": ("€", "euro", "euros"),
    "USD": ("$", "us$", "dollar", "usdollar", "dollars"),
    "GBP": ("£", "pound", "pounds", "poundsterling", "sterling"),
    "CHF": ("swissfranc", "fr"),
    "JPY": ("¥", "yen"),
    "INR": ("₹", "rupee", "rupees"),
    "CAD": ("ca$", "canadiandollar"),
    "AUD": ("a$", "australiandollar"),
    "SEK": ("swedishkrona",),
    "DKK": ("danishkrone",),
    "NOK": ("norwegiankrone",),
    "PLN": ("zł", "zloty"),
    "CNY": ("yuan", "renminbi"),
    "BRL": ("r$", "real"),
}
TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    DealType.NEW_BUSINESS: ("new", "newcustomer", "newlogo"),
    DealType.UPSELL: ("existingbusiness", "expansion", "upgrade"),
    DealType.CROSS_SELL: ("crosssell",),
}
CLOSED_STATUS: dict[str, str] = {StageKind.WON: DealStatus.WON, StageKind.LOST: DealStatus.LOST}
SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR"}
CENT = Decimal("0.01")
PRODUCT_SEPARATORS = re.compile(r"[;\n|]")
QUANTITY = re.compile(r"^(?P<name>.*?)\s*(?:[x×*]\s*(?P<quantity>\d+(?:[.,]\d+)?))?$", re.IGNORECASE)


def _money(value: str) -> tuple[Decimal, str]:
    """The amount and the currency its symbol or code names ("" when it names none)."""
    code = next((code for symbol, code in SYMBOLS.items() if symbol in value), "")
    if not code and (match := re.search(r"\b([A-Z]{3})\b", value)):
        code = match[1]
    return cells.amount(value), code


def _products(value: str) -> list[tuple[str, Decimal]]:
    """ "Widget; Gadget x 2" -> [("Widget", 1), ("Gadget", 2)]."""
    items = []
    for part in PRODUCT_SEPARATORS.split(cells.unguarded(value)):
        match = QUANTITY.match(part.strip())
        if match and match["name"]:
            items.append((match["name"], Decimal((match["quantity"] or "1").replace(",", "."))))
    return items


@dataclass(frozen=True)
class StageChoice:
    """A stage cell that names a stage in several pipelines, until the row's pipeline picks one."""

    cell: str
    stages: list[Stage]


class DealRowChecker(KeyedRowChecker):
    cleaners: ClassVar[dict[str, Cleaner]] = {
        "name": cells.text(max_length(Deal, "name")),
        "account": cells.reference(200),
        "primary_contact": cells.reference(254),
        "amount": _money,
        "next_step": cells.text(max_length(Deal, "next_step")),
        "external_id": cells.text(max_length(Deal, "external_id")),
        "external_source": cells.external_source(max_length(Deal, "external_source")),
    }
    date_fields = frozenset({"created_at", "close_date", "closed_at"})

    def clean(self, name: str, value: str) -> Any:
        if name == "products":
            reader = self.values["products"]
            return [(reader(product), quantity) for product, quantity in _products(value)]
        if name == "stage":
            try:
                return super().clean(name, value)
            except CellError:
                # "Won" in several pipelines: the row's Pipeline column may settle it (see complete).
                stages = [option.value for option in self.values["stage"].values.named(value)]
                if len(stages) < 2:
                    raise
                return StageChoice(value, stages)
        return super().clean(name, value)

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        if "amount" in fields:
            fields["amount"], code = fields["amount"]
            if code and "currency" not in fields:
                fields["currency"] = code
        for name in ("created_at", "closed_at"):
            if name in fields:  # noon of that day where the uploader is: the day stays the day
                fields[name] = datetime.datetime.combine(fields[name], datetime.time(12), self.time_zone)
        pipeline: Pipeline | None = fields.get("pipeline")
        if isinstance(fields.get("stage"), StageChoice):
            choice = fields.pop("stage")
            stage_in_pipeline = [
                stage for stage in choice.stages if pipeline and stage.pipeline_id == pipeline.pk
            ]
            if stage_in_pipeline:
                fields["stage"] = stage_in_pipeline[0]
            else:
                pipelines = ", ".join(sorted(str(stage.pipeline) for stage in choice.stages))
                problems.append(
                    Problem(
                        self.headers["stage"],
                        f"“{choice.cell}” is a stage of several pipelines ({pipelines}): map a Pipeline "
                        "column, or choose the stage under “Values” in the preview.",
                    )
                )
        stage: Stage | None = fields.get("stage")
        if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
            problems.append(
                Problem(
                    self.headers["stage"],
                    f"“{stage.name}” is a stage of {stage.pipeline}, not of {pipeline}.",
                )
            )
        if stage is not None:
            fields["pipeline"] = stage.pipeline
            fields["status"] = CLOSED_STATUS.get(stage.kind, DealStatus.OPEN)
            self._closing(fields, problems, stage)
        if not problems and not fields.get("name"):
            problems.append(Problem("", "No deal name: every deal needs one."))

    def _closing(self, fields: dict[str, Any], problems: list[Problem], stage: Stage) -> None:
        if stage.kind == StageKind.OPEN:
            fields.pop("closed_at", None)  # an open deal has not closed, whatever the file says
            return
        if "closed_at" not in fields and "close_date" in fields:
            fields["closed_at"] = datetime.datetime.combine(
                fields["close_date"], datetime.time(12), self.time_zone
            )
        closed = fields.get("closed_at")
        column = self.headers.get("closed_at") or self.headers.get("close_date") or self.headers["stage"]
        if closed is None:
            problems.append(
                Problem(
                    self.headers["stage"],
                    f"A deal in “{stage.name}” is closed: map its Closed date (or Close date) column.",
                )
            )
        elif closed.date() > timezone.localdate(timezone=self.time_zone):
            problems.append(Problem(column, f"Closed on {closed:%Y-%m-%d}, which is still to come."))
        elif "created_at" in fields and closed < fields["created_at"]:
            problems.append(
                Problem(
                    column,
                    f"Closed on {closed:%Y-%m-%d}, before the deal was created "
                    f"({fields['created_at']:%Y-%m-%d}).",
                )
            )
        if stage.kind == StageKind.LOST and "lost_reason" not in fields:
            message = "A lost deal needs its lost reason: map a Lost reason column."
            problems.append(Problem(self.headers["stage"], message))


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
        stages = Stage.objects.select_related("pipeline").filter(pipeline__is_active=True)
        many_pipelines = len({stage.pipeline_id for stage in stages}) > 1
        products = Product.objects.filter(is_active=True).order_by("name")
        return {
            **super().value_sets(),
            "stage": ValueSet(
                "stage",
                (
                    Option(
                        str(stage.pk),
                        f"{stage.pipeline} · {stage.name}" if many_pipelines else stage.name,
                        (stage.name, *KIND_ALIASES.get(stage.kind, ())),
                        stage,
                    )
                    for stage in stages.order_by("pipeline__name", "position")
                ),
            ),
            "pipeline": ValueSet(
                "pipeline",
                (
                    Option(str(pipeline.pk), pipeline.name, (), pipeline)
                    for pipeline in Pipeline.objects.filter(is_active=True)
                ),
            ),
            "lost_reason": ValueSet(
                "lost reason",
                (
                    Option(str(reason.pk), reason.name, (), reason)
                    for reason in LostReason.objects.filter(is_active=True)
                ),
            ),
            "products": ValueSet(
                "product",
                (
                    Option(
                        str(product.pk),
                        f"{product.name} ({product.sku})",
                        (product.name, product.sku),
                        product,
                    )
                    for product in products
                ),
                split=lambda cell: [name for name, _ in _products(cell)],
            ),
            "type": ValueSet(
                "deal type",
                (Option(value, str(label), TYPE_ALIASES.get(value, ())) for value, label in DealType.choices),
            ),
            "currency": ValueSet(
                "currency", (Option(code, code, aliases) for code, aliases in CURRENCIES.items())
            ),
        }

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
        """The deals' product lines, their stage history from the imported dates, and the won or lost
        event of a deal imported closed, when it closed."""
        written = [(deal, lines) for deal, lines in self.new_lines.values()]
        created = {deal.pk for deal in plan.creates}
        DealLine.objects.filter(deal__in=[deal.pk for deal, _ in written if deal.pk not in created]).delete()
        for deal, lines in written:
            for position, line in enumerate(lines):
                line.deal, line.position = deal, position
        DealLine.objects.bulk_create([line for _, lines in written for line in lines], batch_size=WRITE_BATCH)
        self.new_lines.clear()
        now = timezone.now()
        StageVisit.objects.filter(deal__in=self.moved, left_at__isnull=True).update(left_at=now)
        entering = [*plan.creates, *(plan.updates[pk] for pk in self.moved if pk in plan.updates)]
        StageVisit.objects.bulk_create(
            [
                StageVisit(
                    deal=deal,
                    stage=deal.stage,
                    entered_at=deal.stage_changed_at or now,
                    entered_by=self.actor,
                )
                for deal in entering
            ],
            batch_size=WRITE_BATCH,
        )
        self.moved.clear()
        content_type = ContentType.objects.get_for_model(Deal)
        LifecycleEvent.objects.bulk_create(
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
            batch_size=WRITE_BATCH,
        )


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
