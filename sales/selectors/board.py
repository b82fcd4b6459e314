"""Reads of the pipeline board: its stages, the per-column totals and one column's page of cards.

Every query is shaped for the board's indexes: open columns read the partial index on
(stage, -created_at, -id) where status is open; won and lost columns show only deals closed in the last
CLOSED_WINDOW_DAYS, read through the (status, close_date, id) index; a rep's or a team's column totals
read the (owner, stage) index that includes what they sum.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from crm.models import User
from crm.pagination import KeysetPage, keyset_page
from sales.models import Opportunity, OpportunityStatus, Pipeline, Stage, StageKind

from .opportunities import opportunity_list

CLOSED_WINDOW_DAYS = 90
COLUMN_PAGE_SIZE = 25
COLUMN_ORDERING = ["-created_at", "-id"]
# Open stages in the pipeline's order, then the won and lost ones.
KIND_ORDER: dict[str, int] = {StageKind.OPEN: 0, StageKind.WON: 1, StageKind.LOST: 2}


@dataclass(frozen=True)
class ColumnTotals:
    """One column's header: how many deals, and their amount weighted by the stage's probability."""

    stage: Stage
    count: int = 0
    # Weighted sums by currency: amounts in different currencies are never added together.
    weighted: dict[str, Decimal] = field(default_factory=dict)

    @property
    def weighted_sums(self) -> list[tuple[str, Decimal]]:
        return sorted(self.weighted.items())


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
        raise Http404
    return found


def board_stages(*, pipeline: Pipeline) -> list[Stage]:
    stages = list(pipeline.stages.order_by("position", "id"))
    return sorted(stages, key=lambda stage: (KIND_ORDER.get(stage.kind, 3), stage.position, stage.pk))


def board_stage(*, pipeline_id: int, stage_id: int) -> Stage:
    stage = Stage.objects.filter(pk=stage_id, pipeline_id=pipeline_id).order_by().first()
    if stage is None:
        raise Http404
    return stage


def closed_since(today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=CLOSED_WINDOW_DAYS)


def board_deals(*, user: User) -> QuerySet[Opportunity]:
    """The deals the user may see, with what a card shows; the board's filters narrow it further."""
    return opportunity_list(user=user).select_related(None).select_related("owner", "account")


def _on_board(stages: list[Stage]) -> Q:
    open_ids = [stage.pk for stage in stages if stage.kind == StageKind.OPEN]
    closed_ids = [stage.pk for stage in stages if stage.kind != StageKind.OPEN]
    return Q(stage_id__in=open_ids, status=OpportunityStatus.OPEN) | Q(
        stage_id__in=closed_ids,
        status__in=[OpportunityStatus.WON, OpportunityStatus.LOST],
        close_date__gte=closed_since(),
    )


def column_total_rows(*, deals: QuerySet[Opportunity], stages: list[Stage]) -> QuerySet[Opportunity, Any]:
    """The grouped query behind the column totals: for a rep or a team, the (owner, stage) index covers
    it, so PostgreSQL reads no table rows (count(*), not count(id): the id is not in that index)."""
    return (
        deals.filter(_on_board(stages))
        .order_by()
        .values("stage_id", "currency")
        .annotate(count=Count("*"), total=Sum("amount"))
    )


def column_totals(*, deals: QuerySet[Opportunity], stages: list[Stage]) -> dict[int, ColumnTotals]:
    """Every column's count and weighted sum for the (filtered) deals, in one grouped query."""
    rows = column_total_rows(deals=deals, stages=stages)
    counts: dict[int, int] = defaultdict(int)
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    probability = {stage.pk: stage.probability for stage in stages}
    for row in rows:
        stage_id = row["stage_id"]
        counts[stage_id] += row["count"]
        weighted = (row["total"] or Decimal(0)) * probability[stage_id] / 100
        sums[stage_id][row["currency"]] = weighted.quantize(Decimal("0.01"))
    return {
        stage.pk: ColumnTotals(stage=stage, count=counts[stage.pk], weighted=sums[stage.pk])
        for stage in stages
    }


def column_page(
    *, deals: QuerySet[Opportunity], stage: Stage, after: str | None = None
) -> KeysetPage[Opportunity]:
    """One page of a column's cards, newest first."""
    if stage.kind == StageKind.OPEN:
        cards = deals.filter(stage=stage, status=OpportunityStatus.OPEN)
    else:
        cards = deals.filter(stage=stage, status=stage.kind, close_date__gte=closed_since())
    return keyset_page(cards, ordering=COLUMN_ORDERING, after=after, size=COLUMN_PAGE_SIZE)
