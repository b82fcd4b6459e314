"""The deal import's columns: the fields a header maps to, how money and product cells read, and the
choice columns' values (stages, pipelines, lost reasons, products, types, currencies)."""

from __future__ import annotations

import re
from decimal import Decimal

from crm.customers.importing import ACCOUNT_REFERENCE
from crm.imports import cells
from crm.imports.keyed import RECORD_ID
from crm.imports.mapping import ImportField, ImportFields, external_id_fields
from crm.imports.values import Option, ValueSet
from sales.models import DealType, LostReason, Pipeline, Product, Stage, StageKind

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
SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR"}
PRODUCT_SEPARATORS = re.compile(r"[;\n|]")
QUANTITY = re.compile(r"^(?P<name>.*?)\s*(?:[x×*]\s*(?P<quantity>\d+(?:[.,]\d+)?))?$", re.IGNORECASE)


def read_money(value: str) -> tuple[Decimal, str]:
    """The amount and the currency its symbol or code names ("" when it names none)."""
    code = next((code for symbol, code in SYMBOLS.items() if symbol in value), "")
    if not code and (match := re.search(r"\b([A-Z]{3})\b", value)):
        code = match[1]
    return cells.amount(value), code


def read_products(value: str) -> list[tuple[str, Decimal]]:
    """ "Widget; Gadget x 2" -> [("Widget", 1), ("Gadget", 2)]."""
    items = []
    for part in PRODUCT_SEPARATORS.split(cells.unguarded(value)):
        match = QUANTITY.match(part.strip())
        if match and match["name"]:
            items.append((match["name"], Decimal((match["quantity"] or "1").replace(",", "."))))
    return items


def value_sets() -> dict[str, ValueSet]:
    """The deal's choice columns (the owner's is the kernel's); a stage names its pipeline when the
    active pipelines with stages are more than one."""
    stages = Stage.objects.select_related("pipeline").filter(pipeline__is_active=True)
    many_pipelines = len({stage.pipeline_id for stage in stages}) > 1
    products = Product.objects.filter(is_active=True).order_by("name")
    return {
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
            split=lambda cell: [name for name, _ in read_products(cell)],
        ),
        "type": ValueSet(
            "deal type",
            (Option(value, str(label), TYPE_ALIASES.get(value, ())) for value, label in DealType.choices),
        ),
        "currency": ValueSet(
            "currency", (Option(code, code, aliases) for code, aliases in CURRENCIES.items())
        ),
    }
