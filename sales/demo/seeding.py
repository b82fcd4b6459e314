"""Demo selling for `make run`: a catalogue, a gated pipeline, a year of deals and what they led to.

About a hundred deals on the demo accounts: won and lost ones in each of the last twelve months, open
ones in every stage closing over the next six, some converted from the demo's qualified leads. Each has
the stage history (its visits, so the time in each stage reads true), the events, the activities its
exit criteria ask for (a demo meeting before the proposal) and product lines. Wins make customers,
start onboarding checklists (recent ones still under way, one item overdue) and, a year on, renewals;
quotas are set for every seller from a year back to six months ahead, so the forecast compares real
figures with them. Two accounts tell a story: Northwind renews and just bought more, Wayne Analytics
did not renew and churned. Deals are keyed by name: one that exists is left alone with its history.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from crm.demo.people import SELLERS
from crm.demo.writing import demo_clock, table
from crm.models import Account, ActivityKind, Contact, User
from sales.renewals.services import renewals_create_due

from ..models import (
    CriterionKind,
    Deal,
    DealStatus,
    ExitCriterion,
    LostReason,
    OnboardingRole,
    OnboardingTemplate,
    OnboardingTemplateItem,
    Pipeline,
    Product,
    Quota,
    RequiredField,
    RequiredRecord,
    SalesSettings,
    StageKind,
)
from .plan import DealBook, month_start, plan_book
from .writing import write_book

SALES_SEED = 1003

# sku | name | product line | unit price | tax rate
DEMO_PRODUCTS = table("""
PLT-START | Platform Starter (annual) | Platform | 6000.00 | 20
PLT-PRO | Platform Pro (annual) | Platform | 18000.00 | 20
PLT-ENT | Platform Enterprise (annual) | Platform | 48000.00 | 20
ADD-ANALYTICS | Analytics add-on (annual) | Platform | 4800.00 | 20
SUP-PREMIUM | Premium support (annual) | Support | 3600.00 | 20
SRV-IMPL | Implementation package | Services | 9500.00 | 20
SRV-TRAIN | Training day | Services | 1400.00 | 20
""")
# stage, kind, detail, label: what the default pipeline asks before a deal moves on.
DEMO_CRITERIA = [
    ("Discovery", CriterionKind.FIELD, RequiredField.AMOUNT, "Amount"),
    ("Demo", CriterionKind.ACTIVITY, ActivityKind.MEETING, "Demo held"),
    ("Demo", CriterionKind.RELATED, RequiredRecord.PRIMARY_CONTACT, "Primary contact"),
    ("Proposal", CriterionKind.RELATED, RequiredRecord.LINE_ITEM, "A product line"),
    ("Proposal", CriterionKind.FIELD, RequiredField.CLOSE_DATE, "Expected close date"),
]
# template, product line: (title, role, due days) ...
DEMO_ONBOARDING = {
    ("Platform onboarding", "Platform"): [
        ("Kick-off call with the customer", OnboardingRole.DEAL_OWNER, 2),
        ("Set up the workspace and SSO", OnboardingRole.SUPPORT_AGENT, 7),
        ("Admin training", OnboardingRole.ACCOUNT_OWNER, 14),
        ("30-day success review", OnboardingRole.OWNER_MANAGER, 30),
    ],
    ("Services kick-off", ""): [
        ("Kick-off call with the customer", OnboardingRole.DEAL_OWNER, 3),
        ("Plan the implementation", OnboardingRole.SUPPORT_AGENT, 10),
    ],
}


def seed_demo_sales(people: dict[str, User]) -> bool:
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:
        return False
    created = _seed_catalogue(pipeline)
    accounts = list(
        Account.objects.filter(owner__username__in=SELLERS)
        .select_related("owner__team__manager")
        .order_by("name")
    )
    if not accounts:
        return created
    stages = list(pipeline.stages.order_by("position", "id"))
    won = next((stage for stage in stages if stage.kind == StageKind.WON), None)
    lost = next((stage for stage in stages if stage.kind == StageKind.LOST), None)
    if won is None or lost is None or not any(stage.kind == StageKind.OPEN for stage in stages):
        return created  # an admin's pipeline without a way to win or lose: no book to tell
    book = DealBook(
        clock=demo_clock(),
        rng=random.Random(SALES_SEED),  # noqa: S311  (a fixed seed: the same book everywhere)
        people=people,
        stages=[stage for stage in stages if stage.kind == StageKind.OPEN],
        won=won,
        lost=lost,
        products={
            product.sku: product for product in Product.objects.filter(sku__in=[r[0] for r in DEMO_PRODUCTS])
        },
        reasons=list(LostReason.objects.filter(is_active=True).order_by("position", "id")),
        currency=SalesSettings.current().default_currency,
        contacts=defaultdict(list),
    )
    # The plan reads only what it does not write itself (not the contacts converted leads became), so
    # that a second seeding plans the same book and finds every deal of it written.
    people_at_accounts = Contact.objects.filter(account__in=accounts, converted_leads__isnull=True)
    for contact in people_at_accounts.order_by("created_at", "id"):
        book.contacts[contact.account_id or 0].append(contact)
    plan_book(book, accounts)
    taken = set(
        Deal.objects.filter(name__in=[d.deal.name for d in book.deals]).values_list("name", flat=True)
    )
    book.deals = [d for d in book.deals if d.deal.name not in taken]
    if not book.deals:
        return created
    write_book(book)
    _seed_quotas(book)
    renewals_create_due(today=book.clock.today)
    return True


def _seed_catalogue(pipeline: Pipeline) -> bool:
    """Products, the default pipeline's exit criteria and the onboarding templates, each once."""
    created = False
    for sku, name, line, price, tax in DEMO_PRODUCTS:
        _, is_new = Product.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "product_line": line,
                "unit_price": Decimal(price),
                "tax_rate": Decimal(tax),
            },
        )
        created = created or is_new
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    if not ExitCriterion.objects.filter(stage__pipeline=pipeline).exists():
        for stage_name, kind, detail, label in DEMO_CRITERIA:
            if stage_name in stages:
                detail_field = {"field": "field_name", "activity": "activity_kind", "related": "related"}[
                    kind
                ]
                extra = {"activity_subject": "demo"} if kind == CriterionKind.ACTIVITY else {}
                ExitCriterion.objects.create(
                    stage=stages[stage_name], kind=kind, label=label, **{detail_field: detail}, **extra
                )
                created = True
    for (name, line), items in DEMO_ONBOARDING.items():
        if OnboardingTemplate.objects.filter(name=name).exists():
            continue
        template = OnboardingTemplate.objects.create(name=name, product_line=line)
        for position, (title, role, days) in enumerate(items):
            OnboardingTemplateItem.objects.create(
                template=template, title=title, role=role, due_offset_days=days, position=position
            )
        created = True
    return created


def _seed_quotas(book: DealBook) -> None:
    """Each seller's monthly quota, a year back and six months ahead: a bit above what they usually win."""
    won: dict[int, Decimal] = defaultdict(Decimal)
    since = book.clock.now - timedelta(days=365)
    for planned in book.deals:
        deal = planned.deal
        if deal.status == DealStatus.WON and deal.closed_at and deal.closed_at >= since:
            won[deal.owner.pk] += deal.amount
    people, month = book.people, month_start(book.clock.today, 0)
    quotas = []
    for username in SELLERS:
        person = people[username]
        amount = max(
            Decimal(10000), (won[person.pk] / 12 * Decimal("1.25") / 5000).quantize(Decimal(1)) * 5000
        )
        manager = person.team.manager if person.team and person.team.manager != person else None
        for offset in range(-12, 7):
            quotas.append(
                Quota(
                    user=person,
                    period=month_start(month, offset),
                    amount=amount,
                    set_by=manager or people["admin"],
                )
            )
    Quota.objects.bulk_create(quotas, ignore_conflicts=True)
