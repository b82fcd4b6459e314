"""The account and contact FilterSets shared by the HTML lists and the API lists, and the HTML lists'
sorts."""

from __future__ import annotations

from typing import ClassVar

import django_filters
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce

from crm.lists.filters import IdFilter, match_terms
from crm.lists.sorting import KeysetSorting
from crm.models import Account, CompanySize, ConsentStatus, Contact, LifecycleStage, User


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
    # Keyset pages need a value in every row: contacts without an account sort as "".
    sort_annotations: ClassVar = {"account_name": Coalesce(F("account__name"), Value(""))}
