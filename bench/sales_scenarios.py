"""Request scenarios of the sales app: the board and its columns, the deal list and detail page, the
account 360 page of the whale account, the forecast, the API, and moving a deal on the board.

Reps see their own deals and (by the default sales settings) their team's, managers their teams'.
Every page whose query count must not grow with the data is marked `constant_queries`.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import cycle
from typing import Any

from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client

from bench.scenarios import scenario
from bench.seed_sales import WHALE_DOMAIN
from crm.customers.account360 import TimelineCursor, account_timeline_keys
from crm.lists.pagination import encode_cursor
from crm.models import Account, Role, User
from sales.board.selectors import COLUMN_ORDERING, board_deals, column_page
from sales.models import Deal, DealStatus, Pipeline, Stage, StageKind

API = {"accept": "application/json"}
HTMX = {"HX-Request": "true"}
# How deep the deep pages start: the column page after this many cards, the account timeline page
# after this many entries (or half of them, if fewer).
DEEP_CARDS = 1_000
DEEP_ENTRIES = 1_000


def _pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:
        raise LookupError("no default pipeline (was the sales data seeded?)")
    return pipeline


def _open_stages() -> list[Stage]:
    return list(_pipeline().stages.filter(kind=StageKind.OPEN).order_by("position", "id"))


def _first_column(user: User) -> dict[str, Any]:
    """The default pipeline's first open stage: the fullest column of the funnel."""
    stage = _open_stages()[0]
    return {"url": f"/pipeline/{stage.pipeline_id}/board/stages/{stage.pk}/"}


