"""What may be done to a deal, and by whom: each rule decides once, for the services (which raise its
refusal: `.ensure()`), and for the pages, the board and the API (which ask it what to offer).

Who may act at all is the access policy's (sales/access.py); what the deal's own state allows (a closed
deal stays where it closed, a won deal is the admins' to delete) is decided here. The stages' exit
criteria are the gate's (sales/services/gates.py).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format

from crm import access
from crm.errors import ALLOWED, Decision, Forbidden, Invalid, refused
from crm.models import User

from .models import Deal, DealStatus

READ_ONLY = "You can see this record but not change it."


def deal_is_closed(deal: Deal) -> bool:
    """Won or lost: it moves again only once reopened, and its products are fixed."""
    return not deal.is_open


def deal_can_be_edited(user: User, deal: Deal) -> Decision:
    if not access.can(user, "change", deal):
        return refused(Forbidden(READ_ONLY, code="read_only"))
    return ALLOWED


def deal_can_move(user: User, deal: Deal) -> Decision:
    """Through the stages (the board, the form, the API): an open deal, by those who work it."""
    if not access.can(user, "move", deal):
        return refused(Forbidden(READ_ONLY, code="read_only"))
    if deal_is_closed(deal):
        closed = timezone.localdate(deal.closed_at) if deal.closed_at else None
        when = f" on {date_format(closed, 'j M Y')}" if closed else ""
        return refused(
            Invalid(
                f"This deal was {deal.get_status_display().lower()}{when}; reopen it before moving it "
                "to another stage.",
                field="stage",
                code="deal_closed",
            )
        )
    return ALLOWED


def deal_can_be_reopened(user: User, deal: Deal) -> Decision:
    """A won or lost deal goes back to an open stage; reopening an open deal changes nothing."""
    if not access.can(user, "move", deal):
        return refused(Forbidden(READ_ONLY, code="read_only"))
    if not deal_is_closed(deal):
        return refused(Invalid("This deal is open already.", field="stage", code="deal_open"))
    return ALLOWED


def deal_lines_editable(user: User, deal: Deal) -> Decision:
    if not (editable := deal_can_be_edited(user, deal)):
        return editable
    if deal_is_closed(deal):
        return refused(
            Invalid(
                "A closed deal's products are fixed; reopen the deal to change them.",
                field="lines",
                code="deal_closed",
            )
        )
    return ALLOWED


def deal_can_be_deleted(user: User, deal: Deal) -> Decision:
    """By those who work it; a won deal (a customer's purchase, the revenue reports') by admins only."""
    if not access.can(user, "delete", deal):
        return refused(Forbidden(READ_ONLY, code="read_only"))
    if deal.status == DealStatus.WON and not user.is_admin:
        return refused(Forbidden("Only admins can delete a won deal.", code="won_deal_admins_only"))
    return ALLOWED
