"""The deal rules (sales.rules): the detail page, the board and the API offer what the services then
allow, for every role, because they ask the same rule."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.errors import DomainError
from crm.models import User
from sales.models import Deal, DealStatus, SalesSettings, StageKind
from sales.rules import deal_can_be_deleted, deal_can_be_reopened, deal_can_move, deal_lines_editable
from sales.services.deals import deal_delete, deal_move, deal_reopen
from sales.services.lines import deal_line_add
from tests.factories import DealFactory, LostReasonFactory
from tests.factories.sales import ProductFactory

pytestmark = pytest.mark.django_db

ROLES = ["admin_user", "manager", "rep", "teammate", "marketer", "support_agent"]


@pytest.fixture(autouse=True)
def team_board() -> None:
    # Teammates read each other's deals: the read-only case is then reachable.
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": True})


def _allowed(act) -> bool:
    try:
        act()
    except DomainError:
        return False
    return True


def _deal(owner: User, status: str) -> Deal:
    deal = DealFactory(owner=owner)
    if status != DealStatus.OPEN:
        deal.stage = deal.pipeline.stages.get(kind=status)
        deal.status, deal.closed_at = status, timezone.now()
        deal.lost_reason = LostReasonFactory() if status == DealStatus.LOST else None
        deal.save()
    return Deal.objects.select_related("owner", "stage", "pipeline").get(pk=deal.pk)


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # reads the team board setting, as a request does


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", list(DealStatus))
def test_delete_is_offered_exactly_when_the_service_deletes(request, rep, role, status):
    user = _fresh(request.getfixturevalue(role))
    deal = _deal(rep, status)

    offered = bool(deal_can_be_deleted(user, deal))

    assert offered is _allowed(lambda: deal_delete(actor=user, deal_id=deal.pk))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [DealStatus.OPEN, DealStatus.WON])
def test_moving_is_offered_exactly_when_the_service_moves(request, rep, role, status):
    user = _fresh(request.getfixturevalue(role))
    deal = _deal(rep, status)
    target = deal.pipeline.stages.filter(kind=StageKind.OPEN).exclude(pk=deal.stage_id).first()
    assert target is not None

    offered = bool(deal_can_move(user, deal))

    assert offered is _allowed(lambda: deal_move(actor=user, deal_id=deal.pk, stage_id=target.pk))


@pytest.mark.parametrize("role", ROLES)
def test_reopening_is_offered_exactly_when_the_service_reopens(request, rep, role):
    user = _fresh(request.getfixturevalue(role))
    deal = _deal(rep, DealStatus.LOST)

    offered = bool(deal_can_be_reopened(user, deal))

    assert offered is _allowed(
        lambda: deal_reopen(actor=user, deal_id=deal.pk, close_date=timezone.localdate() + timedelta(days=30))
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", [DealStatus.OPEN, DealStatus.WON])
def test_the_lines_editor_shows_exactly_when_the_service_adds_a_line(request, rep, role, status):
    user = _fresh(request.getfixturevalue(role))
    deal = _deal(rep, status)
    product = ProductFactory(currency=deal.currency, unit_price=Decimal(10))

    offered = bool(deal_lines_editable(user, deal))

    assert offered is _allowed(lambda: deal_line_add(actor=user, deal_id=deal.pk, product=product))


def test_a_won_deals_delete_page_says_only_admins_may_and_its_page_offers_no_delete(as_user, rep):
    deal = _deal(rep, DealStatus.WON)
    client = as_user(rep)

    page = client.get(deal.get_absolute_url()).content.decode()
    refused = client.get(reverse("sales:deal-delete", args=[deal.pk]))

    assert reverse("sales:deal-delete", args=[deal.pk]) not in page
    assert refused.status_code == 403
    assert "Only admins can delete a won deal." in refused.content.decode()


def test_the_board_makes_a_card_movable_exactly_when_the_deal_may_move(as_user, rep, teammate):
    mine = DealFactory(owner=rep)
    theirs = DealFactory(owner=teammate, pipeline=mine.pipeline, stage=mine.stage)
    column = reverse("sales:board-column", args=[mine.pipeline_id, mine.stage_id])

    cards = as_user(_fresh(rep)).get(column).content.decode()

    assert reverse("sales:deal-move", args=[mine.pk]) in cards
    assert f'data-deal-id="{theirs.pk}"' in cards  # shown, read-only
    assert reverse("sales:deal-move", args=[theirs.pk]) not in cards
