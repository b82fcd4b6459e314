"""The HTML lists' keyset sorting: a list's sort as keyset pages need it, and its column links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import django_filters
from django.http import QueryDict

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
