"""Reads of deals, already scoped by the access policy, with the joins their pages need: the list and
its totals, the detail page's stage progress, criteria, history and lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.timesince import timesince

from crm import access
from crm.lists.counting import COUNT_CAP, BoundedCount
from crm.lists.filters import match_terms
from crm.models import User
from crm.records import get_or_not_found
from sales.models import (
    Deal,
    DealLine,
    ExitCriterion,
    LostReason,
    Pipeline,
    Product,
    Stage,
    StageKind,
    StageVisit,
)
from sales.services.gates import is_met

STAGE_HISTORY_LIMIT = 100
# A picker shows a screenful; the typed text is bounded so that a pasted essay stays a cheap query.
PRODUCT_SUGGESTIONS = 20
PRODUCT_SEARCH_MAX = 200
# Open stages in the pipeline's order, then the won and lost ones.
KIND_ORDER: dict[str, int] = {StageKind.OPEN: 0, StageKind.WON: 1, StageKind.LOST: 2}


# What a row of the deal list shows (sales/deals/deal_list.html), its sort keys among them: the rest of
# a deal and of its owner and account stays in the database (50 rows: 8.1 -> 3.9 ms at small scale).
DEAL_ROW_FIELDS = (
    "name",
    "amount",
    "currency",
    "status",
    "type",
    "close_date",
    "closed_at",
    "created_at",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "account__name",
    "stage__name",
)


def deal_list(*, user: User) -> QuerySet[Deal]:
    """Deals with what every list of them shows: the owner, the account and the stage."""
    return access.visible(user, Deal.objects.select_related("owner", "account", "stage"))


def deal_rows(*, user: User) -> QuerySet[Deal]:
    """The deal list's rows: only the columns they show."""
    return deal_list(user=user).only(*DEAL_ROW_FIELDS)


def deal_get(*, user: User, pk: int) -> Deal:
    deals = deal_list(user=user).select_related(
        "pipeline",
        "primary_contact",
        "owner__team",
        "lost_reason",
        "source_lead",
        "renewal_of__owner",
        "renewal__owner",
    )
    return get_or_not_found(deals, pk=pk)


def board_stages(*, pipeline: Pipeline) -> list[Stage]:
    """The pipeline's stages in the order the board's columns and a deal's stage progress show them."""
    stages = list(pipeline.stages.order_by("position", "id"))
    return sorted(stages, key=lambda stage: (KIND_ORDER.get(stage.kind, 3), stage.position, stage.pk))


@dataclass(frozen=True)
class CriterionStatus:
    label: str
    met: bool


@dataclass(frozen=True)
class StageStay:
    """One visit of the deal to a stage, and how long it stayed (so far, for the current one)."""

    stage: Stage
    entered_at: datetime
    left_at: datetime | None
    entered_by: User | None
    duration: timedelta

    @property
    def is_current(self) -> bool:
        return self.left_at is None

    @property
    def duration_text(self) -> str:
        if self.duration < timedelta(minutes=1):
            return "less than a minute"
        now = self.entered_at + self.duration
        return timesince(self.entered_at, now, depth=2)


@dataclass(frozen=True)
class Renewals:
    """The won deal this one renews, and the renewal made from it, each when the user may see it."""

    renews: Deal | None
    renewed_by: Deal | None


@dataclass(frozen=True)
class ListTotals:
    """How many deals a list's filters match (up to a cap) and, when all were counted, their amounts
    added up by currency (amounts in different currencies are never added together)."""

    count: BoundedCount
    amounts: list[tuple[str, Decimal]]


def deal_list_totals(*, deals: QuerySet[Deal], cap: int = COUNT_CAP) -> ListTotals:
    """One query that reads at most cap + 1 of the filtered deals: their count and, when that is all of
    them, their sums by currency. Past the cap the sum is left out rather than shown for a part."""
    rows = deals.order_by().values("currency", "amount")[: cap + 1]
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing
        return ListTotals(count=BoundedCount.of(0, cap=cap), amounts=[])
    with connection.cursor() as cursor:
        # The ORM's own SQL with its parameters bound: nothing from the request is pasted in.
        cursor.execute(
            f"SELECT currency, count(*), sum(amount) FROM ({sql}) AS listed GROUP BY currency "  # noqa: S608
            "ORDER BY currency",
            params,
        )
        found = cursor.fetchall()
    count = BoundedCount.of(sum(counted for _, counted, _ in found), cap=cap)
    amounts = [] if count.capped else [(currency, total) for currency, _, total in found]
    return ListTotals(count=count, amounts=amounts)


def pipeline_stages(*, deal: Deal) -> list[Stage]:
    return board_stages(pipeline=deal.pipeline)


def current_criteria(*, deal: Deal) -> list[CriterionStatus]:
    """What the deal needs before it moves past its current stage, each met or not yet."""
    criteria = ExitCriterion.objects.filter(stage_id=deal.stage_id).order_by("id")
    return [CriterionStatus(criterion.label, is_met(criterion, deal)) for criterion in criteria]


def stage_history(*, deal: Deal, now: datetime | None = None) -> list[StageStay]:
    now = now or timezone.now()
    visits = (
        StageVisit.objects.filter(deal=deal)
        .select_related("stage", "entered_by")
        .order_by("-entered_at", "-id")[:STAGE_HISTORY_LIMIT]
    )
    return [
        StageStay(
            stage=visit.stage,
            entered_at=visit.entered_at,
            left_at=visit.left_at,
            entered_by=visit.entered_by,
            duration=max((visit.left_at or now) - visit.entered_at, timedelta(0)),
        )
        for visit in visits
    ]


def deal_lines(*, deal: Deal) -> list[DealLine]:
    return list(deal.lines.select_related("product"))


def sellable_products() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("name", "id")


def product_suggestions(*, text: str, limit: int = PRODUCT_SUGGESTIONS) -> list[Product]:
    """The products on sale whose name or SKU holds every word typed, by name: the line editor's
    suggestions (its caller checked that the user may change the deal)."""
    text = text.strip()[:PRODUCT_SEARCH_MAX]
    if not text:
        return []
    return list(match_terms(sellable_products(), ["name", "sku"], text)[:limit])


def active_lost_reasons() -> QuerySet[LostReason]:
    return LostReason.objects.filter(is_active=True)


def renewals(*, user: User, deal: Deal) -> Renewals:
    """Both ends of the renewal chain; deal_get loaded them with their owners."""
    renews = deal.renewal_of
    renewed_by = getattr(deal, "renewal", None)
    return Renewals(
        renews=renews if renews is not None and access.can(user, "view", renews) else None,
        renewed_by=renewed_by if renewed_by is not None and access.can(user, "view", renewed_by) else None,
    )
