"""Deals: what is being sold to which account, where it stands, and how it got there."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from crm.models.external import ExternallyKeyed, external_key_constraint

from .pipelines import LostReason, Pipeline, Stage
from .products import Product


class DealType(models.TextChoices):
    NEW_BUSINESS = "new_business", "New business"
    UPSELL = "upsell", "Upsell"
    CROSS_SELL = "cross_sell", "Cross-sell"
    RENEWAL = "renewal", "Renewal"


class DealStatus(models.TextChoices):
    """Follows the stage's kind; kept on the deal so that lists and the forecast filter by index."""

    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", "Pipeline"
    BEST_CASE = "best_case", "Best case"
    COMMIT = "commit", "Commit"
    OMITTED = "omitted", "Omitted"


class Deal(ExternallyKeyed):
    name = models.CharField(max_length=200)
    # A deal may exist without an account, as in Salesforce and HubSpot; an admin can require one from a
    # stage on with an exit criterion (RequiredField.ACCOUNT).
    account = models.ForeignKey(
        "crm.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    primary_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    status = models.CharField(max_length=10, choices=DealStatus.choices, default=DealStatus.OPEN)
    # With line items the amount is their sum (the services keep it so); without, it is typed in.
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3, default="EUR")
    close_date = models.DateField("expected close date", null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals")
    type = models.CharField(max_length=20, choices=DealType.choices, default=DealType.NEW_BUSINESS)
    forecast_category = models.CharField(
        "forecast category",
        max_length=20,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    source_lead = models.OneToOneField(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="deal"
    )
    next_step = models.CharField("next step", max_length=200, blank=True)
    next_step_due = models.DateField("next step due", null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason, null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    lost_note = models.CharField("why it was lost", max_length=300, blank=True)
    # When the deal was won or lost, apart from when it was expected to close (close_date, kept as the
    # rep planned it): the forecast's "won in a month" and the board's recent wins and losses read this.
    closed_at = models.DateTimeField("closed", null=True, blank=True)
    contract_start = models.DateField("contract start", null=True, blank=True)
    contract_end = models.DateField("contract end", null=True, blank=True)
    # A renewal points at the won deal it renews; one renewal per deal, however often the job runs.
    renewal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewal"
    )
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    # Not auto_now_add: an imported deal keeps the date it was created in the system it comes from.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    activities = GenericRelation("crm.Activity")
    tasks = GenericRelation("crm.Task")
    events = GenericRelation("crm.LifecycleEvent")
    history = HistoricalRecords(excluded_fields=["updated_at", "stage_changed_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            external_key_constraint("deal_external_key"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(condition=Q(status__in=DealStatus.values), name="deal_status_known"),
            models.CheckConstraint(
                condition=~Q(status=DealStatus.LOST) | Q(lost_reason__isnull=False),
                name="deal_lost_has_reason",
                violation_error_message="Choose why the deal was lost.",
            ),
            models.CheckConstraint(
                condition=Q(status=DealStatus.OPEN) | Q(closed_at__isnull=False),
                name="deal_closed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gte=F("contract_start")),
                name="deal_contract_ends_after_start",
                violation_error_message="The contract must end after it starts.",
            ),
        ]
        indexes = [
            # The board: one pipeline's open deals per stage, newest first, and its column sums.
            models.Index(
                fields=["stage", "-created_at", "-id"],
                name="deal_stage_recent",
                condition=Q(status="open"),
            ),
            # The forecast's sums for a rep or a team, read from the index alone (no heap fetch per deal).
            models.Index(
                fields=["owner", "status", "close_date"],
                include=["amount", "currency", "forecast_category", "stage", "id"],
                name="deal_owner_status",
            ),
            # The board's column totals for a rep or a team (owner = ANY(...)), read from the index alone.
            models.Index(
                fields=["owner", "stage"],
                include=["status", "closed_at", "amount", "currency"],
                name="deal_owner_board",
            ),
            # The forecast's wins by the month they were won, for a rep or a team, from the index alone.
            models.Index(
                fields=["owner", "closed_at"],
                include=["amount", "currency"],
                name="deal_owner_won",
                condition=Q(status="won"),
            ),
            models.Index(fields=["-created_at", "-id"], name="deal_recent"),
            # The deal list sorted by amount, either way (a backward scan), and its keyset pages.
            models.Index(fields=["amount", "id"], name="deal_amount"),
            models.Index(fields=["status", "close_date", "id"], name="deal_status_close"),
            # The board's won and lost columns: the deals closed lately.
            models.Index(fields=["status", "closed_at", "id"], name="deal_status_closed"),
            models.Index(fields=["account", "-created_at"], name="deal_account"),
            # The accounts and contacts a user reads through their deals (crm.access.share_parent), from
            # the index alone.
            models.Index(fields=["owner"], include=["account", "primary_contact"], name="deal_owner_parents"),
            models.Index(
                fields=["contract_end"],
                name="deal_renewal_due",
                condition=Q(status="won", contract_end__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:deal-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == DealStatus.OPEN

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.stage.probability / 100).quantize(Decimal("0.01"))


class DealLine(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lines")
    quantity = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit_price = models.DecimalField(
        "unit price", max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    discount = models.DecimalField(
        "discount (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["deal", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__gte=0, discount__lte=100), name="line_discount_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product}"

    @property
    def total(self) -> Decimal:
        return line_total(self.quantity, self.unit_price, self.discount)


def line_total(quantity: Decimal, unit_price: Decimal, discount: Decimal) -> Decimal:
    return (quantity * unit_price * (100 - discount) / 100).quantize(Decimal("0.01"))


class StageVisit(models.Model):
    """A deal's stay in one stage: the stage history, and the time spent in every stage."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_visits")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="visits")
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["deal", "entered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal"], condition=Q(left_at__isnull=True), name="stage_visit_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal} in {self.stage}"
