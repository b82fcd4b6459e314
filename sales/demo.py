"""Demo selling for `make run`: a catalogue, a gated pipeline, deals on the demo accounts, a won
customer in onboarding whose contract comes up for renewal, quotas, and a lead ready to convert."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from crm.models import Account, ActivityKind, Contact, User
from crm.services.timeline import activity_log

from .models import (
    CriterionKind,
    ExitCriterion,
    OnboardingRole,
    OnboardingTemplate,
    OnboardingTemplateItem,
    Opportunity,
    Pipeline,
    Product,
    Quota,
    RequiredField,
    RequiredRecord,
)
from .services import opportunity_create, opportunity_line_add, opportunity_move, opportunity_update

# sku, name, product line, unit price, tax rate
DEMO_PRODUCTS = [
    ("PLT-START", "Platform Starter (annual)", "Platform", "6000.00", "20"),
    ("PLT-PRO", "Platform Pro (annual)", "Platform", "18000.00", "20"),
    ("PLT-ENT", "Platform Enterprise (annual)", "Platform", "48000.00", "20"),
    ("SRV-IMPL", "Implementation package", "Services", "9500.00", "20"),
    ("SRV-TRAIN", "Training day", "Services", "1400.00", "20"),
]

# stage, kind, detail, label: what the default pipeline asks before a deal moves on.
DEMO_CRITERIA = [
    ("Discovery", CriterionKind.FIELD, RequiredField.AMOUNT, "Amount"),
    ("Demo", CriterionKind.ACTIVITY, ActivityKind.MEETING, "Demo held"),
    ("Demo", CriterionKind.RELATED, RequiredRecord.PRIMARY_CONTACT, "Primary contact"),
    ("Proposal", CriterionKind.RELATED, RequiredRecord.LINE_ITEM, "A product line"),
    ("Proposal", CriterionKind.FIELD, RequiredField.CLOSE_DATE, "Expected close date"),
]

# title, role, due days
DEMO_ONBOARDING = [
    ("Kick-off call with the customer", OnboardingRole.DEAL_OWNER, 2),
    ("Set up the workspace and SSO", OnboardingRole.SUPPORT_AGENT, 7),
    ("Admin training", OnboardingRole.ACCOUNT_OWNER, 14),
    ("30-day success review", OnboardingRole.OWNER_MANAGER, 30),
]

# account domain, deal name, owner, stage to reach, amount, close in days, product sku
DEMO_DEALS = [
    ("globex.example", "Globex: Platform Pro", "rep", "Discovery", "18000", 40, None),
    ("initech.example", "Initech: Starter rollout", "rep", "Demo", "6000", 25, None),
    ("umbrella-health.example", "Umbrella Health: Enterprise", "alex", "Proposal", None, 60, "PLT-ENT"),
    ("soylent.example", "Soylent Foods: Starter", "sam", "Qualification", "6000", 75, None),
    ("cyberdyne.example", "Cyberdyne: Platform Pro", "west", "Negotiation", None, 20, "PLT-PRO"),
]


def seed_demo_sales(people: dict[str, User]) -> bool:
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None or Product.objects.filter(sku="PLT-START").exists():
        return False
    for code, title, line, price, tax in DEMO_PRODUCTS:
        Product.objects.create(
            sku=code, name=title, product_line=line, unit_price=Decimal(price), tax_rate=Decimal(tax)
        )
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    for stage_name, kind, detail, label in DEMO_CRITERIA:
        if stage_name in stages:
            detail_field = {"field": "field_name", "activity": "activity_kind", "related": "related"}[kind]
            extra = {"activity_subject": "demo"} if kind == CriterionKind.ACTIVITY else {}
            ExitCriterion.objects.create(
                stage=stages[stage_name], kind=kind, label=label, **{detail_field: detail}, **extra
            )
    template = OnboardingTemplate.objects.create(name="Platform onboarding", product_line="Platform")
    for position, (title, role, days) in enumerate(DEMO_ONBOARDING):
        OnboardingTemplateItem.objects.create(
            template=template, title=title, role=role, due_offset_days=days, position=position
        )
    for domain, name, owner, stage_name, amount, days, sku in DEMO_DEALS:
        account = Account.objects.filter(domain=domain).first()
        if account is not None and stage_name in stages:
            _demo_deal(people[owner], account, name, stages[stage_name].pk, amount, days, sku)
    _demo_customer(people["rep"])
    _demo_quotas(people)
    return True


def _demo_deal(
    owner: User, account: Account, name: str, stage_id: int, amount: str | None, days: int, sku: str | None
) -> Opportunity:
    contact = Contact.objects.filter(account=account).order_by("id").first()
    deal = opportunity_create(
        actor=owner,
        fields={
            "name": name,
            "account": account,
            "owner": owner,
            "primary_contact": contact,
            "amount": Decimal(amount or 0),
            "close_date": timezone.localdate() + timedelta(days=days),
            "next_step": "Send the proposal" if sku else "Book the demo",
            "next_step_due": timezone.localdate() + timedelta(days=3),
        },
    )
    if sku:
        opportunity_line_add(actor=owner, opportunity_id=deal.pk, product=Product.objects.get(sku=sku))
    if contact is not None:
        activity_log(actor=owner, target=deal, kind=ActivityKind.MEETING, subject="Product demo")
    opportunity_move(actor=owner, opportunity_id=deal.pk, stage_id=stage_id)
    return deal


def _demo_customer(rep: User) -> None:
    """Northwind bought Platform Pro last year: onboarding under way, renewal coming up."""
    account = Account.objects.filter(domain="northwind.example").first()
    pipeline = Pipeline.objects.get(is_default=True)
    if account is None:
        return
    won_stage = pipeline.stages.get(kind="won")
    deal = _demo_deal(
        rep,
        account,
        "Northwind: Platform Pro",
        pipeline.stages.get(name="Negotiation").pk,
        None,
        5,
        "PLT-PRO",
    )
    today = timezone.localdate()
    opportunity_update(
        actor=rep,
        opportunity_id=deal.pk,
        fields={"contract_start": today - timedelta(days=300), "contract_end": today + timedelta(days=65)},
    )
    opportunity_move(actor=rep, opportunity_id=deal.pk, stage_id=won_stage.pk)


def _demo_quotas(people: dict[str, User]) -> None:
    month = timezone.localdate().replace(day=1)
    for offset in range(3):
        period = (month + timedelta(days=32 * offset)).replace(day=1)
        for username, amount in [("rep", "30000"), ("alex", "30000"), ("sam", "25000")]:
            Quota.objects.get_or_create(
                user=people[username],
                period=period,
                defaults={"amount": Decimal(amount), "set_by": people["manager"]},
            )
