"""Pipelines, lost reasons and products through the API: who reads and who changes them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.models import ActivityKind
from sales.models import CriterionKind, ExitCriterion, Pipeline, Product, RequiredField
from tests.factories import LostReasonFactory, PipelineFactory, ProductFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db

PIPELINES = "/api/v1/pipelines/"
LOST_REASONS = "/api/v1/lost-reasons/"
PRODUCTS = "/api/v1/products/"


def gated_pipeline(name: str) -> Pipeline:
    pipeline = PipelineFactory(name=name)
    demo = stage(pipeline, "Demo")
    ExitCriterion.objects.create(
        stage=demo, kind=CriterionKind.FIELD, field_name=RequiredField.AMOUNT, label="Amount"
    )
    ExitCriterion.objects.create(
        stage=demo,
        kind=CriterionKind.ACTIVITY,
        activity_kind=ActivityKind.MEETING,
        activity_subject="demo",
        label="Demo held",
    )
    return pipeline


def product_ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# Pipelines and lost reasons


@pytest.mark.parametrize("reader", ["rep", "marketer", "support_agent", "admin_user"])
def test_everyone_signed_in_reads_the_pipelines_with_ordered_stages_and_exit_criteria(
    api_as, request, reader
):
    pipeline = gated_pipeline("Enterprise")

    response = api_as(request.getfixturevalue(reader)).get(f"{PIPELINES}{pipeline.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert [s["name"] for s in body["stages"]] == [
        "Qualification",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    demo = body["stages"][2]
    assert (demo["probability"], demo["kind"]) == (40, "open")
    assert [(c["label"], c["kind"]) for c in demo["exit_criteria"]] == [
        ("Amount", "field"),
        ("Demo held", "activity"),
    ]
    assert demo["exit_criteria"][1]["activity_subject"] == "demo"


def test_the_pipeline_list_puts_the_default_first_and_costs_the_same_for_one_or_many(
    api_as, rep, assert_same_query_count
):
    client = api_as(rep)

    def grow():
        for n in range(5):
            gated_pipeline(f"Pipeline {n}")

    assert_same_query_count(lambda: client.get(PIPELINES), grow=grow)
    body = client.get(PIPELINES).json()
    assert body[0]["name"] == "Sales"
    assert body[0]["is_default"] is True
    assert len(body) == 6


def test_pipelines_are_read_only_for_everyone_but_admins(api_as, rep):
    client = api_as(rep)
    sales = Pipeline.objects.get(name="Sales")

    assert client.post(PIPELINES, {"name": "New"}, format="json").status_code == 403
    assert client.patch(f"{PIPELINES}{sales.pk}/", {"name": "Renamed"}, format="json").status_code == 403
    assert client.get(f"{PIPELINES}999999/").status_code == 404
    assert list(Pipeline.objects.values_list("name", flat=True)) == ["Sales"]


def test_lost_reasons_come_in_the_admins_order_with_the_retired_ones_marked(api_as, support_agent):
    LostReasonFactory(name="Went dark", position=99, is_active=False)

    body = api_as(support_agent).get(LOST_REASONS).json()

    assert [reason["name"] for reason in body][:2] == ["Price", "Chose a competitor"]
    assert body[-1] == {"id": body[-1]["id"], "name": "Went dark", "is_active": False, "position": 99}


# Products


def test_sellers_search_products_by_name_or_sku_and_by_whether_they_are_sold(api_as, rep):
    seats = ProductFactory(name="Platform seats", sku="PLT-SEAT")
    support = ProductFactory(name="Premium support", sku="SUP-PREM")
    retired = ProductFactory(name="Legacy platform", sku="OLD-1", is_active=False)
    client = api_as(rep)

    assert sorted(product_ids(client.get(PRODUCTS, {"q": "platform"}))) == sorted([seats.pk, retired.pk])
    assert product_ids(client.get(PRODUCTS, {"q": "sup-prem"})) == [support.pk]
    assert product_ids(client.get(PRODUCTS, {"active": "false"})) == [retired.pk]
    assert product_ids(client.get(PRODUCTS, {"q": "platform", "active": "true"})) == [seats.pk]
    assert len(product_ids(client.get(PRODUCTS))) == 3
    assert client.get(PRODUCTS, {"active": "sometimes"}).status_code == 400


def test_product_pages_walk_the_catalogue_newest_first(api_as, rep):
    products = ProductFactory.create_batch(5)
    client = api_as(rep)

    seen, url = [], f"{PRODUCTS}?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == [product.pk for product in reversed(products)]


def test_listing_products_costs_the_same_queries_for_one_or_thirty(api_as, rep, assert_same_query_count):
    ProductFactory()
    client = api_as(rep)

    assert_same_query_count(
        lambda: client.get(PRODUCTS, {"q": "product"}), grow=lambda: ProductFactory.create_batch(29)
    )
    assert len(product_ids(client.get(PRODUCTS))) == 30


def test_an_admin_adds_and_changes_a_product(api_as, admin_user):
    client = api_as(admin_user)

    response = client.post(
        PRODUCTS,
        {"sku": "PLT-SEAT", "name": "Platform seat", "unit_price": "40.00", "product_line": "Platform"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["currency"], created["is_active"]) == ("EUR", True)

    response = client.patch(
        f"{PRODUCTS}{created['id']}/", {"unit_price": "45.00", "is_active": False}, format="json"
    )
    assert response.status_code == 200
    product = Product.objects.get()
    assert (product.unit_price, product.is_active) == (Decimal("45.00"), False)
    assert client.get(f"{PRODUCTS}{product.pk}/").json()["unit_price"] == "45.00"


def test_a_taken_sku_is_refused_naming_the_product_that_has_it(api_as, admin_user):
    ProductFactory(sku="PLT-SEAT", name="Platform seat")
    other = ProductFactory(sku="SUP", name="Support")
    client = api_as(admin_user)

    created = client.post(PRODUCTS, {"sku": "PLT-SEAT", "name": "Copy", "unit_price": "1.00"}, format="json")
    changed = client.patch(f"{PRODUCTS}{other.pk}/", {"sku": "PLT-SEAT"}, format="json")

    for response in [created, changed]:
        assert response.status_code == 400
        assert response.json() == {"sku": ["PLT-SEAT is already the SKU of Platform seat."]}
    assert Product.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "field"), [({"unit_price": "-1"}, "unit_price"), ({"tax_rate": "120"}, "tax_rate")]
)
def test_a_negative_price_or_impossible_tax_rate_is_refused_naming_it(api_as, admin_user, payload, field):
    response = api_as(admin_user).post(
        PRODUCTS, {"sku": "X", "name": "X", "unit_price": "1", **payload}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Product.objects.exists()


@pytest.mark.parametrize("writer", ["rep", "manager"])
def test_only_admins_create_or_change_products(api_as, request, writer):
    product = ProductFactory(name="Seats")
    client = api_as(request.getfixturevalue(writer))

    created = client.post(PRODUCTS, {"sku": "NEW", "name": "New", "unit_price": "1.00"}, format="json")
    changed = client.patch(f"{PRODUCTS}{product.pk}/", {"name": "Renamed"}, format="json")

    assert (created.status_code, changed.status_code) == (403, 403)
    assert list(Product.objects.values_list("name", flat=True)) == ["Seats"]


def test_an_unknown_product_is_a_404(api_as, rep, admin_user):
    assert api_as(rep).get(f"{PRODUCTS}999999/").status_code == 404
    assert api_as(admin_user).patch(f"{PRODUCTS}999999/", {"name": "x"}, format="json").status_code == 404


def test_the_catalogue_is_for_the_sales_team(api_as, support_agent):
    product = ProductFactory()
    client = api_as(support_agent)

    assert client.get(PRODUCTS).status_code == 403
    assert client.get(f"{PRODUCTS}{product.pk}/").status_code == 403
