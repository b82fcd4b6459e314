"""The board's and the deal list's filters: OpportunityFilter as each page shows it, and the query strings
their links keep (filters and sort, without the page cursor)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django import forms
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict

from .filters import OpportunityFilter
from .forms import DATE_INPUT, stage_queryset
from .models import Opportunity, Stage

BOARD_FILTERS = ("q", "owner", "team", "close_period", "type")
# The page cursor of the list and the board's columns: a new filter or sort starts without it.
CURSOR_PARAMS = ("after", "before")
DEFAULT_SORT = "-created_at"
SORT_LABELS = {"name": "Name", "amount": "Amount", "close_date": "Close date", "created_at": "Created"}
# Deals without a close date sort after the dated ones in both directions (keyset pages need a value).
CLOSE_SORT = {
    "asc": Coalesce(F("close_date"), date(9999, 12, 31)),
    "desc": Coalesce(F("close_date"), date(1, 1, 1)),
}


def filter_query(data: QueryDict, names: Iterable[str] | None = None) -> QueryDict:
    """The filters (and sort) of a query string without its page cursor, optionally only `names`."""
    query = QueryDict(mutable=True)
    for name, values in data.lists():
        if name in CURSOR_PARAMS or (names is not None and name not in names):
            continue
        kept = [value for value in values if value.strip()]
        if kept:
            query.setlist(name, kept)
    return query


class BoardFilter(OpportunityFilter):
    """OpportunityFilter as the board uses it: the board itself decides the pipeline, stages and status."""

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(filter_query(data, BOARD_FILTERS) if data is not None else None, **kwargs)
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
        return filter_query(self.data, BOARD_FILTERS).urlencode() if self.data else ""

    @property
    def is_filtered(self) -> bool:
        return bool(self.query)


@dataclass(frozen=True)
class SortColumn:
    label: str
    query: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by this column


class DealListFilter(OpportunityFilter):
    """OpportunityFilter as the deal list shows it, with its keyset ordering."""

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

    @property
    def sort(self) -> str:
        """The `ordering` parameter in force, e.g. "-amount"."""
        value = self.data.get("ordering", "") if self.is_bound else ""
        return value if value.lstrip("-") in SORT_LABELS else DEFAULT_SORT

    def keyset_ordering(self) -> list[str]:
        key = self.sort.lstrip("-")
        prefix = "-" if self.sort.startswith("-") else ""
        return [f"{prefix}{'close_sort' if key == 'close_date' else key}"]

    def filter_queryset(self, queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
        if self.sort.lstrip("-") == "close_date":
            queryset = queryset.annotate(close_sort=CLOSE_SORT["desc" if self.sort[0] == "-" else "asc"])
        filtered: QuerySet[Opportunity] = super().filter_queryset(queryset)
        return filtered

    def sort_columns(self) -> dict[str, SortColumn]:
        """Each sortable column's link: ascending first, then descending; filters kept, page reset."""
        query = filter_query(self.data) if self.is_bound else QueryDict(mutable=True)
        columns = {}
        for key, label in SORT_LABELS.items():
            link = query.copy()
            if self.sort == key:
                link["ordering"], aria_sort = f"-{key}", "ascending"
            elif self.sort == f"-{key}":
                link["ordering"], aria_sort = key, "descending"
            else:
                link["ordering"], aria_sort = key, ""
            columns[key] = SortColumn(label, link.urlencode(), aria_sort)
        return columns

    @property
    def is_filtered(self) -> bool:
        query = filter_query(self.data) if self.is_bound else QueryDict()
        return any(name != "ordering" for name in query)


class PipelineStagesField(forms.ModelMultipleChoiceField):
    """Stages named with their pipeline: several pipelines may each have a "Demo"."""

    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.pipeline} · {obj.name}"
