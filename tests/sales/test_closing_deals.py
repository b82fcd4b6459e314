"""Winning, losing and reopening a deal: when it closed (closed_at) is kept apart from when it was
expected to close (close_date), and a closed deal moves again only once it is reopened on purpose."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from crm.errors import Invalid
from crm.models import LifecycleEvent
from sales.models import Deal, DealStatus
from sales.services.deals import deal_move, deal_reopen, deal_update
from tests.factories import DealFactory, LostReasonFactory
from tests.factories.sales import stage
from tests.sales.pages import Page, messages_of
from tests.sales.records import deal_api_url, deal_move_api_url

pytestmark = pytest.mark.django_db
BACKFILL = import_module("sales.migrations.0006_opportunity_closed_at")


def in_a_month():
    return timezone.localdate() + timedelta(days=30)


def open_deal(pipeline, owner, stage_name="Proposal", **fields):
    return DealFactory(
        pipeline=pipeline, owner=owner, stage=stage(pipeline, stage_name), close_date=in_a_month(), **fields
    )


def won_deal(pipeline, owner, **fields):
    deal = open_deal(pipeline, owner)
    deal_move(actor=owner, deal_id=deal.pk, stage_id=stage(pipeline, "Won").pk, **fields)
    deal.refresh_from_db()
    return deal


def detail(deal: Deal) -> str:
    return reverse("sales:deal-detail", args=[deal.pk])


# The two dates


def test_a_win_records_when_it_closed_and_keeps_the_expected_close_date(rep, pipeline):
    deal = won_deal(pipeline, rep)

    assert deal.status == DealStatus.WON
    assert deal.close_date == in_a_month()
    assert timezone.now() - deal.closed_at < timedelta(minutes=1)


def test_a_close_date_and_a_closing_time_sent_with_the_move_are_both_applied(api_as, rep, pipeline):
    deal = open_deal(pipeline, rep)
    expected = timezone.localdate() - timedelta(days=3)  # a win may come after the planned date
    closed = timezone.now() - timedelta(days=1)

    response = api_as(rep).post(
        deal_move_api_url(deal),
        {
            "stage": stage(pipeline, "Won").pk,
            "close_date": expected.isoformat(),
            "closed_at": closed.isoformat(),
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    deal.refresh_from_db()
    assert (deal.status, deal.close_date, deal.closed_at) == (DealStatus.WON, expected, closed)


def test_a_patch_winning_the_deal_with_a_close_date_applies_both(api_as, rep, pipeline):
    deal = open_deal(pipeline, rep)
    expected = timezone.localdate() - timedelta(days=3)

    response = api_as(rep).patch(
        deal_api_url(deal),
        {"stage": stage(pipeline, "Won").pk, "close_date": expected.isoformat()},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["close_date"]) == ("won", expected.isoformat())
    assert body["closed_at"] is not None


def test_a_loss_cannot_be_dated_in_the_future(api_as, rep, pipeline):
    deal = open_deal(pipeline, rep)

    response = api_as(rep).post(
        deal_move_api_url(deal),
        {
            "stage": stage(pipeline, "Lost").pk,
            "lost_reason": LostReasonFactory().pk,
            "closed_at": (timezone.now() + timedelta(days=2)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 400
    assert "future" in response.json()["closed_at"][0]
    deal.refresh_from_db()
    assert deal.is_open


def test_the_move_form_takes_the_day_the_deal_was_won(as_user, rep, pipeline):
    deal = open_deal(pipeline, rep)
    day = timezone.localdate() - timedelta(days=2)

    as_user(rep).post(
        reverse("sales:deal-move", args=[deal.pk]),
        {"stage": stage(pipeline, "Won").pk, "expected_stage": deal.stage_id, "closed_on": day.isoformat()},
    )

    deal.refresh_from_db()
    assert deal.status == DealStatus.WON
    assert timezone.localdate(deal.closed_at) == day
    assert deal.close_date == in_a_month()


# A closed deal does not move; reopening is its own action


def test_moving_a_won_deal_is_refused_with_how_to_reopen_it(rep, pipeline):
    deal = won_deal(pipeline, rep)

    with pytest.raises(Invalid) as refused:
        deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Demo").pk)

    assert (refused.value.code, refused.value.field) == ("deal_closed", "stage")
    assert "This deal was won on" in refused.value.message  # when it closed, and what to do
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON


def test_the_api_refuses_to_move_a_lost_deal_and_to_change_its_stage(api_as, rep, pipeline):
    deal = open_deal(pipeline, rep)
    deal_move(
        actor=rep,
        deal_id=deal.pk,
        stage_id=stage(pipeline, "Lost").pk,
        lost_reason_id=LostReasonFactory().pk,
    )
    client = api_as(rep)

    moved = client.post(deal_move_api_url(deal), {"stage": stage(pipeline, "Won").pk}, format="json")
    patched = client.patch(deal_api_url(deal), {"stage": stage(pipeline, "Demo").pk}, format="json")

    for response in (moved, patched):
        assert response.status_code == 400
        assert "reopen it before moving it" in response.json()["stage"][0]
    deal.refresh_from_db()
    assert deal.status == DealStatus.LOST


def test_reopening_goes_back_to_the_last_open_stage_and_clears_the_close(rep, pipeline):
    deal = open_deal(pipeline, rep)
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Negotiation").pk)
    deal_move(
        actor=rep,
        deal_id=deal.pk,
        stage_id=stage(pipeline, "Lost").pk,
        lost_reason_id=LostReasonFactory().pk,
    )

    deal_reopen(actor=rep, deal_id=deal.pk)
    deal_reopen(actor=rep, deal_id=deal.pk)  # twice: harmless

    deal.refresh_from_db()
    assert (deal.stage.name, deal.status, deal.closed_at, deal.lost_reason) == (
        "Negotiation",
        DealStatus.OPEN,
        None,
        None,
    )
    assert LifecycleEvent.objects.filter(object_id=deal.pk, type="deal.reopened").count() == 1


def test_reopening_after_the_expected_date_passed_asks_for_a_new_one(rep, pipeline):
    deal = won_deal(pipeline, rep)
    Deal.objects.filter(pk=deal.pk).update(close_date=timezone.localdate() - timedelta(days=5))

    with pytest.raises(Invalid) as refused:
        deal_reopen(actor=rep, deal_id=deal.pk)
    assert (refused.value.code, refused.value.field) == ("close_date_past", "close_date")

    deal_reopen(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Demo").pk, close_date=in_a_month())
    deal.refresh_from_db()
    assert (deal.stage.name, deal.close_date, deal.closed_at) == ("Demo", in_a_month(), None)


def test_a_deal_reopens_only_in_an_open_stage_of_its_pipeline(rep, pipeline):
    deal = won_deal(pipeline, rep)

    with pytest.raises(Invalid) as refused:
        deal_reopen(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Lost").pk)
    assert (refused.value.code, refused.value.field) == ("reopen_stage_invalid", "stage")


def test_the_edit_form_of_a_closed_deal_does_not_move_it(as_user, rep, pipeline):
    deal = won_deal(pipeline, rep)
    client = as_user(rep)
    url = reverse("sales:deal-edit", args=[deal.pk])

    form = client.get(url).content.decode()
    client.post(
        url,
        {
            "name": deal.name,
            "account": deal.account_id,
            "account_search": deal.account.name,
            "pipeline": deal.pipeline_id,
            "stage": stage(pipeline, "Demo").pk,
            "expected_stage": deal.stage_id,
            "amount": "1000.00",
            "currency": "EUR",
            "owner": rep.pk,
            "type": deal.type,
            "forecast_category": deal.forecast_category,
        },
    )

    assert "A won or lost deal is reopened from its page first." in form
    deal.refresh_from_db()
    assert (deal.stage.name, deal.status) == ("Won", DealStatus.WON)


def test_a_closed_deals_page_offers_reopening_instead_of_moving_and_says_when_it_closed(
    as_user, rep, pipeline
):
    deal = won_deal(pipeline, rep)
    client = as_user(rep)

    html = client.get(detail(deal)).content.decode()

    assert 'id="move-heading"' not in html
    assert "Reopen this deal" in html
    page = Page(html)
    closed = timezone.localtime(deal.closed_at)
    assert f"Closed on {closed:%-d %b %Y}" in " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert page.by_id["reopen_stage"].tag == "select"

    response = client.post(
        reverse("sales:deal-reopen", args=[deal.pk]), {"stage": stage(pipeline, "Negotiation").pk}
    )

    assert response.url == detail(deal)
    assert messages_of(response) == [f"Reopened {deal.name} in Negotiation."]
    reopened = client.get(detail(deal)).content.decode()
    assert 'id="move-heading"' in reopened
    assert "Reopen this deal" not in reopened


def test_an_open_deals_page_offers_moving_not_reopening(as_user, rep, pipeline):
    html = as_user(rep).get(detail(open_deal(pipeline, rep))).content.decode()

    assert 'id="move-heading"' in html
    assert "Reopen this deal" not in html


def test_the_api_reopens_a_deal_in_the_stage_asked_for(api_as, rep, pipeline):
    deal = won_deal(pipeline, rep)

    response = api_as(rep).post(
        f"{deal_api_url(deal)}reopen/", {"stage": stage(pipeline, "Demo").pk}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["stage_name"], body["closed_at"]) == ("open", "Demo", None)


# The backfill of migration 0006


def test_the_backfill_gives_closed_deals_back_the_expected_close_date_the_close_overwrote(
    rep, pipeline, monkeypatch
):
    deal = open_deal(pipeline, rep)
    edited = won_deal(pipeline, rep)  # won since the change, then its expected date typed in again
    deal_update(actor=rep, deal_id=edited.pk, fields={"close_date": date_in(60)})
    deal = won_deal_the_old_way(deal, pipeline, rep)

    # 0006's SQL names the tables as they were until the rename to deal.
    old_table = re.compile(r"\bsales_(historical)?opportunity\b")  # old name: before the rename
    backfill = old_table.sub(r"sales_\1deal", BACKFILL.RESTORE_EXPECTED_CLOSE_DATE)
    monkeypatch.setattr(BACKFILL, "RESTORE_EXPECTED_CLOSE_DATE", backfill)

    with connection.schema_editor() as editor:
        BACKFILL.restore_expected_close_dates(apps, editor)

    deal.refresh_from_db()
    edited.refresh_from_db()
    assert deal.close_date == in_a_month()  # what it was while open
    assert edited.close_date == date_in(60)  # typed in after the close: kept


def date_in(days: int):
    return timezone.localdate() + timedelta(days=days)


def won_deal_the_old_way(deal, pipeline, rep):
    """A win as it was recorded before closed_at and close_date were kept apart: the close date became
    the day of the close."""
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Won").pk)
    deal.refresh_from_db()
    Deal.objects.filter(pk=deal.pk).update(close_date=timezone.localdate(deal.closed_at))
    deal.close_date = timezone.localdate(deal.closed_at)
    deal.save()  # its history row, as the old move wrote it
    return deal
