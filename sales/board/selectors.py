"""Reads of the pipeline board: its pipelines, the per-column totals and one column's page of cards
(its columns are the stages in sales.selectors.board_stages' order).

Every query is shaped for the board's indexes: open columns read the partial index on
(stage, -created_at, -id) where status is open; won and lost columns show only deals closed in the last
CLOSED_WINDOW_DAYS, read through the (status, closed_at, id) index; a rep's or a team's column totals
read the (owner, stage) index that includes what they sum.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from crm.errors import NotFound
from crm.lists.pagination import KeysetPage, keyset_page
from crm.models import User
from sales.models import Deal, DealStatus, Pipeline, Stage, StageKind
from sales.selectors import deal_list

CLOSED_WINDOW_DAYS = 90
COLUMN_PAGE_SIZE = 25
COLUMN_ORDERING = ["-created_at", "-id"]


class SumsByCurrency:
    """Amounts by currency, in a fixed order for display: amounts in different currencies are never
    added together."""

    total: dict[str, Decimal]
    weighted: dict[str, Decimal]

    @property
    def total_sums(self) -> list[tuple[str, Decimal]]:
        return sorted(self.total.items())

    @property
    def weighted_sums(self) -> list[tuple[str, Decimal]]:
        return sorted(self.weighted.items())


@dataclass(frozen=True)
class ColumnTotals(SumsByCurrency):
    """One column's header: how many deals, their amount, and that amount weighted by the stage's
    probability."""

    stage: Stage
    count: int = 0
    total: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class BoardTotals(SumsByCurrency):
    """The open pipeline on the (filtered) board: its open columns added up, by currency."""

    count: int
    total: dict[str, Decimal]
    weighted: dict[str, Decimal]


def board_totals(columns: list[ColumnTotals]) -> BoardTotals:
    """The open columns' totals added up: won and lost deals are no longer in the pipeline."""
    total: dict[str, Decimal] = defaultdict(Decimal)
    weighted: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for column in columns:
        if column.stage.kind != StageKind.OPEN:
            continue
        count += column.count
        for currency, amount in column.total.items():
            total[currency] += amount
        for currency, amount in column.weighted.items():
            weighted[currency] += amount
    return BoardTotals(count=count, total=dict(total), weighted=dict(weighted))


def board_pipelines() -> list[Pipeline]:
    return list(Pipeline.objects.filter(is_active=True))


def board_pipeline(*, pipeline_id: int | None, pipelines: list[Pipeline]) -> Pipeline | None:
    """The pipeline asked for (404 if it does not exist), else the default one, else None."""
    if pipeline_id is None:
        return pipelines[0] if pipelines else None
    found = next((pipeline for pipeline in pipelines if pipeline.pk == pipeline_id), None)
    if found is None:
        found = Pipeline.objects.filter(pk=pipeline_id).first()  # an inactive pipeline still shows
    if found is None:
        raise NotFound
    return found


def board_stage(*, pipeline_id: int, stage_id: int) -> Stage:
    stage = Stage.objects.filter(pk=stage_id, pipeline_id=pipeline_id).order_by().first()
    if stage is None:
        raise NotFound
    return stage


def closed_since(today: date | None = None) -> datetime:
    """The start of the first day the won and lost columns show (local time)."""
    first_day = (today or timezone.localdate()) - timedelta(days=CLOSED_WINDOW_DAYS)
    return timezone.make_aware(datetime.combine(first_day, time.min))


def board_deals(*, user: User) -> QuerySet[Deal]:
    """The deals the user may see, with what a card shows; the board's filters narrow it further."""
    return deal_list(user=user).select_related(None).select_related("owner", "account")


def _on_board(stages: list[Stage]) -> Q:
    open_ids = [stage.pk for stage in stages if stage.kind == StageKind.OPEN]
    closed_ids = [stage.pk for stage in stages if stage.kind != StageKind.OPEN]
    return Q(stage_id__in=open_ids, status=DealStatus.OPEN) | Q(
        stage_id__in=closed_ids,
        status__in=[DealStatus.WON, DealStatus.LOST],
        closed_at__gte=closed_since(),
    )


def column_total_rows(*, deals: QuerySet[Deal], stages: list[Stage]) -> QuerySet[Deal, Any]:
    """The grouped query behind the column totals: for a rep or a team, the (owner, stage) index covers
    it, so PostgreSQL reads no table rows (count(*), not count(id): the id is not in that index)."""
    return (
        deals.filter(_on_board(stages))
        .order_by()
        .values("stage_id", "currency")
        .annotate(count=Count("*"), total=Sum("amount"))
    )


def column_totals(*, deals: QuerySet[Deal], stages: list[Stage]) -> dict[int, ColumnTotals]:
    """Every column's count, total and weighted sum for the (filtered) deals, in one grouped query."""
    rows = column_total_rows(deals=deals, stages=stages)
    counts: dict[int, int] = defaultdict(int)
    totals: dict[int, dict[str, Decimal]] = defaultdict(dict)
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    probability = {stage.pk: stage.probability for stage in stages}
    for row in rows:
        stage_id = row["stage_id"]
        counts[stage_id] += row["count"]
        total = row["total"] or Decimal(0)
        totals[stage_id][row["currency"]] = total
        sums[stage_id][row["currency"]] = (total * probability[stage_id] / 100).quantize(Decimal("0.01"))
    return {
        stage.pk: ColumnTotals(
            stage=stage, count=counts[stage.pk], total=totals[stage.pk], weighted=sums[stage.pk]
        )
        for stage in stages
    }


def column_page(*, deals: QuerySet[Deal], stage: Stage, after: str | None = None) -> KeysetPage[Deal]:
    """One page of a column's cards, newest first."""
    if stage.kind == StageKind.OPEN:
        cards = deals.filter(stage=stage, status=DealStatus.OPEN)
    else:
        cards = deals.filter(stage=stage, status=stage.kind, closed_at__gte=closed_since())
    return keyset_page(cards, ordering=COLUMN_ORDERING, after=after, size=COLUMN_PAGE_SIZE)