def _deep_column(user: User) -> dict[str, Any]:
    """The first column's page after DEEP_CARDS cards, through the keyset cursor the column hands out."""
    stage = _open_stages()[0]
    cards = board_deals(user=user).filter(stage=stage, status=DealStatus.OPEN)
    rows = cards.order_by(*COLUMN_ORDERING)
    deep = list(rows[DEEP_CARDS - 1 : DEEP_CARDS + 1])  # the card, and proof that a page follows it
    if len(deep) < 2:
        deep = list(rows[max(0, rows.count() // 2 - 1) :][:2])
    if len(deep) < 2:
        raise LookupError(f"too few cards in {stage} for a deeper page")
    cursor = encode_cursor(COLUMN_ORDERING, deep[0])
    if not column_page(deals=board_deals(user=user), stage=stage, after=cursor).rows:
        raise LookupError("the column did not accept the built cursor (did crm.lists.pagination change?)")
    return {"url": f"/pipeline/{stage.pipeline_id}/board/stages/{stage.pk}/?after={cursor}"}


def _own_deals(user: User) -> dict[str, Any]:
    """The rep's 50 newest deals, opened in turn."""
    pks = list(
        Deal.objects.filter(owner=user).order_by("-created_at", "-id").values_list("pk", flat=True)[:50]
    )
    if not pks:
        raise LookupError(f"{user} owns no deals")
    return {"next_pk": cycle(pks).__next__}


def _whale(user: User) -> Account:
    account = Account.objects.filter(domain=WHALE_DOMAIN).first()
    if account is None:
        raise LookupError("no whale account (was the sales data seeded?)")
    if account.owner_id != user.pk:
        raise LookupError(f"the whale account belongs to {account.owner}, not to {user}")
    return account


def _whale_page(user: User) -> dict[str, Any]:
    return {"pk": _whale(user).pk}


def _whale_older_page(user: User) -> dict[str, Any]:
    """The whale's timeline page after DEEP_ENTRIES entries, as its "Older" link asks for it."""
    account = _whale(user)
    keys = list(account_timeline_keys(account=account, cursor=None, size=DEEP_ENTRIES + 1))
    if len(keys) < 2:
        raise LookupError("the whale account has too short a timeline for an older page")
    last = keys[min(DEEP_ENTRIES, len(keys) // 2) - 1]
    cursor = TimelineCursor(last["entry_at"], last["entry_kind"], last["id"]).encode()
    return {"pk": account.pk, "older": cursor}


def _movable_deal(user: User) -> dict[str, Any]:
    """One of the rep's open deals in the first stage, with a primary contact (the same queries at every
    scale), and the next stage: neither has exit criteria."""
    first, second = _open_stages()[:2]
    if first.exit_criteria.exists():
        raise LookupError(f"{first} has exit criteria; the move scenario needs a stage without")
    deal = (
        Deal.objects.filter(owner=user, stage=first, status=DealStatus.OPEN, primary_contact__isnull=False)
        .order_by("-created_at", "-id")
        .first()
    )
    if deal is None:
        raise LookupError(f"{user} has no open deal in {first}")
    return {"pk": deal.pk, "from_stage": first.pk, "to_stage": second.pk}


@scenario("board", role=Role.SALES_REP, constant_queries=True)
def board_rep(client: Client, user: User) -> HttpResponseBase:
    """Board of the default pipeline, first paint (column headers and sums), as a rep (own and team deals)"""
    return client.get("/pipeline/")


@scenario("board-manager", role=Role.SALES_MANAGER, constant_queries=True)
def board_manager(client: Client, user: User) -> HttpResponseBase:
    """Board of the default pipeline, first paint, as a manager (the team's deals)"""
    return client.get("/pipeline/")


@scenario("board-column", role=Role.SALES_MANAGER, prepare=_first_column, constant_queries=True)
def board_column(client: Client, user: User, *, url: str) -> HttpResponseBase:
    """Board column (first open stage), first page of cards, as a manager"""
    return client.get(url, headers=HTMX)


@scenario("board-column-deep", role=Role.SALES_MANAGER, prepare=_deep_column, constant_queries=True)
def board_column_deep(client: Client, user: User, *, url: str) -> HttpResponseBase:
    """Board column (first open stage), the page after 1,000 cards (keyset cursor), as a manager"""
    return client.get(url, headers=HTMX)


@scenario("deal-list", role=Role.SALES_REP, constant_queries=True)
def deal_list(client: Client, user: User) -> HttpResponseBase:
    """Deal list, first page, as a rep"""
    return client.get("/pipeline/deals/")


@scenario("deal-list-by-amount", role=Role.SALES_MANAGER, constant_queries=True)
def deal_list_by_amount(client: Client, user: User) -> HttpResponseBase:
    """Deal list sorted by amount, largest first, as a manager"""
    return client.get("/pipeline/deals/?ordering=-amount")


@scenario("deal-list-closing", role=Role.SALES_MANAGER, constant_queries=True)
def deal_list_closing(client: Client, user: User) -> HttpResponseBase:
    """Deal list of the deals closing this quarter, as a manager"""
    return client.get("/pipeline/deals/?close_period=this_quarter")


@scenario("deal-detail", role=Role.SALES_REP, prepare=_own_deals)
def deal_detail(client: Client, user: User, *, next_pk: Callable[[], int]) -> HttpResponseBase:
    """Deal detail page (stages, criteria, history, lines, timeline) of the rep's 50 newest deals in turn"""
    return client.get(f"/pipeline/deals/{next_pk()}/")


@scenario("account-360", role=Role.SALES_REP, prepare=_whale_page, constant_queries=True)
def account_360(client: Client, user: User, *, pk: int) -> HttpResponseBase:
    """Account 360 page of the whale account (about 2,000 timeline entries), as its owner"""
    return client.get(f"/accounts/{pk}/")


@scenario("account-360-older", role=Role.SALES_REP, prepare=_whale_older_page, constant_queries=True)
def account_360_older(client: Client, user: User, *, pk: int, older: str) -> HttpResponseBase:
    """The whale's timeline, the "Older" page after 1,000 entries, as its owner"""
    return client.get(f"/accounts/{pk}/", {"older": older}, headers=HTMX)


@scenario("forecast", role=Role.SALES_MANAGER, constant_queries=True)
def forecast(client: Client, user: User) -> HttpResponseBase:
    """Forecast of this quarter, as a manager (the team per person and month, against quota)"""
    return client.get("/pipeline/forecast/")


@scenario("api-deal-list", role=Role.SALES_REP, constant_queries=True)
def api_deal_list(client: Client, user: User) -> HttpResponseBase:
    """GET /api/v1/deals/, first page, as a rep"""
    return client.get("/api/v1/deals/", headers=API)


@scenario("api-forecast", role=Role.SALES_MANAGER, constant_queries=True)
def api_forecast(client: Client, user: User) -> HttpResponseBase:
    """GET /api/v1/forecast/ (this quarter), as a manager"""
    return client.get("/api/v1/forecast/", headers=API)


@scenario("deal-move", role=Role.SALES_REP, prepare=_movable_deal, constant_queries=True)
def deal_move(client: Client, user: User, *, pk: int, from_stage: int, to_stage: int) -> HttpResponseBase:
    """Move a deal on the board (a drop) from the first stage to the second, as its owner; rolled back"""
    # The move runs in full (lock, checks, save, history, visit, event, the two columns' new headers)
    # and is then rolled back, so every request makes the same move and the data stays as seeded; the
    # commit is the only part not timed.
    with transaction.atomic():
        response = client.post(
            f"/pipeline/deals/{pk}/move/", {"stage": to_stage, "expected_stage": from_stage}, headers=HTMX
        )
        transaction.set_rollback(True)
    return response
