"""The account 360's deal rows as the page prints them (see crm.web.presenters): every value formatted
once, every URL from the page's one reversed prefix, so sales/customers/_account_deals.html needs no
include or filter per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crm.web.presenters import Moment, RecordUrls, amount_text, day_moment, time_moment
from sales.accounts.selectors import AccountDeals
from sales.models import Deal, DealStatus, DealType
from sales.presenters import TYPE_LABELS


@dataclass(frozen=True, slots=True)
class AccountDealRow:
    name: str
    url: str
    type: str  # empty for new business, the usual kind
    is_open: bool
    stage: str
    won: bool
    amount: str  # "EUR 1,234.50", as every page writes an amount
    when: Moment | None  # an open deal's expected close, a closed deal's close
    owner: str


@dataclass(frozen=True, slots=True)
class AccountDealTable:
    """The open deals or the closed ones, as one table of the panel."""

    caption: str  # "Open: the 20 closing first" when not all are shown
    state_heading: str
    date_heading: str
    rows: list[AccountDealRow]


def account_deal_tables(deals: AccountDeals) -> list[AccountDealTable]:
    """The panel's tables: the open deals, then the closed ones, each only when there are some."""
    tables = []
    if deals.open:
        shown = len(deals.open)
        more = f": the {shown} closing first" if deals.open_count > shown else ""
        tables.append(AccountDealTable(f"Open{more}", "Stage", "Expected close", _rows(deals.open)))
    if deals.closed:
        shown = len(deals.closed)
        more = f": the {shown} latest shown" if deals.closed_count > shown else ""
        tables.append(AccountDealTable(f"Closed{more}", "Result", "Closed", _rows(deals.closed)))
    return tables


def _type_badge(kind: str) -> str:
    """Only a deal of another type than new business, the usual one, says its type."""
    return "" if kind == DealType.NEW_BUSINESS else TYPE_LABELS.get(kind, kind)


def _rows(deals: Iterable[Deal]) -> list[AccountDealRow]:
    detail_url = RecordUrls("sales:deal-detail")
    rows = []
    for deal in deals:
        is_open = deal.status == DealStatus.OPEN
        if is_open:
            when = day_moment(deal.close_date) if deal.close_date else None
        else:
            when = time_moment(deal.closed_at) if deal.closed_at else None
        rows.append(
            AccountDealRow(
                name=deal.name,
                url=detail_url(deal.pk),
                type=_type_badge(deal.type),
                is_open=is_open,
                stage=deal.stage.name,
                won=deal.status == DealStatus.WON,
                amount=f"{deal.currency} {amount_text(deal.amount)}",
                when=when,
                owner=str(deal.owner),
            )
        )
    return rows
