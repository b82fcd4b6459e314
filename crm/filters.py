"""FilterSets shared by the HTML lists and the API lists of accounts, contacts, tasks and activities, and
the HTML lists' keyset sorting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from crm.models import (
    Account,
    Activity,
    ActivityKind,
    CompanySize,
    ConsentStatus,
    Contact,
    LifecycleStage,
    Task,
    User,
)

# Filters that refuse what they cannot apply (a 400 naming the parameter) instead of ignoring it or
# handing PostgreSQL a value it rejects (a 500).

MAX_ID = 2**63 - 1  # PostgreSQL's bigint


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A record's id: a whole number (`1.5` is refused, not rounded)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field({"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1})
class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=-(2**31), max_value=2**31 - 1, **kwargs)


class StrictBooleanField(forms.Field):
    """true/false (or 1/0, yes/no); anything else is an error, not "no filter"."""

    words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self.words[str(value).strip().lower()]
        except KeyError:
            raise ValidationError("Enter true or false.", code="invalid") from None


@extend_schema_field({"type": "boolean"})
class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with any offset Python accepts, turned to UTC: PostgreSQL refuses offsets
    beyond ±15:59, and a time at the edge of the calendar that has no UTC equivalent is an error."""

    def to_python(self, value: Any) -> datetime | None:
        parsed: datetime | None = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(
                "Enter a date and time between the years 1 and 9999.", code="invalid"
            ) from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


def match_terms(queryset: QuerySet, fields: list[str], value: str) -> QuerySet:
    """Rows where every word of `value` appears in at least one of `fields` (case-insensitive)."""
    condition = Q()
    for term in value.split():
        term_condition = Q()
        for field in fields:
            term_condition |= Q(**{f"{field}__icontains": term})
        condition &= term_condition
    return queryset.filter(condition)


class AccountFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    lifecycle_stage = django_filters.ChoiceFilter(label="Lifecycle stage", choices=LifecycleStage.choices)
    size = django_filters.ChoiceFilter(label="Company size", choices=CompanySize.choices)
    industry = django_filters.CharFilter(label="Industry", lookup_expr="iexact")
    owner = django_filters.ModelChoiceFilter(label="Owner", queryset=User.objects.filter(is_active=True))
    ordering = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("name", "name"),
            ("industry", "industry"),
            ("lifecycle_stage", "lifecycle_stage"),
            ("updated_at", "updated_at"),
        ),
        field_labels={
            "name": "Name",
            "industry": "Industry",
            "lifecycle_stage": "Stage",
            "updated_at": "Last updated",
        },
    )

    class Meta:
        model = Account
        fields = ["q", "lifecycle_stage", "size", "industry", "owner"]

    def search(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        return match_terms(queryset, ["name", "domain"], value)


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    account = IdFilter(label="Account", field_name="account_id")
    email_consent = django_filters.ChoiceFilter(label="Email consent", choices=ConsentStatus.choices)
    owner = django_filters.ModelChoiceFilter(label="Owner", queryset=User.objects.filter(is_active=True))
    ordering = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("last_name", "name"),
            ("account__name", "account"),
            ("title", "title"),
            ("updated_at", "updated_at"),
        ),
        field_labels={
            "last_name": "Name",
            "account__name": "Account",
            "title": "Title",
            "updated_at": "Last updated",
        },
    )

    class Meta:
        model = Contact
        fields = ["q", "account", "email_consent", "owner"]

    def search(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        return match_terms(queryset, ["first_name", "last_name", "email", "account__name"], value)


class TaskFilter(django_filters.FilterSet):
    done = BooleanFilter(label="Done", field_name="completed_at", lookup_expr="isnull", exclude=True)
    due_before = DateTimeFilter(label="Due before", field_name="due_at", lookup_expr="lt")
    due_after = DateTimeFilter(label="Due after", field_name="due_at", lookup_expr="gte")
    assignee = django_filters.ModelChoiceFilter(label="Assignee", queryset=User.objects.all())

    class Meta:
        model = Task
        fields = ["done", "due_before", "due_after", "assignee"]


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="Kind", choices=ActivityKind.choices)
    target_type = django_filters.CharFilter(label="Record type", method="by_target_type")
    target_id = IdFilter(label="Record id", field_name="object_id")

    class Meta:
        model = Activity
        fields = ["kind", "target_type", "target_id"]

    def by_target_type(self, queryset: QuerySet[Activity], name: str, value: str) -> QuerySet[Activity]:
        app_label, _, model = value.lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)


