"""The product catalogue that deals' line items are priced from."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from crm.models.external import ExternallyKeyed, external_key_constraint


class Product(ExternallyKeyed):
    """A catalogue entry; its external id is its key in the system it was imported from."""

    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Onboarding templates are chosen by product line ("Platform", "Services" ...).
    product_line = models.CharField("product line", max_length=100, blank=True)
    unit_price = models.DecimalField(
        "unit price", max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3, default="EUR")
    tax_rate = models.DecimalField(
        "tax rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="product_tax_rate_percent"
            ),
            external_key_constraint("product_external_key"),
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="product_active_name", condition=Q(is_active=True)),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="product_name_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"
