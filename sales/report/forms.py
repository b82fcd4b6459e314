"""The sales report's filters: the forecast's (months, whose deals, team) and a pipeline and a product."""

from __future__ import annotations

from django import forms

from sales.forecast.forms import ForecastForm
from sales.models import Pipeline, Product


class ReportForm(ForecastForm):
    pipeline = forms.ModelChoiceField(
        label="Pipeline", required=False, queryset=Pipeline.objects.filter(is_active=True), empty_label="All"
    )
    product = forms.ModelChoiceField(
        label="Product",
        required=False,
        queryset=Product.objects.filter(is_active=True).order_by("name", "pk"),
        empty_label="Any",
    )
    field_order = [*ForecastForm.field_order, "pipeline", "product"]
