"""The deal list's rows as the page prints them (see crm.web.presenters): every value formatted once,
every URL from the page's one reversed prefix, so sales/deals/deal_list.html needs no include per cell."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from crm.web.presenters import Moment, RecordUrls, amount_text, day_moment, time_moment

from .models import Deal, DealStatus, DealType

STATUS_LABELS = dict(DealStatus.choices)
TYPE_LABELS = dict(DealType.choices)


@dataclass(frozen=True, slots=True)
class StageCell:
    """A deal's stage in a list: an open deal's stage name; a closed
    deal's as one badge coloured by the outcome, which is said in words only when the stage is named
    otherwise ("Signed · Won")."""

    name: str
    badge: str  # empty for an open deal
    outcome: str


def stage_cell(deal: Deal) -> StageCell:
    name = deal.stage.name
    if deal.status == DealStatus.OPEN:
        return StageCell(name, "", "")
    outcome = STATUS_LABELS.get(deal.status, deal.status)
    return StageCell(
        name,
        "text-bg-success" if deal.status == DealStatus.WON else "text-bg-secondary",
        "" if name.lower() == outcome.lower() else outcome,
    )


def is_overdue(deal: Deal, today: date) -> bool:
    return deal.status == DealStatus.OPEN and deal.close_date is not None and deal.close_date < today


@dataclass(frozen=True, slots=True)
class DealRow:
    pk: int
    name: str
    url: str
    account: str  # empty for a deal without an account
    stage: StageCell
    amount: str  # "EUR 1,234.50"
    close: Moment | None
    overdue: bool
    closed: Moment | None
    owner: str
    type: str
    created: Moment


def deal_rows_presented(deals: Iterable[Deal], *, today: date) -> list[DealRow]:
    detail_url = RecordUrls("sales:deal-detail")
    return [
        DealRow(
            pk=deal.pk,
            name=deal.name,
            url=detail_url(deal.pk),
            account=deal.account.name if deal.account is not None else "",
            stage=stage_cell(deal),
            amount=f"{deal.currency} {amount_text(deal.amount)}",
            close=day_moment(deal.close_date) if deal.close_date else None,
            overdue=is_overdue(deal, today),
            closed=time_moment(deal.closed_at) if deal.closed_at else None,
            owner=str(deal.owner),
            type=TYPE_LABELS.get(deal.type, deal.type),
            created=time_moment(deal.created_at),
        )
        for deal in deals
    ]
