"""The lead FilterSet shared by the lead list page and GET /api/v1/leads/."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from crm.lists.filters import IntegerFilter, match_terms
from crm.models import User

from .models import Lead, LeadSource, LeadStatus


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    # distinct=False: columns of the lead itself; DISTINCT would sort the whole result before the page.
    status = django_filters.MultipleChoiceFilter(label="Status", choices=LeadStatus.choices, distinct=False)
    source = django_filters.MultipleChoiceFilter(label="Source", choices=LeadSource.choices, distinct=False)
    owner = django_filters.ModelChoiceFilter(
        label="Owner", queryset=User.objects.filter(is_active=True), null_label="Unassigned"
    )
    score_min = IntegerFilter(label="Score from", field_name="score", lookup_expr="gte")
    score_max = IntegerFilter(label="Score to", field_name="score", lookup_expr="lte")
    # Day bounds as a created_at range, which the (created_at, id) indexes serve; created_at__date cannot.
    created_after = django_filters.DateFilter(label="Created from", method="created_from")
    created_before = django_filters.DateFilter(label="Created to", method="created_to")
    tag = django_filters.CharFilter(label="Tag", method="with_tag")
    ordering = django_filters.OrderingFilter(
        label="Sort by",
        fields=(
            ("created_at", "created_at"),
            ("score", "score"),
            ("last_name", "name"),
            ("company", "company"),
            ("status", "status"),
        ),
        field_labels={
            "created_at": "Created",
            "score": "Score",
            "last_name": "Name",
            "company": "Company",
            "status": "Status",
        },
    )

    class Meta:
        model = Lead
        fields = [
            "q",
            "status",
            "source",
            "owner",
            "score_min",
            "score_max",
            "created_after",
            "created_before",
            "tag",
        ]

    def search(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return match_terms(queryset, ["first_name", "last_name", "email", "company"], value)

    def created_from(self, queryset: QuerySet[Lead], name: str, value: date) -> QuerySet[Lead]:
        return queryset.filter(created_at__gte=_start_of(value))

    def created_to(self, queryset: QuerySet[Lead], name: str, value: date) -> QuerySet[Lead]:
        if value == date.max:
            return queryset  # every lead was created before the end of the calendar
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))

    def with_tag(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(tags__contains=[value.strip()])


def _start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))
