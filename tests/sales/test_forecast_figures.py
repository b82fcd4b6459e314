"""The forecast's figures for a hand-built set of deals, and whose deals each person sees in it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.errors import Invalid
from crm.models import Role
from sales.forecast.selectors import Figures, ForecastScope, MonthRange, forecast_get, forecast_scopes
from sales.models import Deal, ForecastCategory, Quota, SalesSettings
from tests.factories import LostReasonFactory, TeamFactory, UserFactory
from tests.sales.records import deal

pytestmark = pytest.mark.django_db

Q1 = MonthRange(date(2031, 1, 1), date(2031, 3, 1))
LOCAL = timezone.get_default_timezone()


@pytest.fixture
def rep_deals(pipeline, rep):
    """Every kind of deal the forecast sums, leaves out or only counts, all the rep's."""
    deal(pipeline, rep, 5000, date(2031, 1, 15), "Won")
    deal(pipeline, rep, 2000, date(2031, 1, 20), "Proposal", forecast_category=ForecastCategory.COMMIT)
    deal(pipeline, rep, 1000, date(2031, 1, 31), "Discovery", forecast_category=ForecastCategory.BEST_CASE)
    deal(pipeline, rep, 4000, date(2031, 2, 10), "Discovery")
    deal(pipeline, rep, 3000, date(2031, 2, 28), "Proposal", forecast_category=ForecastCategory.OMITTED)
    deal(pipeline, rep, 9999, date(2031, 1, 10), "Proposal", currency="USD", forecast_category="commit")
    deal(pipeline, rep, 700, None, "Discovery")
    deal(pipeline, rep, 8000, date(2031, 1, 5), "Lost", lost_reason=LostReasonFactory())
    deal(pipeline, rep, 1234, date(2031, 4, 1), "Won")  # the month after the range
    deal(pipeline, rep, 4321, date(2030, 12, 31), "Demo")  # the day before it
    Quota.objects.create(user=rep, period=date(2031, 1, 1), amount=Decimal(10000))
    Quota.objects.create(user=rep, period=date(2031, 2, 1), amount=Decimal(5000))


def person_row(forecast, user):
    return next(row for team in forecast.teams for row in team.people if row.person == user)


def people(forecast):
    return {row.person.username for team in forecast.teams for row in team.people}


def test_each_month_sums_won_commit_best_case_pipeline_and_weighted_against_quota(rep, rep_deals):
    forecast = forecast_get(user=rep, months=Q1)

    january, february, march = person_row(forecast, rep).months
    assert january == Figures(
        won=Decimal(5000),
        commit=Decimal(2000),
        best_case=Decimal(1000),
        pipeline=Decimal(3000),
        weighted=Decimal(1400),  # 2000 x 60 % + 1000 x 20 %
        quota=Decimal(10000),
        other_currency=1,
    )
    assert january.attainment == Decimal("50.0")
    assert (february.pipeline, february.weighted) == (
        Decimal(7000),
        Decimal(2600),
    )  # 4000 x 20 % + 3000 x 60 %
    assert (february.commit, february.best_case) == (Decimal(0), Decimal(0))
    assert (february.omitted_count, february.omitted_amount) == (1, Decimal(3000))
    assert february.attainment == Decimal("0.0")
    assert march == Figures()
    assert march.attainment is None


def test_the_range_total_adds_the_months_quotas_and_counts_what_it_left_out(rep, rep_deals):
    total = forecast_get(user=rep, months=Q1).total.total

    assert (total.won, total.quota, total.attainment) == (Decimal(5000), Decimal(15000), Decimal("33.3"))
    assert (total.pipeline, total.weighted) == (Decimal(10000), Decimal(4000))
    assert (total.other_currency, total.no_close_date, total.omitted_count) == (1, 1, 1)


def test_only_the_default_currency_is_summed(rep, rep_deals):
    SalesSettings.objects.update_or_create(id=1, defaults={"default_currency": "USD"})

    total = forecast_get(user=rep, months=Q1).total.total

    assert (total.commit, total.pipeline, total.won) == (Decimal(9999), Decimal(9999), Decimal(0))
    assert total.other_currency == 5  # the euro deals in the range: one won, four open


def test_months_follow_the_close_date_not_the_creation_date(pipeline, rep):
    deal(pipeline, rep, 100, date(2031, 3, 31), "Demo")

    months = person_row(forecast_get(user=rep, months=Q1), rep).months

    assert [m.pipeline for m in months] == [0, 0, Decimal(100)]


def test_a_win_counts_in_the_month_it_was_won_not_the_month_it_was_expected(pipeline, rep):
    won_early = deal(pipeline, rep, 600, date(2031, 3, 20), "Won")
    Deal.objects.filter(pk=won_early.pk).update(
        closed_at=datetime(2031, 1, 31, 23, 30, tzinfo=LOCAL)  # late on the last day, local time
    )
    deal(pipeline, rep, 900, date(2030, 11, 30), "Won", closed_at=datetime(2031, 2, 2, 9, tzinfo=LOCAL))

    months = person_row(forecast_get(user=rep, months=Q1), rep).months

    assert [m.won for m in months] == [Decimal(600), Decimal(900), 0]