# Query parameters that page a keyset list: a new filter or sort starts without them.
CURSOR_PARAMS = ("after", "before", "page")


@dataclass(frozen=True)
class SortColumn:
    label: str
    query: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by this column


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


class KeysetSorting(django_filters.FilterSet):
    """A list's sort as keyset pages need it: each `ordering` parameter names the fields to order by,
    ending with the primary key, so that every row has one place in the list."""

    # `ordering` parameter -> (label, ascending key fields); "-param" reverses every field.
    sorts: ClassVar[dict[str, tuple[str, tuple[str, ...]]]]
    default_sort: ClassVar[str]

    @property
    def sort(self) -> str:
        """The `ordering` parameter in force, e.g. "-updated_at"."""
        value = self.data.get("ordering", "") if self.is_bound else ""
        return value if value.lstrip("-") in self.sorts else self.default_sort

    def keyset_ordering(self) -> list[str]:
        fields = list(self.sorts[self.sort.lstrip("-")][1])
        return [_flip(name) for name in fields] if self.sort.startswith("-") else fields

    @property
    def query(self) -> QueryDict:
        """The filters and sort of the request, without its page cursor."""
        query = self.data.copy() if self.is_bound else QueryDict(mutable=True)
        for name in CURSOR_PARAMS:
            query.pop(name, None)
        return query

    @property
    def is_filtered(self) -> bool:
        return any(
            value.strip() for name, values in self.query.lists() if name != "ordering" for value in values
        )

    def sort_columns(self) -> dict[str, SortColumn]:
        """Each sortable column's link: ascending first, then descending; filters kept, page reset."""
        columns = {}
        for key, (label, _) in self.sorts.items():
            link = self.query.copy()
            if self.sort == key:
                link["ordering"], aria_sort = f"-{key}", "ascending"
            elif self.sort == f"-{key}":
                link["ordering"], aria_sort = key, "descending"
            else:
                link["ordering"], aria_sort = key, ""
            columns[key] = SortColumn(label, link.urlencode(), aria_sort)
        return columns


class AccountListFilter(KeysetSorting, AccountFilter):
    sorts: ClassVar = {
        "name": ("Name", ("name", "id")),
        "industry": ("Industry", ("industry", "name", "id")),
        "lifecycle_stage": ("Stage", ("lifecycle_stage", "name", "id")),
        # The id runs against the time so that both directions read the (-updated_at, id) index.
        "updated_at": ("Last updated", ("updated_at", "-id")),
    }
    default_sort = "name"


class ContactListFilter(KeysetSorting, ContactFilter):
    sorts: ClassVar = {
        "name": ("Name", ("last_name", "first_name", "id")),
        "account": ("Account", ("account_name", "last_name", "first_name", "id")),
        "title": ("Job title", ("title", "last_name", "first_name", "id")),
        "updated_at": ("Last updated", ("updated_at", "-id")),
    }
    default_sort = "name"

    def filter_queryset(self, queryset: QuerySet[Contact]) -> QuerySet[Contact]:
        if self.sort.lstrip("-") == "account":
            # Keyset pages need a value in every row: contacts without an account sort as "".
            queryset = queryset.annotate(account_name=Coalesce(F("account__name"), Value("")))
        filtered: QuerySet[Contact] = super().filter_queryset(queryset)
        return filtered
