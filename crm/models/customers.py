from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from simple_history.models import HistoricalRecords

from .external import ExternallyKeyed, external_key_constraint


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    CUSTOMER = "customer", "Customer"
    CHURNED = "churned", "Churned"


class CompanySize(models.TextChoices):
    MICRO = "1-10", "1-10 employees"
    SMALL = "11-50", "11-50 employees"
    MEDIUM = "51-200", "51-200 employees"
    LARGE = "201-1000", "201-1,000 employees"
    ENTERPRISE = "1001-5000", "1,001-5,000 employees"
    HUGE = "5000+", "5,000+ employees"


class ConsentStatus(models.TextChoices):
    UNKNOWN = "unknown", "Not asked"
    GRANTED = "granted", "Granted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Account(ExternallyKeyed):
    """A company the business sells to, from first touch to churn."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, help_text="Web domain, e.g. example.com")
    industry = models.CharField(max_length=100, blank=True)
    size = models.CharField(max_length=20, choices=CompanySize.choices, blank=True)
    employee_count = models.PositiveIntegerField("employees", null=True, blank=True)
    annual_revenue = models.DecimalField(
        "annual revenue",
        max_digits=15,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    year_founded = models.PositiveSmallIntegerField(
        "year founded", null=True, blank=True, validators=[MinValueValidator(1000), MaxValueValidator(2999)]
    )
    # The group a subsidiary belongs to, as in Salesforce and HubSpot: how the customer is organised;
    # it shares no access.
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subsidiaries",
        verbose_name="parent account",
    )
    billing_street = models.CharField("billing street", max_length=200, blank=True)
    billing_city = models.CharField("billing city", max_length=100, blank=True)
    billing_postal_code = models.CharField("billing postal code", max_length=20, blank=True)
    billing_region = models.CharField("billing region", max_length=100, blank=True)
    billing_country = models.CharField("billing country", max_length=100, blank=True)
    shipping_street = models.CharField("shipping street", max_length=200, blank=True)
    shipping_city = models.CharField("shipping city", max_length=100, blank=True)
    shipping_postal_code = models.CharField("shipping postal code", max_length=20, blank=True)
    shipping_region = models.CharField("shipping region", max_length=100, blank=True)
    shipping_country = models.CharField("shipping country", max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    lifecycle_stage = models.CharField(
        max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.PROSPECT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Deleting the record deletes its timeline with it (the audit history keeps the deletion).
    activities = GenericRelation("crm.Activity")
    tasks = GenericRelation("crm.Task")
    events = GenericRelation("crm.LifecycleEvent")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=~models.Q(domain=""),
                name="account_domain_unique",
                violation_error_message="Another account already uses this domain.",
            ),
            external_key_constraint("account_external_key"),
        ]
        indexes = [
            models.Index(fields=["owner", "name", "id"], name="account_owner_name"),
            models.Index(fields=["name", "id"], name="account_name"),
            # An import names accounts in any case: a chunk's thousand names, one index probe each.
            models.Index(Upper("name"), name="account_name_upper"),
            models.Index(fields=["-updated_at", "id"], name="account_recent"),
            # Trigram indexes serve the search (ILIKE '%term%') of the list and the account pickers.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="account_name_trgm"),
            GinIndex(OpClass(Upper("domain"), name="gin_trgm_ops"), name="account_domain_trgm"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("account-detail", args=[self.pk])

    def clean(self) -> None:
        # Domains are case-insensitive: store them lowercased so the unique constraint sees duplicates.
        self.domain = self.domain.strip().lower()
        if self.pk is not None and self.parent_id is not None and self._ancestor_ids() & {self.pk}:
            raise ValidationError(
                {"parent": "An account cannot belong to itself, nor to one of its own subsidiaries."}
            )

    def _ancestor_ids(self, most: int = 50) -> set[int]:
        """The parent, its parent and so on (a chain of groups is short; `most` bounds a broken one)."""
        ids: set[int] = set()
        parent_id = self.parent_id
        while parent_id is not None and parent_id not in ids and len(ids) < most:
            ids.add(parent_id)
            parent_id = Account.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
        return ids


class Contact(ExternallyKeyed):
    """A person at (or without) an account."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    title = models.CharField("job title", max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email_consent = models.CharField(
        "email consent", max_length=20, choices=ConsentStatus.choices, default=ConsentStatus.UNKNOWN
    )
    phone_consent = models.CharField(
        "phone consent", max_length=20, choices=ConsentStatus.choices, default=ConsentStatus.UNKNOWN
    )
    consent_changed_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Deleting the record deletes its timeline with it (the audit history keeps the deletion).
    activities = GenericRelation("crm.Activity")
    tasks = GenericRelation("crm.Task")
    events = GenericRelation("crm.LifecycleEvent")
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [external_key_constraint("contact_external_key")]
        indexes = [
            models.Index(fields=["owner", "last_name", "id"], name="contact_owner_name"),
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name"),
            models.Index(Lower("email"), name="contact_email_lower"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("contact-detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
