"""The sales report's figures for a hand-computed set of deals, whose deals each person sees in it, and
the same figures on the page, in the CSV and from the API."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.errors import Invalid
from crm.models import Role
from sales.forecast.selectors import MonthRange
from sales.models import Deal, DealLine
from sales.report.selectors import Results, sales_report_get
from tests.factories import LostReasonFactory, ProductFactory, TeamFactory, UserFactory
from tests.sales.records import deal

pytestmark = pytest.mark.django_db

Q1 = MonthRange(date(2031, 1, 1), date(2031, 3, 1))
LOCAL = timezone.get_default_timezone()


def closed(pipeline, owner, amount, stage_name, *, on: date, cycle_days: int, **fields) -> Deal:
    """A deal won or lost at noon on `on`, created `cycle_days` before."""
    if stage_name == "Lost":
        fields.setdefault("lost_reason", LostReasonFactory())
    made: Deal = deal(pipeline, owner, amount, on, stage_name, **fields)
    assert made.closed_at is not None
    Deal.objects.filter(pk=made.pk).update(created_at=made.closed_at - timedelta(days=cycle_days))
    return made


@pytest.fixture
def book(pipeline):
    """Two teams: East (a manager, Ann and Bob), West (Cy). Hand-computed figures in the tests below."""
    east, west = TeamFactory(name="East"), TeamFactory(name="West")
    people = {
        "manager": UserFactory(
            username="mia", first_name="Mia", last_name="Lee", role=Role.SALES_MANAGER, team=east
        ),
        "ann": UserFactory(username="ann", first_name="Ann", last_name="Lee", role=Role.SALES_REP, team=east),
        "bob": UserFactory(username="bob", first_name="Bob", last_name="Lee", role=Role.SALES_REP, team=east),
        "cy": UserFactory(username="cy", first_name="Cy", last_name="Lee", role=Role.SALES_REP, team=west),
    }
    east.manager = people["manager"]
    east.save()
    ann, bob, cy = people["ann"], people["bob"], people["cy"]
    closed(pipeline, ann, 1000, "Won", on=date(2031, 1, 15), cycle_days=10)
    closed(pipeline, ann, 3000, "Won", on=date(2031, 2, 15), cycle_days=20)
    closed(pipeline, ann, 500, "Lost", on=date(2031, 3, 10), cycle_days=5)
    closed(pipeline, ann, 50000, "Won", on=date(2030, 12, 15), cycle_days=1)  # before the period
    deal(pipeline, ann, 2000, date(2031, 5, 1), "Discovery")
    closed(pipeline, bob, 4000, "Won", on=date(2031, 2, 1), cycle_days=30)
    closed(pipeline, bob, 9999, "Won", on=date(2031, 2, 2), cycle_days=10, currency="USD")
    closed(pipeline, bob, 1000, "Lost", on=date(2031, 2, 3), cycle_days=3)
    closed(pipeline, bob, 1500, "Lost", on=date(2031, 3, 3), cycle_days=3)
    deal(pipeline, bob, 700, date(2031, 5, 1), "Proposal")
    closed(pipeline, cy, 800, "Lost", on=date(2031, 1, 20), cycle_days=8)
    deal(pipeline, cy, 300, date(2031, 6, 1), "Discovery")
    return people


def person(report, user) -> Results:
    results: Results = next(r.results for team in report.teams for r in team.people if r.person == user)
    return results


def figures(results: Results) -> tuple:
    return (
        results.won,
        results.won_amount,
        results.lost,
        results.lost_amount,
        results.win_rate,
        results.average_deal,
        results.average_cycle_days,
        results.open,
        results.open_amount,
        results.other_currency,
    )


D = Decimal


def test_each_person_team_and_the_total_add_up_to_the_hand_computed_figures(admin_user, book, pipeline):
    report = sales_report_get(user=admin_user, months=Q1, pipeline_id=pipeline.pk)

    # Ann: 2 won (1,000 + 3,000, cycles 10 and 20 days), 1 lost (500); 50,000 was won before the period.
    assert figures(person(report, book["ann"])) == (
        2,
        D(4000),
        1,
        D(500),
        D("66.7"),
        D("2000.00"),
        D("15.0"),
        1,
        D(2000),
        0,
    )
    # Bob: 2 won, one in USD (counted in the win rate and cycle, not in the amounts): cycles 30 and 10.
    assert figures(person(report, book["bob"])) == (
        2,
        D(4000),
        2,
        D(2500),
        D("50.0"),
        D("4000.00"),
        D("20.0"),
        1,
        D(700),
        1,
    )
    assert figures(person(report, book["cy"])) == (0, D(0), 1, D(800), D("0.0"), None, None, 1, D(300), 0)
    assert figures(person(report, book["manager"])) == (0, D(0), 0, D(0), None, None, None, 0, D(0), 0)

    east, west = report.teams
    assert (east.rollup.label, west.rollup.label) == ("East", "West")
    # 4 won of 7 closed; 8,000 over the 3 won in euros; cycles 10 + 20 + 30 + 10 over 4.
    assert figures(east.rollup.results) == (
        4,
        D(8000),
        3,
        D(3000),
        D("57.1"),
        D("2666.67"),
        D("17.5"),
        2,
        D(2700),
        1,
    )
    assert figures(report.total.results) == (
        4,
        D(8000),
        4,
        D(3800),
        D("50.0"),
        D("2666.67"),
        D("17.5"),
        3,
        D(3000),
        1,
    )
    by_stage = {row.stage.name: (row.count, row.amount) for row in report.stages}
    assert by_stage == {
        "Qualification": (0, D(0)),
        "Discovery": (2, D(2300)),
        "Demo": (0, D(0)),
        "Proposal": (1, D(700)),
        "Negotiation": (0, D(0)),
    }
    assert [row.stage.name for row in report.stages] == list(by_stage)  # board order


def test_a_rep_sees_their_own_figures_and_may_not_ask_for_everyone(book, pipeline):
    report = sales_report_get(user=book["ann"], months=Q1)

    assert [r.person for team in report.teams for r in team.people] == [book["ann"]]
    assert report.total.results.won_amount == D(4000)
    with pytest.raises(Invalid):
        sales_report_get(user=book["ann"], months=Q1, scope="all")


def test_a_manager_sees_their_team_only(book):
    report = sales_report_get(user=book["manager"], months=Q1)

    assert {str(r.person) for team in report.teams for r in team.people} == {"Mia Lee", "Ann Lee", "Bob Lee"}
    assert report.total.results.lost_amount == D(3000)


def test_a_product_narrows_the_report_to_deals_with_a_line_of_it(admin_user, book, pipeline):
    product = ProductFactory(name="Platform")
    won = Deal.objects.get(owner=book["ann"], amount=3000)
    DealLine.objects.create(deal=won, product=product, quantity=1, unit_price=D(3000))

    report = sales_report_get(user=admin_user, months=Q1, product_id=product.pk)

    assert figures(report.total.results)[:4] == (1, D(3000), 0, D(0))
    with pytest.raises(Invalid, match="There is no product"):
        sales_report_get(user=admin_user, months=Q1, product_id=product.pk + 1000)


def test_a_deal_closed_late_on_the_periods_last_day_counts_in_it(admin_user, pipeline):
    rep = UserFactory(role=Role.SALES_REP)
    deal(pipeline, rep, 100, date(2031, 3, 31), "Won", closed_at=datetime(2031, 3, 31, 23, 30, tzinfo=LOCAL))
    deal(pipeline, rep, 200, date(2031, 4, 1), "Won", closed_at=datetime(2031, 4, 1, 0, 30, tzinfo=LOCAL))

    assert sales_report_get(user=admin_user, months=Q1).total.results.won_amount == D(100)


def test_the_page_shows_the_figures_and_the_csv_holds_them_spreadsheet_safe(
    client, admin_user, book, pipeline
):
    book["cy"].first_name = "=cmd|' /C calc'!A0"
    book["cy"].save()
    client.force_login(admin_user)
    query = {"start": "2031-01", "end": "2031-03", "pipeline": pipeline.pk}

    page = client.get(reverse("sales:report"), query)

    html = page.content.decode()
    assert page.status_code == 200
    assert "66.7 %" in html
    assert "2,666.67" in html
    assert "17.5 days" in html
    assert "sales/report.js" in html
    assert "Enterprise ·" not in html  # one pipeline's stages need no pipeline name
    everything = client.get(reverse("sales:report"), {"start": "2031-01", "end": "2031-03"}).content.decode()
    assert "Enterprise ·" in everything  # with the default pipeline's stages too, they do
    download = client.get(reverse("sales:report-export"), query)
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:7] == ["Team", "Person", "Won", "Won value", "Lost", "Lost value", "Win rate %"]
    assert [
        "East",
        "Ann Lee",
        "2",
        "4000.00",
        "1",
        "500.00",
        "66.7",
        "2000.00",
        "15.0",
        "1",
        "2000.00",
        "0",
    ] in rows
    assert rows[-1][:8] == ["", "Total", "4", "8000.00", "4", "3800.00", "50.0", "2666.67"]
    assert any(r[1].startswith("'=cmd") for r in rows)


def test_a_bad_month_is_explained_on_the_page(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reverse("sales:report"), {"start": "2031-13"})

    assert page.status_code == 200
    assert "Give the month as YYYY-MM" in page.content.decode()


def test_the_page_takes_the_same_queries_for_one_rep_or_many(client, admin_user, pipeline):
    client.force_login(admin_user)
    query = {"start": "2031-01", "end": "2031-03"}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("sales:report"), query).status_code == 200
        last[:] = captured.captured_queries
        return len(captured)

    last: list[dict] = []
    rep = UserFactory(role=Role.SALES_REP, team=TeamFactory())
    closed(pipeline, rep, 100, "Won", on=date(2031, 1, 10), cycle_days=3)
    queries()  # the first request also fills the caches of the page shell
    few = queries()
    for _ in range(6):
        other = UserFactory(role=Role.SALES_REP, team=TeamFactory())
        closed(pipeline, other, 100, "Won", on=date(2031, 1, 10), cycle_days=3)
        closed(pipeline, other, 100, "Lost", on=date(2031, 2, 10), cycle_days=3)
        deal(pipeline, other, 100, date(2031, 5, 1), "Demo")
    assert queries() == few, "\n".join(q["sql"][:150] for q in last)


def test_the_api_gives_the_same_figures_and_refuses_what_is_not_yours(api_as, admin_user, book, pipeline):
    response = api_as(admin_user).get(
        "/api/v1/sales-report/", {"start": "2031-01", "end": "2031-03", "pipeline": pipeline.pk}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["currency"] == "EUR"
    assert body["total"]["win_rate"] == "50.0"
    assert body["total"]["average_deal"] == "2666.67"
    east = body["teams"][0]
    assert (east["name"], east["won"], east["won_amount"], east["average_cycle_days"]) == (
        "East",
        4,
        "8000.00",
        "17.5",
    )
    ann = next(p for p in east["people"] if p["id"] == book["ann"].pk)
    assert (ann["win_rate"], ann["open_amount"]) == ("66.7", "2000.00")
    assert [s["name"] for s in body["stages"]][:2] == ["Qualification", "Discovery"]

    assert api_as(book["ann"]).get("/api/v1/sales-report/", {"scope": "all"}).status_code == 400
    assert api_as(admin_user).get("/api/v1/sales-report/", {"start": "2031-13"}).status_code == 400
