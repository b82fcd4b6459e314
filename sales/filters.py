"""The deal FilterSet shared by the board, the deal list and GET /api/v1/deals/, and the board's
and the deal list's filters as each page shows it."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, cast

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone

from crm.lists.filters import IdFilter, match_terms
from crm.lists.sorting import KeysetSorting, list_query
from crm.models import Team, User
from sales.forms import DATE_INPUT, stage_queryset
from sales.models import Deal, DealStatus, DealType, ForecastCategory, Pipeline, Stage

CLOSE_PERIODS = [
    ("overdue", "Overdue"),
    ("this_month", "This month"),
    ("next_month", "Next month"),
    ("this_quarter", "This quarter"),
    ("next_quarter", "Next quarter"),
    ("this_year", "This year"),
]


def _month_start(day: date, months_ahead: int = 0) -> date:
    month = day.month - 1 + months_ahead
    return date(day.year + month // 12, month % 12 + 1, 1)


def close_period_range(period: str, today: date | None = None) -> tuple[date | None, date | None]:
    """[start, end) of a named close period, relative to today."""
    today = today or timezone.localdate()
    quarter_start = _month_start(today, -((today.month - 1) % 3))
    ranges: dict[str, tuple[date | None, date | None]] = {
        "overdue": (None, today),
        "this_month": (_month_start(today), _month_start(today, 1)),
        "next_month": (_month_start(today, 1), _month_start(today, 2)),
        "this_quarter": (quarter_start, _month_start(quarter_start, 3)),
        "next_quarter": (_month_start(quarter_start, 3), _month_start(quarter_start, 6)),
        "this_year": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
    }
    return ranges.get(period, (None, None))


class DealFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    pipeline = django_filters.ModelChoiceFilter(label="Pipeline", queryset=Pipeline.objects.all())
    # distinct=False: these are columns of the deal itself, and DISTINCT would sort the whole result.
    stage = django_filters.ModelMultipleChoiceFilter(
        label="Stage", queryset=Stage.objects.all(), distinct=False
    )
    status = django_filters.MultipleChoiceFilter(label="Status", choices=DealStatus.choices, distinct=False)
    type = django_filters.MultipleChoiceFilter(label="Type", choices=DealType.choices, distinct=False)
    forecast_category = django_filters.MultipleChoiceFilter(
        label="Forecast category", choices=ForecastCategory.choices, distinct=False
    )
    owner = django_filters.ModelChoiceFilter(label="Owner", queryset=User.objects.filter(is_active=True))
    team = django_filters.ModelChoiceFilter(label="Team", queryset=Team.objects.all(), method="in_team")
    account = IdFilter(label="Account", field_name="account_id")
    close_period = django_filters.ChoiceFilter(label="Closing", choices=CLOSE_PERIODS, method="closing_in")
    close_after = django_filters.DateFilter(label="Closing from", field_name="close_date", lookup_expr="gte")
    close_before = django_filters.DateFilter(label="Closing to", field_name="close_date", lookup_expr="lte")
    amount_min = django_filters.NumberFilter(label="Amount from", field_name="amount", lookup_expr="gte")
    ordering = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("created_at", "created_at"),
            ("close_date", "close_date"),
            ("amount", "amount"),
            ("name", "name"),
        ),
        field_labels={
            "created_at": "Created",
            "close_date": "Close date",
            "amount": "Amount",
            "name": "Name",
        },
    )

    class Meta:
        model = Deal
        fields = [
            "q",
            "pipeline",
            "stage",
            "status",
            "type",
            "forecast_category",
            "owner",
            "team",
            "account",
            "close_period",
            "close_after",
            "close_before",
            "amount_min",
        ]

    def search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return match_terms(queryset, ["name", "account__name"], value)

    def in_team(self, queryset: QuerySet[Deal], name: str, value: Team) -> QuerySet[Deal]:
        # Owner ids, not a join to the owner: the owner-leading indexes serve it (see crm.access).
        return queryset.filter(owner_id__in=User.objects.filter(team=value).values("pk"))

    def closing_in(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        start, end = close_period_range(value)
        condition = Q()
        if start is not None:
            condition &= Q(close_date__gte=start)
        if end is not None:
            condition &= Q(close_date__lt=end)
        if value == "overdue":
            condition &= Q(status=DealStatus.OPEN)
        return queryset.filter(condition)


BOARD_FILTERS = ("q", "owner", "team", "close_period", "type")


class BoardFilter(DealFilter):
    """DealFilter as the board uses it: the board itself decides the pipeline, stages and status."""

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(list_query(data, BOARD_FILTERS) if data is not None else None, **kwargs)
        for name in list(self.filters):
            if name not in BOARD_FILTERS:
                del self.filters[name]
        fields = self.form.fields
        fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        fields["type"].widget = forms.CheckboxSelectMultiple(choices=fields["type"].choices)
        cast(forms.ModelChoiceField, fields["owner"]).empty_label = "Anyone"
        cast(forms.ModelChoiceField, fields["team"]).empty_label = "Any team"
        fields["close_period"].widget.choices = [("", "Any time"), *fields["close_period"].choices[1:]]

    @property
    def query(self) -> str:
        return list_query(self.data, BOARD_FILTERS).urlencode() if self.data else ""

    @property
    def is_filtered(self) -> bool:
        return bool(self.query)


class DealListFilter(KeysetSorting, DealFilter):
    """DealFilter as the deal list shows it, with its keyset ordering."""

    sorts: ClassVar = {
        "name": ("Name", ("name",)),
        "amount": ("Amount", ("amount",)),
        "close_date": ("Close date", ("close_sort",)),
        "created_at": ("Created", ("created_at",)),
    }
    default_sort = "-created_at"
    # Deals without a close date sort after the dated ones in both directions.
    sort_annotations: ClassVar = {
        "close_sort": (
            Coalesce(F("close_date"), date(9999, 12, 31)),
            Coalesce(F("close_date"), date(1, 1, 1)),
        )
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        for name in ("status", "type", "forecast_category"):
            fields[name].widget = forms.CheckboxSelectMultiple(choices=fields[name].choices)
        for name in ("close_after", "close_before"):
            fields[name].widget = forms.DateInput(attrs=DATE_INPUT)
        cast(forms.ModelChoiceField, fields["owner"]).empty_label = "Anyone"
        cast(forms.ModelChoiceField, fields["team"]).empty_label = "Any team"
        cast(forms.ModelChoiceField, fields["pipeline"]).empty_label = "Any pipeline"
        fields["stage"] = PipelineStagesField(
            label=fields["stage"].label, queryset=stage_queryset(), required=False
        )
        del fields["ordering"]  # the column headers sort
        fields["account"].widget = forms.HiddenInput()  # set by the account page's link, not typed in


class PipelineStagesField(forms.ModelMultipleChoiceField):
    """Stages named with their pipeline: several pipelines may each have a "Demo"."""

    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.pipeline} · {obj.name}"
