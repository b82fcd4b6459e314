"""Leads: people and companies that might buy, from first capture to qualification or conversion."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from simple_history.models import HistoricalRecords

from crm.models.external import ExternallyKeyed, external_key_constraint


class LeadSource(models.TextChoices):
    MANUAL = "manual", "Manual entry"
    IMPORT = "import", "Import"
    WEB_FORM = "web_form", "Web form"
    API = "api", "API"
    CAMPAIGN = "campaign", "Campaign"
    REFERRAL = "referral", "Referral"


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    WORKING = "working", "Working"
    NURTURING = "nurturing", "Nurturing"
    QUALIFIED = "qualified", "Qualified"
    DISQUALIFIED = "disqualified", "Disqualified"
    CONVERTED = "converted", "Converted"


# Which status a lead may move to from each status. Converted is final: conversion (the sales app)
# is the only way in, and nothing leads out.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    LeadStatus.NEW: frozenset(
        {LeadStatus.WORKING, LeadStatus.NURTURING, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}
    ),
    LeadStatus.WORKING: frozenset(
        {LeadStatus.NEW, LeadStatus.NURTURING, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}
    ),
    LeadStatus.NURTURING: frozenset({LeadStatus.WORKING, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}),
    LeadStatus.QUALIFIED: frozenset(
        {LeadStatus.WORKING, LeadStatus.NURTURING, LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED}
    ),
    LeadStatus.DISQUALIFIED: frozenset({LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.NURTURING}),
    LeadStatus.CONVERTED: frozenset(),
}


class Authority(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    USER = "user", "End user"
    INFLUENCER = "influencer", "Influencer"
    DECISION_MAKER = "decision_maker", "Decision maker"


class PurchaseTimeline(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    THIS_QUARTER = "this_quarter", "This quarter"
    NEXT_QUARTER = "next_quarter", "Next quarter"
    THIS_YEAR = "this_year", "This year"
    LATER = "later", "Later"


# Who the lead is: the person and company fields every capture path (form, import, web form, API) fills.
IDENTITY_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "website",
    "industry",
    "employee_count",
    "country",
)

# The fields marketers own, in the order forms, the API and the export show them: marketers may change
# these on any lead, and nothing else.
MARKETING_FIELD_ORDER = (
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "tags",
)
MARKETING_FIELDS = frozenset(MARKETING_FIELD_ORDER)


class Lead(ExternallyKeyed):
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    company = models.CharField(max_length=200, blank=True)
    title = models.CharField("job title", max_length=120, blank=True)
    website = models.URLField(max_length=300, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField("employees", null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)

    source = models.CharField(max_length=20, choices=LeadSource.choices, default=LeadSource.MANUAL)
    utm_source = models.CharField("UTM source", max_length=200, blank=True)
    utm_medium = models.CharField("UTM medium", max_length=200, blank=True)
    utm_campaign = models.CharField("UTM campaign", max_length=200, blank=True)
    utm_term = models.CharField("UTM term", max_length=200, blank=True)
    utm_content = models.CharField("UTM content", max_length=200, blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)

    status = models.CharField(max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    disqualified_reason = models.CharField("reason for disqualifying", max_length=300, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    authority = models.CharField(max_length=20, choices=Authority.choices, default=Authority.UNKNOWN)
    need = models.TextField(blank=True)
    timeline = models.CharField(
        "purchase timeline", max_length=20, choices=PurchaseTimeline.choices, default=PurchaseTimeline.UNKNOWN
    )

    # No owner: the lead waits in its team's queue, or the default queue when it has no team either.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    team = models.ForeignKey(
        "crm.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    score = models.IntegerField(default=0)
    sales_ready_at = models.DateTimeField(null=True, blank=True)
    web_form = models.ForeignKey(
        "leads.WebForm", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    # The first-touch timer: started on assignment, stopped by the owner's first activity on the lead.
    first_touch_due_at = models.DateTimeField(null=True, blank=True)
    first_touched_at = models.DateTimeField(null=True, blank=True)
    first_touch_alerted_at = models.DateTimeField(null=True, blank=True)

    # What the lead became (the deal, if any, points back at it as its source lead).
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_account = models.ForeignKey(
        "crm.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="converted_leads"
    )
    converted_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="converted_leads"
    )

    # Normalised by the services for duplicate matching: lower-cased email, digits-only phone.
    email_normalized = models.CharField(max_length=254, blank=True, editable=False)
    phone_normalized = models.CharField(max_length=32, blank=True, editable=False)
    # When a worker last stored the lead's likely duplicates (leads.dedupe.checking); empty while a
    # check is due: a new lead, or a change to a field the match reads.
    duplicates_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    activities = GenericRelation("crm.Activity")
    tasks = GenericRelation("crm.Task")
    events = GenericRelation("crm.LifecycleEvent")
    history = HistoricalRecords(
        excluded_fields=[
            "email_normalized",
            "phone_normalized",
            "duplicates_checked_at",
            "updated_at",
            "first_touch_due_at",
            "first_touched_at",
            "first_touch_alerted_at",
        ]
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            external_key_constraint("lead_external_key"),
            models.CheckConstraint(
                condition=~Q(status=LeadStatus.DISQUALIFIED) | ~Q(disqualified_reason=""),
                name="lead_disqualified_has_reason",
                violation_error_message="Say why the lead is disqualified.",
            ),
            models.CheckConstraint(
                condition=~Q(first_name="", last_name="", email="", company=""),
                name="lead_has_a_name_email_or_company",
                violation_error_message="A lead needs at least a name, an email address or a company.",
            ),
            models.CheckConstraint(condition=Q(status__in=LeadStatus.values), name="lead_status_known"),
            models.CheckConstraint(
                condition=Q(status=LeadStatus.CONVERTED, converted_at__isnull=False)
                | (~Q(status=LeadStatus.CONVERTED) & Q(converted_at__isnull=True)),
                name="lead_converted_has_conversion",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="lead_recent"),
            models.Index(fields=["owner", "-created_at", "-id"], name="lead_owner_recent"),
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_recent"),
            models.Index(fields=["-score", "-id"], name="lead_score"),
            # The name and company sorts of the list and the export, on keyset pages.
            models.Index(fields=["last_name", "first_name", "id"], name="lead_name_sort"),
            models.Index(fields=["company", "id"], name="lead_company_sort"),
            models.Index(
                fields=["team", "-created_at", "-id"], name="lead_team_queue", condition=Q(owner__isnull=True)
            ),
            models.Index(
                fields=["email_normalized"], name="lead_email_normalized", condition=~Q(email_normalized="")
            ),
            models.Index(
                fields=["phone_normalized"], name="lead_phone_normalized", condition=~Q(phone_normalized="")
            ),
            # The leads whose duplicate check is due, for the worker's periodic pass.
            models.Index(
                fields=["id"],
                name="lead_duplicates_unchecked",
                condition=Q(duplicates_checked_at__isnull=True),
            ),
            models.Index(
                fields=["first_touch_due_at"],
                name="lead_first_touch_due",
                condition=Q(first_touched_at__isnull=True, first_touch_alerted_at__isnull=True),
            ),
            # The accounts and contacts a user reads through the converted leads they may see
            # (crm.access.share_parent), from the index alone: few leads per user are converted.
            models.Index(
                fields=["owner", "team"],
                include=["converted_account", "converted_contact"],
                name="lead_converted_parents",
                condition=Q(converted_account__isnull=False),
            ),
            GinIndex(fields=["tags"], name="lead_tags"),
            # Trigram indexes serve the free-text search (ILIKE '%term%') on names, company and email.
            GinIndex(OpClass(Upper("first_name"), name="gin_trgm_ops"), name="lead_first_name_trgm"),
            GinIndex(OpClass(Upper("last_name"), name="gin_trgm_ops"), name="lead_last_name_trgm"),
            GinIndex(OpClass(Upper("company"), name="gin_trgm_ops"), name="lead_company_trgm"),
            GinIndex(OpClass(Upper("email"), name="gin_trgm_ops"), name="lead_email_trgm"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email or self.company

    @property
    def is_converted(self) -> bool:
        return self.status == LeadStatus.CONVERTED
