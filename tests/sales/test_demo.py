"""`make run`'s demo selling: deals in every stage and every close month, a year of wins and losses with
believable stage histories, quotas the forecast compares with, and customers being onboarded."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from crm.demo.people import SELLERS
from crm.models import Account, Activity, ActivityKind, Contact, LifecycleStage, User
from sales.forecast.selectors import MonthRange, forecast_get, month_add
from sales.models import (
    Deal,
    DealStatus,
    DealType,
    Onboarding,
    Pipeline,
    Quota,
    StageKind,
    StageVisit,
    line_total,
)
from sales.services.gates import missing_criteria, stages_passed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def _months(dates: list) -> set[tuple[int, int]]:
    return {(day.year, day.month) for day in dates}


def test_the_board_has_deals_in_every_stage_of_the_default_pipeline(client: Client) -> None:
    pipeline = Pipeline.objects.get(is_default=True)
    assert 90 <= Deal.objects.count() <= 140
    for stage in pipeline.stages.all():
        assert Deal.objects.filter(stage=stage, status=stage.kind).count() >= 5, stage.name
    client.force_login(User.objects.get(username="manager"))

    board = client.get(reverse("sales:board", args=[pipeline.pk])).content.decode()

    newest = Deal.objects.filter(status="open", owner__team__name="East").order_by("-created_at").first()
    assert newest is not None
    assert escape(newest.stage.name) in board
    column = reverse("sales:board-column", args=[pipeline.pk, newest.stage_id])
    assert escape(newest.name) in client.get(column).content.decode()


def test_deals_were_won_and_lost_in_each_of_the_last_twelve_months() -> None:
    now, today = timezone.now(), timezone.localdate()
    last_year = {
        (month_add(today.replace(day=1), -n).year, month_add(today.replace(day=1), -n).month)
        for n in range(12)
    }
    won = Deal.objects.filter(status=DealStatus.WON)
    lost = Deal.objects.filter(status=DealStatus.LOST)
    assert _months([timezone.localdate(at) for at in won.values_list("closed_at", flat=True)]) >= last_year
    assert _months([timezone.localdate(at) for at in lost.values_list("closed_at", flat=True)]) >= last_year
    closed = Deal.objects.exclude(status=DealStatus.OPEN)
    assert not closed.filter(closed_at__gt=now).exists()
    assert not closed.filter(close_date__gt=today).exists()
    assert not lost.filter(lost_reason__isnull=True).exists()
    assert lost.values("lost_reason").distinct().count() >= 4


def test_open_deals_expect_to_close_in_each_of_the_next_six_months() -> None:
    today = timezone.localdate()
    open_deals = Deal.objects.filter(status=DealStatus.OPEN)
    assert not open_deals.filter(close_date__lt=today).exists()
    assert not open_deals.filter(close_date__gt=month_add(today.replace(day=1), 7)).exists()
    coming = {
        (month_add(today.replace(day=1), n).year, month_add(today.replace(day=1), n).month) for n in range(7)
    }
    assert _months(list(open_deals.values_list("close_date", flat=True))) >= coming - {max(coming)}


def test_many_deals_sell_products_and_their_amount_is_the_sum_of_their_lines() -> None:
    with_lines = Deal.objects.annotate(count=Count("lines")).filter(count__gt=0).prefetch_related("lines")
    assert with_lines.count() >= Deal.objects.count() / 2
    for deal in with_lines:
        assert deal.amount == sum(
            line_total(line.quantity, line.unit_price, line.discount) for line in deal.lines.all()
        )


def test_every_deal_went_through_the_stages_one_after_the_other_for_days_at_a_time() -> None:
    for deal in Deal.objects.prefetch_related("stage_visits__stage"):
        visits = sorted(deal.stage_visits.all(), key=lambda visit: visit.entered_at)
        assert visits[-1].stage_id == deal.stage_id, deal
        assert visits[-1].left_at is None, deal
        for visit, following in zip(visits, visits[1:], strict=False):
            assert visit.left_at == following.entered_at, deal
            assert visit.stage.kind == StageKind.OPEN
            # A renewal made by the nightly job today, or a converted lead's first stage, may be shorter.
            assert timedelta(hours=1) <= following.entered_at - visit.entered_at <= timedelta(days=60), deal
    stays = [
        visit.left_at - visit.entered_at
        for visit in StageVisit.objects.filter(left_at__isnull=False)
        if visit.left_at is not None
    ]
    assert timedelta(days=4) <= sum(stays, timedelta()) / len(stays) <= timedelta(days=20)


def test_every_deal_met_the_exit_criteria_of_the_stages_it_went_past() -> None:
    meeting = ContentType.objects.get_for_model(Deal)
    for deal in Deal.objects.prefetch_related("stage_visits__stage"):
        visits = sorted(deal.stage_visits.all(), key=lambda visit: visit.entered_at)
        for visit, following in zip(visits, visits[1:], strict=False):
            passed = stages_passed(current=visit.stage, target=following.stage)
            assert missing_criteria(deal=deal, stages=passed) == [], deal
            if visit.stage.name == "Demo" and following.stage.kind != StageKind.LOST:
                demos = Activity.objects.filter(
                    content_type=meeting,
                    object_id=deal.pk,
                    kind=ActivityKind.MEETING,
                    subject__icontains="demo",
                )
                assert demos.filter(occurred_at__lte=following.entered_at).exists(), deal


def test_the_managers_forecast_for_this_quarter_has_wins_pipeline_and_quota(client: Client) -> None:
    manager = User.objects.get(username="manager")

    forecast = forecast_get(user=manager, months=MonthRange.this_quarter())

    assert [team.team.name for team in forecast.teams if team.team] == ["East"]
    total = forecast.total.total
    assert total.won > 0
    assert total.pipeline > 0
    assert total.quota
    assert 0 < (total.attainment or 0) < 300
    client.force_login(manager)
    html = client.get(reverse("sales:forecast")).content.decode()
    assert "Ravi Patel" in html
    assert "Attainment" in html


def test_every_seller_has_a_quota_from_a_year_back_to_six_months_ahead() -> None:
    month = timezone.localdate().replace(day=1)
    for username in SELLERS:
        periods = set(Quota.objects.filter(user__username=username).values_list("period", flat=True))
        assert periods >= {month_add(month, n) for n in range(-12, 7)}, username


def test_recent_wins_are_onboarding_with_an_item_overdue_and_older_ones_are_done() -> None:
    now = timezone.now()
    assert Onboarding.objects.filter(completed_at__isnull=False).count() >= 10
    under_way = Onboarding.objects.filter(completed_at__isnull=True)
    assert under_way.filter(steps__task__completed_at__isnull=False).exists()
    assert under_way.filter(steps__task__completed_at__isnull=True, steps__task__due_at__gt=now).exists()
    overdue = under_way.filter(steps__task__completed_at__isnull=True, steps__task__due_at__lt=now)
    assert overdue.exists()
    assert overdue.filter(steps__task__assignee__username="support").exists()


def test_wins_made_customers_northwind_renews_and_wayne_churned(client: Client) -> None:
    for deal in Deal.objects.filter(status=DealStatus.WON).select_related("account"):
        assert deal.account is not None
        assert deal.account.lifecycle_stage in (LifecycleStage.CUSTOMER, LifecycleStage.CHURNED)
    northwind = Account.objects.get(domain="northwind.example")
    assert northwind.lifecycle_stage == LifecycleStage.CUSTOMER
    renewal = Deal.objects.get(account=northwind, type=DealType.RENEWAL)
    assert renewal.is_open
    assert renewal.renewal_of is not None
    assert renewal.renewal_of.status == DealStatus.WON
    wayne = Account.objects.get(domain="wayne-analytics.example")
    assert wayne.lifecycle_stage == LifecycleStage.CHURNED
    assert Deal.objects.filter(account=wayne, type=DealType.RENEWAL, status="lost").exists()
    client.force_login(User.objects.get(username="rep"))

    html = client.get(northwind.get_absolute_url()).content.decode()

    assert "Onboarding" in html
    assert "Overdue" in html
    assert escape(renewal.name) in html


def test_reps_logged_calls_meetings_emails_and_notes_on_deals_accounts_and_contacts() -> None:
    for model in (Deal, Account, Contact):
        kinds = Activity.objects.filter(content_type=ContentType.objects.get_for_model(model))
        assert set(kinds.values_list("kind", flat=True)) == set(ActivityKind.values), model
