"""The HTML lists' keyset sorting: a list's sort as keyset pages need it, its column links, and the query
string its links and saved views keep (the list's own filters and sort, without the page cursor)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import django_filters
from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression
from django.http import QueryDict

from .pagination import CURSOR_PARAMS

SORT_PARAM = "ordering"


@dataclass(frozen=True)
class SortColumn:
    label: str
    query: str
    aria_sort: str  # "ascending", "descending" or "" when the list is not sorted by this column


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def list_query(data: QueryDict, names: Iterable[str]) -> QueryDict:
    """The parameters of `data` named in `names` (in the order `data` gives them), without blank values
    and without the page cursor: what a sort link, a filter link or a saved view keeps."""
    wanted = set(names) - set(CURSOR_PARAMS)
    query = QueryDict(mutable=True)
    for name, values in data.lists():
        kept = [value for value in values if value.strip()]
        if name in wanted and kept:
            query.setlist(name, kept)
    return query


class KeysetSorting(django_filters.FilterSet):
    """A list's sort as keyset pages need it: each `ordering` parameter names the fields to order by,
    so that every row has one place in the list (keyset_page adds the primary key if the last field is
    not unique). Mixed in before the list's FilterSet: `class DealListFilter(KeysetSorting, DealFilter)`.

    A sort field that is not a column is an annotation in `sort_annotations`, added only while the
    list is sorted by it: one expression, or an (ascending, descending) pair when rows without a value
    must come last in both directions (keyset pages need a value in every row)."""

    # `ordering` parameter -> (column label, ascending sort fields); "-param" reverses every field.
    sorts: ClassVar[dict[str, tuple[str, tuple[str, ...]]]]
    default_sort: ClassVar[str]
    sort_annotations: ClassVar[dict[str, BaseExpression | tuple[BaseExpression, BaseExpression]]] = {}

    @property
    def sort(self) -> str:
        """The `ordering` parameter in force, e.g. "-updated_at"; an unknown one falls back to the default."""
        value = self.data.get(SORT_PARAM, "") if self.is_bound else ""
        return value if value.lstrip("-") in self.sorts else self.default_sort

    @property
    def is_descending(self) -> bool:
        return self.sort.startswith("-")

    def keyset_ordering(self) -> list[str]:
        fields = list(self.sorts[self.sort.lstrip("-")][1])
        return [_flip(name) for name in fields] if self.is_descending else fields

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        for name in self.sorts[self.sort.lstrip("-")][1]:
            expression = self.sort_annotations.get(name.lstrip("-"))
            if isinstance(expression, tuple):
                expression = expression[1] if self.is_descending else expression[0]
            if expression is not None:
                queryset = queryset.annotate(**{name.lstrip("-"): expression})
        filtered: QuerySet[Any] = super().filter_queryset(queryset)
        return filtered

    @classmethod
    def list_query(cls, data: QueryDict) -> QueryDict:
        """`data`'s filters and sort of this list, without blanks and the page cursor."""
        return list_query(data, cls.base_filters)

    @classmethod
    def saved_query(cls, raw: str) -> str:
        """A query string reduced to this list's own, non-empty parameters in a stable order (the
        FilterSet's): what a saved view stores, and how the current list is matched to one."""
        query = cls.list_query(QueryDict(raw.lstrip("?")))
        ordered = QueryDict(mutable=True)
        for name in cls.base_filters:
            if name in query:
                ordered.setlist(name, query.getlist(name))
        return ordered.urlencode()

    @property
    def query(self) -> QueryDict:
        """The list's filters and sort in this request, without the page cursor."""
        return self.list_query(self.data) if self.is_bound else QueryDict(mutable=True)

    @property
    def is_filtered(self) -> bool:
        """Whether a filter narrows the list (a sort alone shows every row)."""
        return any(name != SORT_PARAM for name in self.query)

    def sort_columns(self) -> dict[str, SortColumn]:
        """Each sortable column's link: ascending first, then descending; filters kept, page reset."""
        columns = {}
        for key, (label, _) in self.sorts.items():
            link = self.query.copy()
            if self.sort == key:
                link[SORT_PARAM], aria_sort = f"-{key}", "ascending"
            elif self.sort == f"-{key}":
                link[SORT_PARAM], aria_sort = key, "descending"
            else:
                link[SORT_PARAM], aria_sort = key, ""
            columns[key] = SortColumn(label, link.urlencode(), aria_sort)
        return columns
