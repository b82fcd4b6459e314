"""The filters every list's FilterSets are made of, for the HTML lists and the API lists alike, and the
word search they share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

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


class ExternalKeyFilterSet(django_filters.FilterSet):
    """Finds records by the key they have in the system they came from (crm.models.external), for the
    API lists of the records that have one: `AccountApiFilter(ExternalKeyFilterSet, AccountFilter)`."""

    external_source = django_filters.CharFilter(label="External source", method="by_external_source")
    external_id = django_filters.CharFilter(label="External id", field_name="external_id")

    def by_external_source(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(external_source=value.strip().lower())  # stored lowercased
