"""The jobs page's filters: by status and by kind, newest first."""

from __future__ import annotations

from typing import ClassVar

import django_filters

from crm.lists.sorting import KeysetSorting
from crm.models import BackgroundJob, JobStatus

from .selectors import job_kinds


class JobFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="Status", choices=JobStatus.choices)
    kind = django_filters.ChoiceFilter(label="Kind", choices=lambda: [(kind, kind) for kind in job_kinds()])

    class Meta:
        model = BackgroundJob
        fields = ["status", "kind"]


class JobListFilter(KeysetSorting, JobFilter):
    sorts: ClassVar = {"created": ("Created", ("created_at", "id"))}
    default_sort = "-created"
