"""Counts that a page may show without counting a whole table: exact up to a cap, then "10,000+".

`SELECT count(*) FROM (SELECT 1 ... LIMIT cap + 1)` stops reading after cap + 1 rows, so a count costs
at most as much as reading one long page, whether the table holds ten thousand rows or ten million.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import IntegerField, QuerySet, Subquery

# Past this a number stops helping a reader decide anything: "10,000+" says as much.
COUNT_CAP = 10_000

K = TypeVar("K")


@dataclass(frozen=True)
class BoundedCount:
    """How many rows, counted up to `cap`; `capped` when there are more than that."""

    value: int
    capped: bool
    cap: int = COUNT_CAP

    def __str__(self) -> str:
        return f"{self.cap:,}+" if self.capped else f"{self.value:,}"

    def __bool__(self) -> bool:
        return self.value > 0

    def __int__(self) -> int:
        return self.value

    @property
    def is_one(self) -> bool:
        """For plurals: "1 account", "2 accounts", "10,000+ accounts"."""
        return self.value == 1 and not self.capped

    @classmethod
    def of(cls, counted: int, *, cap: int = COUNT_CAP) -> BoundedCount:
        """From a count of at most cap + 1 rows (a CappedCountSubquery annotation)."""
        return cls(value=min(counted, cap), capped=counted > cap, cap=cap)


class CappedCountSubquery(Subquery):
    """An annotation counting `queryset`'s rows (usually filtered by an OuterRef) up to cap + 1, e.g.
    `Pipeline.objects.annotate(open_deals=CappedCountSubquery(deals.filter(pipeline=OuterRef("pk"))))`;
    show it with BoundedCount.of(row.open_deals)."""

    template = "(SELECT count(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[Any], *, cap: int = COUNT_CAP) -> None:
        super().__init__(queryset.order_by().values("pk")[: cap + 1])


def _count_column(queryset: QuerySet[Any], cap: int, index: int) -> tuple[str, tuple[Any, ...]]:
    rows = queryset.order_by().values("pk")[: cap + 1]
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing, e.g. a role that sees no records
        return "0", ()
    return f"(SELECT count(*) FROM ({sql}) AS counted_{index})", tuple(params)  # noqa: S608 (the ORM's SQL)


def capped_counts(querysets: Mapping[K, QuerySet[Any]], *, cap: int = COUNT_CAP) -> dict[K, BoundedCount]:
    """Each queryset's rows counted up to `cap`, all in one query."""
    if not querysets:
        return {}
    columns: list[str] = []
    params: list[Any] = []
    for index, queryset in enumerate(querysets.values()):
        column, column_params = _count_column(queryset, cap, index)
        columns.append(column)
        params.extend(column_params)
    with connection.cursor() as cursor:
        # The ORM's own SQL with its parameters bound: nothing from the request is pasted in.
        cursor.execute(f"SELECT {', '.join(columns)}", params)  # noqa: S608
        values = cursor.fetchone()
    return {key: BoundedCount.of(value, cap=cap) for key, value in zip(querysets, values, strict=True)}


def capped_count(queryset: QuerySet[Any], *, cap: int = COUNT_CAP) -> BoundedCount:
    """The queryset's rows counted up to `cap`: one query that reads at most cap + 1 rows."""
    return capped_counts({"rows": queryset}, cap=cap)["rows"]
