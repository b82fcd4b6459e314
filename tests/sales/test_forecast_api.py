"""GET /api/v1/forecast/: the page's figures as JSON, scoped the same way, with readable refusals."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from crm.models import Role
from sales.forecast.api import ForecastSerializer, forecast_payload
from sales.forecast.selectors import MonthRange, forecast_get
from sales.models import ForecastCategory, Quota, SalesSettings
from tests.factories import UserFactory
from tests.sales.records import deal

pytestmark = pytest.mark.django_db

URL = "/api/v1/forecast/"
Q1 = {"start": "2031-01", "end": "2031-03"}


@pytest.fixture
def deals(pipeline, rep, teammate, outsider):
    deal(pipeline, rep, 5000, date(2031, 1, 15), "Won")
    deal(pipeline, rep, 2000, date(2031, 1, 20), "Proposal", forecast_category=ForecastCategory.COMMIT)
    deal(pipeline, teammate, 1000, date(2031, 2, 3), "Discovery")
    deal(pipeline, teammate, 400, None)
    deal(pipeline, outsider, 7000, date(2031, 1, 3), "Won")
    Quota.objects.create(user=rep, period=date(2031, 1, 1), amount=Decimal(10000))


def test_the_api_returns_what_the_pages_selector_computes(api_as, manager, rep, deals):
    body = api_as(manager).get(URL, Q1).json()

    forecast = forecast_get(user=manager, months=MonthRange(date(2031, 1, 1), date(2031, 3, 1)))
    assert body == json.loads(json.dumps(ForecastSerializer(forecast_payload(forecast)).data))
    assert (body["start"], body["end"], body["scope"], body["currency"]) == (
        "2031-01",
        "2031-03",
        "team",
        "EUR",
    )
    assert [team["name"] for team in body["teams"]] == ["East"]
    east = body["teams"][0]
    assert east["total"]["won"] == "5000.00"
    assert east["total"]["no_close_date"] == 1
    january = next(person for person in east["people"] if person["id"] == rep.pk)["months"][0]
    assert january == {
        "month": "2031-01",
        "won": "5000.00",
        "commit": "2000.00",
        "best_case": "0.00",
        "pipeline": "2000.00",
        "weighted": "1200.00",
        "quota": "10000.00",
        "attainment": "50.0",
        "omitted_count": 0,
        "omitted_amount": "0.00",
        "other_currency": 0,
        "no_close_date": 0,
    }
    assert [month["weighted"] for month in body["months"]] == ["1200.00", "200.00", "0.00"]
    assert body["total"]["won"] == "5000.00"  # not the outsider's 7000


def test_owner_narrows_to_one_person(api_as, manager, teammate, deals):
    body = api_as(manager).get(URL, {**Q1, "owner": teammate.pk}).json()

    assert [person["id"] for team in body["teams"] for person in team["people"]] == [teammate.pk]
    assert body["total"]["pipeline"] == "1000.00"


def test_a_rep_sees_only_their_own_unless_the_team_board_is_shared(api_as, rep, teammate, deals):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": False})
    client = api_as(rep)

    own = client.get(URL, Q1).json()
    assert [p["id"] for t in own["teams"] for p in t["people"]] == [rep.pk]
    refused = client.get(URL, {**Q1, "scope": "team"})
    assert refused.status_code == 400
    assert "scope" in refused.json()
    assert client.get(URL, {**Q1, "owner": teammate.pk}).json()["teams"] == []

    SalesSettings.objects.filter(id=1).update(reps_see_team_board=True)
    shared = api_as(rep).get(URL, {**Q1, "scope": "team"}).json()
    assert teammate.pk in [p["id"] for t in shared["teams"] for p in t["people"]]


def test_an_outsider_gets_nothing_of_another_team(api_as, outsider, rep, deals):
    body = api_as(outsider).get(URL, {**Q1, "owner": rep.pk}).json()

    assert body["teams"] == []
    assert body["total"]["won"] == "0.00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2031-1"}, "start"),
        ({"start": "2031-03", "end": "2031-01"}, "end"),
        ({"start": "2031-01", "end": "2034-01"}, "end"),
        ({"scope": "everyone"}, "scope"),
        ({"scope": "all"}, "scope"),
        ({"team": "abc"}, "team"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(api_as, manager, params, field):
    response = api_as(manager).get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


def test_a_team_not_yours_is_a_400_naming_team(api_as, manager, other_team):
    response = api_as(manager).get(URL, {"team": other_team.pk})

    assert response.status_code == 400
    assert response.json() == {"team": ["Choose one of your own teams."]}


def test_the_forecast_costs_the_same_queries_at_one_and_at_thirty_people(
    api_as, assert_same_query_count, pipeline, manager, team
):
    deal(pipeline, manager, 100, date(2031, 1, 3), "Won")
    client = api_as(manager)

    def grow():
        for n in range(29):
            person = UserFactory(username=f"seller{n}", role=Role.SALES_REP, team=team)
            deal(pipeline, person, 100, date(2031, 2, 3), "Demo")
            Quota.objects.create(user=person, period=date(2031, 2, 1), amount=Decimal(1000))

    assert_same_query_count(lambda: client.get(URL, Q1), grow=grow)
    assert client.get(URL, Q1).json()["months"][1]["quota"] == "29000.00"


def test_the_schema_documents_the_forecast_and_its_parameters(api_as, rep):
    schema = api_as(rep).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/forecast/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"start", "end", "scope", "team", "owner"}
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response == {"$ref": "#/components/schemas/Forecast"}
    assert "attainment" in schema["components"]["schemas"]["Figures"]["properties"]
