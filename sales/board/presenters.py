"""The board's cards as the column prints them (see crm.web.presenters): every value formatted once,
the deal and move URLs from one reversed prefix each, so a column page renders its cards in one loop."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from crm.models import User
from crm.web.presenters import Moment, RecordUrls, amount_text, day_moment, time_moment
from sales.models import Deal
from sales.presenters import is_overdue
from sales.rules import deal_can_be_edited, deal_can_move


@dataclass(frozen=True, slots=True)
class Card:
    pk: int
    stage_id: int
    name: str
    url: str
    move_url: str  # empty when the card stays put: read-only, or won or lost (reopened on its page)
    account: str  # empty for a deal without an account
    amount: str  # "EUR 1,234.50"
    when: Moment | None  # when it closed, else when it is expected to close
    closed: bool
    owner: str
    read_only: bool
    overdue: bool


def card_is_overdue(deal: Deal, today: date) -> bool:
    """The next step or the expected close date has passed."""
    return (deal.next_step_due is not None and deal.next_step_due < today) or is_overdue(deal, today)


def cards_presented(user: User, deals: Iterable[Deal], *, today: date) -> list[Card]:
    detail_url, move_url = RecordUrls("sales:deal-detail"), RecordUrls("sales:deal-move")
    cards = []
    for deal in deals:
        when = (
            time_moment(deal.closed_at)
            if deal.closed_at
            else day_moment(deal.close_date)
            if deal.close_date
            else None
        )
        cards.append(
            Card(
                pk=deal.pk,
                stage_id=deal.stage_id,
                name=deal.name,
                url=detail_url(deal.pk),
                move_url=move_url(deal.pk) if deal_can_move(user, deal) else "",
                account=deal.account.name if deal.account is not None else "",
                amount=f"{deal.currency} {amount_text(deal.amount)}",
                when=when,
                closed=deal.closed_at is not None,
                owner=str(deal.owner),
                read_only=not deal_can_be_edited(user, deal),
                overdue=card_is_overdue(deal, today),
            )
        )
    return cards
