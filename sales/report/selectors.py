"""The sales report's figures: per person, rolled up by team and in total, the deals won and lost in a
period (count and value), the win rate, the average won deal and sales cycle, and the open pipeline,
which is also broken down by stage.

Three grouped queries over the deals the user may see (closed in the period by owner; open by owner
and stage), one for the people and one for the stages, however many deals and people there are. The
period is the months the deals were won or lost in (closed_at, in the user's time zone); the open
pipeline is what is open now. Only deals in the default currency are summed; the others are counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DurationField, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast

from crm import access
from crm.errors import Invalid
from crm.models import Team, User
from sales.forecast.selectors import (
    CENT,
    SELLING_ROLES,
    ZERO,
    ForecastScope,
    MonthRange,
    by_team,
    people_condition,
    scope_chosen,
    team_chosen,
)
from sales.models import Deal, DealLine, DealStatus, Pipeline, Product, SalesSettings, Stage, StageKind

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Results:
    """One row's figures. Counts include every currency; amounts and the average deal only the default."""

    won: int = 0
    won_amount: Decimal = ZERO
    won_summed: int = 0  # won deals in the default currency: what the average deal divides by
    lost: int = 0
    lost_amount: Decimal = ZERO
    cycle: timedelta = timedelta(0)  # the won deals' days from created to won, added up
    open: int = 0
    open_amount: Decimal = ZERO
    other_currency: int = 0

    @property
    def win_rate(self) -> Decimal | None:
        """Won as a percentage of the deals closed (won or lost); None when none closed."""
        closed = self.won + self.lost
        return None if not closed else (Decimal(self.won * 100) / closed).quantize(TENTH, ROUND_HALF_UP)

    @property
    def average_deal(self) -> Decimal | None:
        return (
            None if not self.won_summed else (self.won_amount / self.won_summed).quantize(CENT, ROUND_HALF_UP)
        )

    @property
    def average_cycle_days(self) -> Decimal | None:
        """Days from a deal's creation to its win, on average."""
        if not self.won:
            return None
        days = Decimal(self.cycle.total_seconds()) / 86_400 / self.won
        return days.quantize(TENTH, ROUND_HALF_UP)

    def __add__(self, other: Results) -> Results:
        return Results(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def total_of(rows: Iterable[Results]) -> Results:
    return sum(rows, Results())


@dataclass(frozen=True)
class ReportRow:
    label: str
    results: Results
    person: User | None = None


@dataclass(frozen=True)
class TeamReport:
    team: Team | None
    people: tuple[ReportRow, ...]
    rollup: ReportRow


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    count: int
    amount: Decimal


@dataclass(frozen=True)
class SalesReport:
    months: MonthRange
    currency: str
    scope: ForecastScope
    team: Team | None
    pipeline: Pipeline | None
    product: Product | None
    teams: tuple[TeamReport, ...]
    total: ReportRow
    stages: tuple[StageRow, ...]  # the open pipeline by stage, for everyone in the report

    @property
    def stages_span_pipelines(self) -> bool:
        """Whether the stages come from more than one pipeline (and are named with theirs)."""
        return len({row.stage.pipeline_id for row in self.stages}) > 1


def sales_report_get(
    *,
    user: User,
    months: MonthRange,
    scope: str | None = None,
    team_id: int | None = None,
    pipeline_id: int | None = None,
    product_id: int | None = None,
) -> SalesReport:
    """The report `user` may see: whose deals as the forecast decides (scope and team), narrowed to a
    pipeline and to deals with a line of a product."""
    chosen = scope_chosen(user, scope)
    team = team_chosen(user, team_id)
    pipeline = _chosen(Pipeline.objects.all(), pipeline_id, field="pipeline")
    product = _chosen(Product.objects.all(), product_id, field="product")
    people = people_condition(user, chosen, team, None)
    currency = SalesSettings.current().default_currency

    deals = access.visible(user, Deal.objects.filter(owner__in=User.objects.filter(people).values("pk")))
    if pipeline is not None:
        deals = deals.filter(pipeline=pipeline)
    if product is not None:
        deals = deals.filter(Exists(DealLine.objects.filter(deal=OuterRef("pk"), product=product)))
    closed = _closed_results(deals, months, currency)
    open_by_stage = _open_by_owner_and_stage(deals, currency)

    results: dict[int, Results] = defaultdict(Results, closed)
    stage_counts: Counter[int] = Counter()
    stage_amounts: dict[int, Decimal] = defaultdict(Decimal)
    for (owner, stage_id), (count, amount, other) in open_by_stage.items():
        results[owner] += Results(open=count, open_amount=amount, other_currency=other)
        stage_counts[stage_id] += count
        stage_amounts[stage_id] += amount

    everyone = (
        User.objects.filter(Q(pk__in=list(results)) | (people & Q(is_active=True, role__in=SELLING_ROLES)))
        .select_related("team")
        .order_by("first_name", "last_name", "username", "pk")
    )
    team_reports = []
    for in_team, members in by_team(everyone):
        rows = tuple(ReportRow(str(person), results.get(person.pk, Results()), person) for person in members)
        rollup = ReportRow(str(in_team or "No team"), total_of(row.results for row in rows))
        team_reports.append(TeamReport(in_team, rows, rollup))
    total = ReportRow("Total", total_of(team.rollup.results for team in team_reports))
    stages = tuple(
        StageRow(stage, stage_counts[stage.pk], stage_amounts.get(stage.pk, ZERO))
        for stage in _open_stages(pipeline, used=set(stage_counts))
    )
    return SalesReport(months, currency, chosen, team, pipeline, product, tuple(team_reports), total, stages)


def _chosen(records: QuerySet[Any], record_id: int | None, *, field: str) -> Any:
    if record_id is None:
        return None
    record = records.filter(pk=record_id).first()
    if record is None:
        raise Invalid(f"There is no {field} {record_id}.", field=field, code=f"{field}_unknown")
    return record


def _closed_results(deals: QuerySet[Deal], months: MonthRange, currency: str) -> dict[int, Results]:
    """By owner, the deals won or lost in the months (their local close time), from the closed-deals index."""
    start, stop = months.local_bounds
    won, lost, summed = Q(status=DealStatus.WON), Q(status=DealStatus.LOST), Q(currency=currency)
    rows = (
        deals.filter(status__in=[DealStatus.WON, DealStatus.LOST], closed_at__gte=start, closed_at__lt=stop)
        .values("owner_id")
        .annotate(
            won=Count("id", filter=won),
            won_amount=Sum("amount", filter=won & summed),
            won_summed=Count("id", filter=won & summed),
            lost=Count("id", filter=lost),
            lost_amount=Sum("amount", filter=lost & summed),
            cycle=Sum(Cast(F("closed_at") - F("created_at"), DurationField()), filter=won),
            other_currency=Count("id", filter=~summed),
        )
        .order_by()
    )
    return {
        row["owner_id"]: Results(
            won=row["won"],
            won_amount=row["won_amount"] or ZERO,
            won_summed=row["won_summed"],
            lost=row["lost"],
            lost_amount=row["lost_amount"] or ZERO,
            cycle=row["cycle"] or timedelta(0),
            other_currency=row["other_currency"],
        )
        for row in rows
    }


def _open_by_owner_and_stage(
    deals: QuerySet[Deal], currency: str
) -> dict[tuple[int, int], tuple[int, Decimal, int]]:
    """By owner and stage, the open deals: how many, their amount (default currency), how many not summed."""
    rows = (
        deals.filter(status=DealStatus.OPEN)
        .values("owner_id", "stage_id")
        .annotate(
            count=Count("id"),
            amount=Sum("amount", filter=Q(currency=currency)),
            other=Count("id", filter=~Q(currency=currency)),
        )
        .order_by()
    )
    return {
        (row["owner_id"], row["stage_id"]): (row["count"], row["amount"] or ZERO, row["other"])
        for row in rows
    }


def _open_stages(pipeline: Pipeline | None, *, used: set[int]) -> list[Stage]:
    """The open stages of the pipeline in board order, or of every active pipeline (the default first), and
    any other stage that holds open deals."""
    stages = Stage.objects.filter(Q(kind=StageKind.OPEN, pipeline__is_active=True) | Q(pk__in=used))
    if pipeline is not None:
        stages = stages.filter(pipeline=pipeline)
    ordering = ("-pipeline__is_default", "pipeline__name", "pipeline_id", "position", "pk")
    return list(stages.select_related("pipeline").order_by(*ordering))