def test_a_range_is_parsed_from_months_and_limited():
    assert MonthRange.parse("2031-11", "2032-02").months == [
        date(2031, 11, 1),
        date(2031, 12, 1),
        date(2032, 1, 1),
        date(2032, 2, 1),
    ]
    assert MonthRange.parse("2031-05", None) == MonthRange(date(2031, 5, 1), date(2031, 7, 1))
    assert MonthRange.parse(None, None, today=date(2031, 8, 20)) == MonthRange(
        date(2031, 7, 1), date(2031, 9, 1)
    )
    for bad in ("2031-13", "0001-01", "31-01", "2031/01"):
        with pytest.raises(Invalid) as refused:
            MonthRange.parse(bad, None)
        assert (refused.value.code, refused.value.field) == ("month_format", "start")
    with pytest.raises(Invalid) as backwards:
        MonthRange.parse("2031-05", "2031-04")
    assert (backwards.value.code, backwards.value.field) == ("months_reversed", "end")
    with pytest.raises(Invalid, match="at most 24 months") as too_long:  # the limit, said
        MonthRange.parse("2031-01", "2033-01")
    assert too_long.value.code == "too_many_months"


# Whose deals


def test_a_rep_does_not_see_a_teammates_deals_when_reps_see_only_their_own(pipeline, rep, teammate):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": False})
    deal(pipeline, teammate, 500, date(2031, 1, 3))

    assert forecast_scopes(rep) == [ForecastScope.ME]
    assert people(forecast_get(user=rep, months=Q1)) == {"rep"}
    assert people(forecast_get(user=rep, months=Q1, owner_id=teammate.pk)) == set()
    with pytest.raises(Invalid) as refused:
        forecast_get(user=rep, months=Q1, scope="team")
    assert (refused.value.code, refused.value.field) == ("scope_not_allowed", "scope")


def test_a_rep_sees_the_teams_rows_when_the_admin_shares_the_team_board(pipeline, rep, teammate, outsider):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": True})
    deal(pipeline, teammate, 500, date(2031, 1, 3))
    deal(pipeline, outsider, 900, date(2031, 1, 3))

    forecast = forecast_get(user=rep, months=Q1, scope="team")

    assert people(forecast) >= {"rep", "teammate"}
    assert "outsider" not in people(forecast)
    assert person_row(forecast, teammate).total.pipeline == Decimal(500)
    assert forecast.total.total.pipeline == Decimal(500)


def test_a_manager_sees_their_team_rolled_up_to_their_total(pipeline, manager, rep, teammate, outsider):
    second = TeamFactory(name="North", manager=manager)
    north_rep = UserFactory(username="north", role=Role.SALES_REP, team=second)
    deal(pipeline, rep, 1000, date(2031, 1, 3), "Won")
    deal(pipeline, teammate, 2000, date(2031, 2, 3), "Won")
    deal(pipeline, north_rep, 4000, date(2031, 3, 3), "Won")
    deal(pipeline, outsider, 8000, date(2031, 1, 3), "Won")
    Quota.objects.create(user=rep, period=date(2031, 1, 1), amount=Decimal(2000))
    Quota.objects.create(user=outsider, period=date(2031, 1, 1), amount=Decimal(1))

    forecast = forecast_get(user=manager, months=Q1)

    assert forecast.scope == ForecastScope.TEAM
    rollups = {team.rollup.label: team.rollup.total for team in forecast.teams}
    assert set(rollups) == {"East", "North"}
    assert rollups["East"].won == Decimal(3000)
    assert rollups["East"].quota == Decimal(2000)
    assert rollups["North"].won == Decimal(4000)
    assert forecast.total.total.won == Decimal(7000)  # the sum of the teams, never the outsider's
    assert [m.won for m in forecast.total.months] == [Decimal(1000), Decimal(2000), Decimal(4000)]
    assert "outsider" not in people(forecast)
    only_north = forecast_get(user=manager, months=Q1, team_id=second.pk)
    assert people(only_north) == {"north"}


def test_a_manager_cannot_pick_another_managers_team(manager, other_team):
    with pytest.raises(Invalid) as refused:
        forecast_get(user=manager, months=Q1, team_id=other_team.pk)

    assert (refused.value.code, refused.value.field) == ("team_not_yours", "team")


def test_an_outsider_sees_nothing_of_another_teams_deals(pipeline, rep, outsider, rep_deals):
    for scope in forecast_scopes(outsider):
        forecast = forecast_get(user=outsider, months=Q1, scope=scope)
        assert "rep" not in people(forecast)
        assert forecast.total.total.won == 0
    assert people(forecast_get(user=outsider, months=Q1, owner_id=rep.pk)) == set()


def test_an_admin_sees_everyone_by_team_and_may_narrow_to_one_team(
    pipeline, admin_user, rep, outsider, team, other_team
):
    deal(pipeline, rep, 1000, date(2031, 1, 3), "Won")
    deal(pipeline, outsider, 3000, date(2031, 1, 3), "Won")

    forecast = forecast_get(user=admin_user, months=Q1)

    assert forecast.scope == ForecastScope.ALL
    assert [team.rollup.label for team in forecast.teams][:2] == ["East", "West"]
    assert forecast.total.total.won == Decimal(4000)
    assert forecast_get(user=admin_user, months=Q1, team_id=other_team.pk).total.total.won == Decimal(3000)


def test_a_marketer_only_gets_their_own_empty_forecast(pipeline, marketer, rep):
    deal(pipeline, rep, 1000, date(2031, 1, 3), "Won")

    forecast = forecast_get(user=marketer, months=Q1)

    assert forecast_scopes(marketer) == [ForecastScope.ME]
    assert forecast.teams == ()
    with pytest.raises(Invalid) as refused:
        forecast_get(user=marketer, months=Q1, scope="all")
    assert refused.value.code == "scope_not_allowed"
