"""The task and activity FilterSets of the API lists."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from crm.lists.filters import BooleanFilter, DateTimeFilter, IdFilter
from crm.models import Activity, ActivityKind, Task, User


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
