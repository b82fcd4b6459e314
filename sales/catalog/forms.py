"""The catalogue pages' forms: they parse input; sales.catalog.services checks the rules and writes."""

from __future__ import annotations

from typing import Any

from django import forms

from sales.models import Product, SalesSettings

ACTIVE_CHOICES = [("active", "Active"), ("inactive", "Inactive"), ("all", "All")]
NUMBER_ERRORS = {"invalid": "Enter a number, e.g. 1234.50."}


class ProductForm(forms.Form):
    sku = forms.CharField(label="SKU", max_length=64, help_text="Unique: the import matches products by it.")
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    product_line = forms.CharField(
        label="Product line",
        max_length=100,
        required=False,
        help_text="Chooses the onboarding checklist of the deals that sell it.",
    )
    unit_price = forms.DecimalField(
        label="Unit price",
        error_messages={**NUMBER_ERRORS, "required": "Enter the price (0 for a free product)."},
    )
    currency = forms.CharField(
        label="Currency",
        help_text="A 3-letter code such as EUR.",
        widget=forms.TextInput(attrs={"maxlength": 3, "autocapitalize": "characters"}),
    )
    tax_rate = forms.DecimalField(
        label="Tax rate (%)",
        initial=0,
        error_messages={**NUMBER_ERRORS, "required": "Enter the tax rate (0 to 100)."},
    )
    is_active = forms.BooleanField(
        label="Active", required=False, initial=True, help_text="Only active products can be added to deals."
    )

    def __init__(self, *args: Any, product: Product | None = None, **kwargs: Any) -> None:
        if product is not None:
            kwargs.setdefault("initial", {name: getattr(product, name) for name in self.base_fields})
        else:
            kwargs.setdefault("initial", {"currency": SalesSettings.current().default_currency})
        super().__init__(*args, **kwargs)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label="Search by name or SKU", required=False, max_length=100)
    active = forms.ChoiceField(label="Show", choices=ACTIVE_CHOICES, required=False, initial="active")

    def active_filter(self) -> bool | None:
        """True (active only, the default), False (inactive only) or None (all)."""
        value = self.cleaned_data.get("active") if self.is_valid() else ""
        return {"inactive": False, "all": None}.get(value or "active", True)

    def search(self) -> str:
        return str(self.cleaned_data.get("q") or "") if self.is_valid() else ""
