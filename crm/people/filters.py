"""The FilterSet of the API's list of people."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from crm.lists.filters import BooleanFilter, IdFilter, match_terms
from crm.models import Role, User


class UserFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(label="Search", method="by_words")
    team = IdFilter(label="Team", field_name="team_id")
    role = django_filters.ChoiceFilter(label="Role", choices=Role.choices)
    is_active = BooleanFilter(label="Active")

    class Meta:
        model = User
        fields = ["search", "team", "role", "is_active"]

    def by_words(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return match_terms(queryset, ["username", "first_name", "last_name", "email"], value)
