"""FilterSets shared by the HTML lists and the API lists of accounts, contacts, tasks and activities."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

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
    account = django_filters.NumberFilter(label="Account", field_name="account_id")
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
    done = django_filters.BooleanFilter(
        label="Done", field_name="completed_at", lookup_expr="isnull", exclude=True
    )
    due_before = django_filters.IsoDateTimeFilter(label="Due before", field_name="due_at", lookup_expr="lt")
    due_after = django_filters.IsoDateTimeFilter(label="Due after", field_name="due_at", lookup_expr="gte")
    assignee = django_filters.ModelChoiceFilter(label="Assignee", queryset=User.objects.all())

    class Meta:
        model = Task
        fields = ["done", "due_before", "due_after", "assignee"]


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="Kind", choices=ActivityKind.choices)
    target_type = django_filters.CharFilter(label="Record type", method="by_target_type")
    target_id = django_filters.NumberFilter(label="Record id", field_name="object_id")

    class Meta:
        model = Activity
        fields = ["kind", "target_type", "target_id"]

    def by_target_type(self, queryset: QuerySet[Activity], name: str, value: str) -> QuerySet[Activity]:
        app_label, _, model = value.lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
