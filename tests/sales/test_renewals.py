"""Renewal deals appear ahead of a contract's end, once per contract, for the deal's owner."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Notification, NotificationKind
from sales.models import DealLine, DealStatus, DealType, SalesSettings
from sales.renewals.services import renewals_create_due
from sales.renewals.tasks import create_due_renewals
from tests.factories import DealFactory, ProductFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db


def won_deal(pipeline, rep, *, contract_end: date | None, contract_start: date | None = None):
    deal = DealFactory(
        owner=rep,
        pipeline=pipeline,
        stage=stage(pipeline, "Won"),
        amount=Decimal("1200.00"),
        contract_start=contract_start,
        contract_end=contract_end,
    )
    DealLine.objects.create(
        deal=deal, product=ProductFactory(), quantity=Decimal(12), unit_price=Decimal(100)
    )
    return deal


def test_a_contract_ending_within_the_lead_time_gets_one_renewal_for_its_owner(pipeline, rep):
    today = timezone.localdate()
    start, end = today - timedelta(days=300), today + timedelta(days=64)
    deal = won_deal(pipeline, rep, contract_start=start, contract_end=end)

    assert renewals_create_due(today=today) == 1
    assert renewals_create_due(today=today) == 0  # a second beat finds nothing left to do
    assert create_due_renewals() == 0

    renewal = deal.renewal
    assert renewal.type == DealType.RENEWAL
    assert renewal.status == DealStatus.OPEN
    assert (renewal.owner, renewal.account, renewal.amount) == (rep, deal.account, deal.amount)
    assert renewal.close_date == end
    assert (renewal.contract_start, renewal.contract_end) == (
        end + timedelta(days=1),
        end + timedelta(days=1) + (end - start),
    )
    assert list(renewal.lines.values_list("quantity", "unit_price")) == [(Decimal(12), Decimal(100))]
    notice = Notification.objects.get(recipient=rep, kind=NotificationKind.RENEWAL_DUE)
    assert notice.url == renewal.get_absolute_url()


def test_contracts_ending_later_than_the_admins_lead_time_wait(pipeline, rep):
    SalesSettings.objects.update_or_create(id=1, defaults={"renewal_lead_days": 30})
    today = timezone.localdate()
    later = won_deal(pipeline, rep, contract_end=today + timedelta(days=31))
    open_ended = won_deal(pipeline, rep, contract_end=None)

    assert renewals_create_due(today=today) == 0
    assert not hasattr(later, "renewal") or later.renewal is None
    assert renewals_create_due(today=today + timedelta(days=1)) == 1
    later.refresh_from_db()
    assert later.renewal.type == DealType.RENEWAL
    open_ended.refresh_from_db()
    assert not type(open_ended).objects.filter(renewal_of=open_ended).exists()
