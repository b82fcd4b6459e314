"""The forecast page as a person reads it: its tables, its notes, its chart data, and what it costs."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Role
from sales.forecast.selectors import MonthRange
from sales.models import ForecastCategory, Quota, SalesSettings
from tests.factories import UserFactory
from tests.sales.records import deal

pytestmark = pytest.mark.django_db

URL = reverse("sales:forecast")
Q1 = {"start": "2031-01", "end": "2031-03"}
CHART_DATA = re.compile(r'<script id="forecast-chart-data" type="application/json">(.*?)</script>', re.S)


class Tables(HTMLParser):
    """Each table by its caption: {row header: {column header: cell text}}."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, dict[str, str]]] = {}
        self._caption: str | None = None
        self._headers: list[str] = []
        self._row: list[str] | None = None
        self._text: list[str] | None = None
        self._in_head = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._headers, self._caption = [], ""
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td", "caption"):
            self._text = []

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td", "caption") and self._text is not None:
            text = " ".join("".join(self._text).split())
            self._text = None
            if tag == "caption":
                self._caption = text
                self.tables[text] = {}
            elif self._in_head:
                self._headers.append(text)
            elif self._row is not None:
                self._row.append(text)
        elif tag == "thead":
            self._in_head = False
        elif tag == "tr" and self._row and self._caption is not None:
            self.tables[self._caption][self._row[0]] = dict(
                zip(self._headers[1:], self._row[1:], strict=True)
            )
            self._row = None


def page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_each_months_figures_per_person_and_team(as_user, pipeline, manager, rep, teammate):
    rep.first_name, rep.last_name = "Rita", "Rep"
    rep.save()
    deal(pipeline, rep, 5000, date(2031, 1, 15), "Won")
    deal(pipeline, rep, 2000, date(2031, 1, 20), "Proposal", forecast_category=ForecastCategory.COMMIT)
    deal(pipeline, rep, 1000, date(2031, 1, 31), "Discovery", forecast_category=ForecastCategory.BEST_CASE)
    deal(pipeline, teammate, 4000, date(2031, 2, 10), "Won")
    Quota.objects.create(user=rep, period=date(2031, 1, 1), amount=Decimal(10000))

    tables = Tables(page(as_user(manager), **Q1)).tables

    january = tables["Forecast for January 2031 in EUR"]
    assert january["Rita Rep"] == {
        "Won": "5,000.00",
        "Quota": "10,000.00",
        "Attainment": "50.0 %",
        "Commit": "2,000.00",
        "Best case": "1,000.00",
        "Open pipeline": "3,000.00",
        "Weighted": "1,400.00",
    }
    assert january["East total"]["Won"] == "5,000.00"
    whole = tables["Forecast for January 2031 to March 2031 in EUR"]
    assert whole["East total"]["Won"] == "9,000.00"
    assert whole[str(teammate)]["Quota"] == "—"
    assert tables["Forecast for March 2031 in EUR"]["East total"]["Won"] == "0.00"


def test_the_notes_say_what_was_left_out(as_user, pipeline, rep):
    deal(pipeline, rep, 100, date(2031, 1, 3), currency="USD")
    deal(pipeline, rep, 100, date(2031, 1, 3), currency="GBP")
    deal(pipeline, rep, 100, None)
    deal(pipeline, rep, 300, date(2031, 1, 3), forecast_category=ForecastCategory.OMITTED)

    html = " ".join(unescape(page(as_user(rep), **Q1)).split())

    assert "2 deals in other currencies are left out." in html
    assert "1 open deal has no close date" in html
    assert "1 open deal (300.00) is omitted from the forecast" in html


def test_the_chart_gets_its_data_as_json_with_the_quota_line(as_user, pipeline, rep):
    deal(pipeline, rep, 5000, date(2031, 1, 15), "Won")
    deal(pipeline, rep, 1000, date(2031, 2, 15), "Proposal", forecast_category=ForecastCategory.COMMIT)
    Quota.objects.create(user=rep, period=date(2031, 2, 1), amount=Decimal(8000))

    html = page(as_user(rep), **Q1)

    script = CHART_DATA.search(html)
    assert script is not None
    chart = json.loads(script.group(1))
    assert chart == {
        "labels": ["Jan 2031", "Feb 2031", "Mar 2031"],
        "currency": "EUR",
        "won": ["5000.00", "0.00", "0.00"],
        "commit": ["0.00", "1000.00", "0.00"],
        "weighted": ["0.00", "600.00", "0.00"],
        "quota": [None, "8000.00", None],
    }
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert "sales/forecast.js" in html


def test_without_months_the_page_shows_this_quarter(as_user, rep):
    quarter = MonthRange.this_quarter(timezone.localdate())

    html = page(as_user(rep))

    assert f'value="{quarter.first:%Y-%m}"' in html
    assert f'value="{quarter.last:%Y-%m}"' in html
    assert f"{quarter.first:%B %Y} to {quarter.last:%B %Y}" in html


def test_a_bad_month_is_named_on_its_field(as_user, rep):
    html = unescape(page(as_user(rep), start="2031-13", end="2031-03"))

    assert re.search(r'id="id_start_error">Give the month as YYYY-MM', html)
    assert 'aria-invalid="true"' in html
    assert "Forecast for" not in html


def test_a_manager_picking_a_team_not_theirs_is_told_so(as_user, manager, other_team):
    html = unescape(page(as_user(manager), team=other_team.pk, **Q1))

    assert "Select a valid choice" in html
    assert "Forecast for" not in html


def test_a_rep_gets_no_scope_choice_unless_the_team_board_is_shared(as_user, rep):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": False})
    client = as_user(rep)

    assert '<select name="scope"' not in page(client, **Q1)
    assert "Set quotas" not in page(client, **Q1)
    SalesSettings.objects.filter(id=1).update(reps_see_team_board=True)
    assert '<select name="scope"' in page(client, **Q1)


def test_every_form_control_has_a_label(as_user, admin_user, team):
    html = page(as_user(admin_user), **Q1)

    controls = re.findall(r'<(?:input|select)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', html)
    assert set(controls) == {"id_start", "id_end", "id_scope", "id_team"}
    for control in controls:
        assert f'for="{control}"' in html


@pytest.mark.parametrize("role", [Role.SALES_MANAGER, Role.ADMIN])
def test_the_page_costs_the_same_queries_at_one_and_at_thirty_people(
    as_user, assert_same_query_count, pipeline, team, role
):
    viewer = UserFactory(username="viewer", role=role, team=team)
    team.manager = viewer
    team.save()
    deal(pipeline, viewer, 100, date(2031, 1, 3), "Won")
    client = as_user(viewer)

    def grow():
        for n in range(29):
            person = UserFactory(username=f"seller{n}", role=Role.SALES_REP, team=team)
            deal(pipeline, person, 100 + n, date(2031, 1 + n % 3, 3), "Demo")
            deal(pipeline, person, 50, None)
            Quota.objects.create(user=person, period=date(2031, 2, 1), amount=Decimal(1000))

    assert_same_query_count(lambda: client.get(URL, Q1), grow=grow)
    whole = Tables(page(client, **Q1)).tables["Forecast for January 2031 to March 2031 in EUR"]
    assert whole["East total"]["Quota"] == "29,000.00"
    assert whole["East total"]["No close date"] == "29"
