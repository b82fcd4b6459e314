"""The deal list through the API: the board's filters, cursor pages, query counts and the schema."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import Role
from sales.filters import DealFilter
from sales.models import Deal, DealType
from sales.selectors import deal_list
from tests.factories import (
    ContactFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
    ProductFactory,
    UserFactory,
)
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db

LIST = "/api/v1/deals/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def deals(manager, rep, teammate, outsider, pipeline):
    """Deals of every kind the filters tell apart, in two teams."""
    today = timezone.localdate()
    return [
        DealFactory(owner=rep, pipeline=pipeline, close_date=today, type=DealType.UPSELL),
        DealFactory(
            owner=rep,
            pipeline=pipeline,
            stage=stage(pipeline, "Demo"),
            close_date=today + timedelta(days=400),
        ),
        DealFactory(owner=teammate, pipeline=pipeline, stage=stage(pipeline, "Won"), close_date=today),
        DealFactory(
            owner=teammate,
            pipeline=pipeline,
            close_date=today - timedelta(days=3),
            type=DealType.RENEWAL,
        ),
        DealFactory(owner=manager, pipeline=PipelineFactory(is_default=False), amount=Decimal("50000")),
        DealFactory(owner=outsider, pipeline=pipeline, close_date=today, type=DealType.UPSELL),
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"owner": "rep"},
        {"team": "team"},
        {"close_period": "this_month"},
        {"close_period": "overdue"},
        {"type": ["upsell", "renewal"]},
        {"stage": ["Demo", "Won"]},
        {"status": ["won"]},
        {"status": ["open"], "owner": "teammate"},
        {"pipeline": "pipeline", "amount_min": "1000"},
        {"q": "Deal"},
    ],
)
def test_the_api_list_filters_exactly_as_the_board_does(api_as, request, admin_user, pipeline, deals, params):
    """The same query string gives the same deals on the board (the FilterSet) and through the API."""
    resolve = {
        "owner": lambda name: request.getfixturevalue(name).pk,
        "team": lambda name: request.getfixturevalue(name).pk,
        "pipeline": lambda name: pipeline.pk,
        "stage": lambda names: [stage(pipeline, name).pk for name in names],
    }
    query = {key: resolve[key](value) if key in resolve else value for key, value in params.items()}
    board = DealFilter(query, queryset=deal_list(user=admin_user))
    assert board.is_valid(), board.errors

    listed = ids(api_as(admin_user).get(LIST, query))

    assert sorted(listed) == sorted(board.qs.values_list("pk", flat=True))
    assert 0 < len(listed) < len(deals) or params == {"q": "Deal"}


def test_an_invalid_filter_is_a_400_naming_it(api_as, rep):
    client = api_as(rep)

    for params, field in [
        ({"status": "pending"}, "status"),
        ({"close_period": "someday"}, "close_period"),
        ({"close_after": "not-a-date"}, "close_after"),
    ]:
        response = client.get(LIST, params)
        assert response.status_code == 400
        assert field in response.json()


def test_pages_walk_every_visible_deal_once_newest_first_without_counting(api_as, rep, pipeline):
    deals = DealFactory.create_batch(5, owner=rep, pipeline=pipeline)
    client = api_as(rep)

    seen, url = [], f"{LIST}?page_size=2"
    while url:
        body = client.get(url).json()
        assert "count" not in body
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == [deal.pk for deal in reversed(deals)]


def test_listing_deals_costs_the_same_queries_for_one_or_thirty_deals(
    api_as, rep, teammate, pipeline, assert_same_query_count
):
    DealFactory(owner=rep, pipeline=pipeline, primary_contact=None)
    client = api_as(rep)

    def grow():
        for owner in [rep, teammate] * 14 + [rep]:
            deal = DealFactory(owner=owner, pipeline=pipeline, source_lead=LeadFactory(owner=owner))
            deal.primary_contact = ContactFactory(account=deal.account, owner=owner)
            deal.save()

    assert_same_query_count(lambda: client.get(LIST, {"status": ["open"], "team": rep.team_id}), grow=grow)
    assert len(ids(client.get(LIST))) == 30


def test_reading_a_deal_costs_the_same_queries_with_one_or_thirty_lines_and_stage_visits(
    api_as, rep, pipeline, assert_same_query_count
):
    deal = DealFactory(owner=rep, pipeline=pipeline, source_lead=LeadFactory(owner=rep))
    client = api_as(rep)
    url = f"{LIST}{deal.pk}/"
    client.post(f"{url}lines/", {"product": ProductFactory().pk}, format="json")
    client.post(f"{url}move/", {"stage": stage(pipeline, "Discovery").pk}, format="json")

    def grow():
        for _ in range(29):
            client.post(f"{url}lines/", {"product": ProductFactory().pk}, format="json")
        for name in ["Qualification", "Discovery"] * 14:
            client.post(f"{url}move/", {"stage": stage(pipeline, name).pk}, format="json")

    assert_same_query_count(lambda: client.get(url), grow=grow)
    body = client.get(url).json()
    assert (len(body["lines"]), len(body["stage_history"])) == (30, 29)


def test_a_token_authenticates_deal_api_calls(rep, pipeline):
    mine = DealFactory(owner=rep, pipeline=pipeline)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=rep).key}")

    assert ids(client.get(LIST)) == [mine.pk]


def test_an_anonymous_client_gets_no_deals(pipeline):
    DealFactory(pipeline=pipeline)

    assert APIClient().get(LIST).status_code in (401, 403)


def test_an_inactive_user_gets_no_deals(api_as, pipeline):
    user = UserFactory(username="gone", role=Role.SALES_REP)
    DealFactory(owner=user, pipeline=pipeline)
    client = api_as(user)
    user.is_active = False
    user.save()

    assert client.get(LIST).status_code in (401, 403)
    assert Deal.objects.count() == 1


def test_the_schema_describes_the_deal_endpoints_and_the_boards_filters(api_as, rep):
    response = api_as(rep).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    for path in [
        "/api/v1/deals/",
        "/api/v1/deals/{id}/",
        "/api/v1/deals/{id}/move/",
        "/api/v1/deals/{id}/lines/",
        "/api/v1/deals/{id}/lines/{line_id}/",
        "/api/v1/deals/bulk/",
        "/api/v1/conversions/",
    ]:
        assert path in paths
    params = {p["name"] for p in paths["/api/v1/deals/"]["get"]["parameters"]}
    assert set(DealFilter.base_filters) - {"ordering"} | {"cursor", "before", "page_size", "count"} == params
    move = paths["/api/v1/deals/{id}/move/"]["post"]["responses"]
    assert {"200", "400", "403", "404", "409"} <= set(move)
