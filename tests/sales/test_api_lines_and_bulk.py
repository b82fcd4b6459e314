"""A deal's product lines and bulk actions on many deals, through the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sales.models import CriterionKind, Deal, ExitCriterion, RequiredField
from tests.factories import DealFactory, LostReasonFactory, ProductFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db

BULK = "/api/v1/deals/bulk/"


def lines_url(deal: Deal) -> str:
    return f"/api/v1/deals/{deal.pk}/lines/"


def line_url(deal: Deal, line_id: int) -> str:
    return f"{lines_url(deal)}{line_id}/"


def amount(deal: Deal) -> Decimal:
    deal.refresh_from_db()
    return deal.amount


# Lines


def test_adding_changing_and_removing_lines_keeps_the_deal_amount_their_sum(api_as, rep, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline, amount=Decimal("999.00"))
    product = ProductFactory(name="Seats", sku="SEAT", unit_price=Decimal("200.00"))
    client = api_as(rep)

    response = client.post(
        lines_url(deal), {"product": product.pk, "quantity": "3", "discount": "10"}, format="json"
    )
    assert response.status_code == 201, response.json()
    line = response.json()
    assert (line["product_name"], line["unit_price"], line["total"]) == ("Seats", "200.00", "540.00")
    assert amount(deal) == Decimal("540.00")

    response = client.patch(line_url(deal, line["id"]), {"quantity": "5"}, format="json")
    assert response.status_code == 200
    assert (response.json()["quantity"], response.json()["discount"]) == ("5.00", "10.00")
    assert amount(deal) == Decimal("900.00")

    client.post(lines_url(deal), {"product": ProductFactory().pk, "unit_price": "50.00"}, format="json")
    listed = client.get(lines_url(deal)).json()
    assert [row["product_sku"] for row in listed][0] == "SEAT"
    assert len(listed) == 2
    assert amount(deal) == Decimal("950.00")

    assert client.delete(line_url(deal, line["id"])).status_code == 204
    assert amount(deal) == Decimal("50.00")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"unit_price": "-10"}, "unit_price"),
        ({"discount": "150"}, "discount"),
    ],
)
def test_a_negative_quantity_or_price_or_an_impossible_discount_is_refused_naming_it(
    api_as, rep, pipeline, payload, field
):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    product = ProductFactory()
    client = api_as(rep)

    response = client.post(lines_url(deal), {"product": product.pk, **payload}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]

    line_id = client.post(lines_url(deal), {"product": product.pk}, format="json").json()["id"]
    response = client.patch(line_url(deal, line_id), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert amount(deal) == Decimal("100.00")


def test_a_product_no_longer_sold_cannot_be_added(api_as, rep, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    retired = ProductFactory(name="Legacy", sku="OLD", is_active=False)

    response = api_as(rep).post(lines_url(deal), {"product": retired.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"product": ["Legacy (OLD) is no longer sold."]}


def test_a_closed_deals_lines_are_fixed(api_as, rep, pipeline):
    won = DealFactory(owner=rep, pipeline=pipeline, stage=stage(pipeline, "Won"))

    response = api_as(rep).post(lines_url(won), {"product": ProductFactory().pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["lines"]


def test_a_line_is_reached_only_through_its_own_deal(api_as, rep, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    other = DealFactory(owner=rep, pipeline=pipeline)
    client = api_as(rep)
    line_id = client.post(lines_url(deal), {"product": ProductFactory().pk}, format="json").json()["id"]

    assert client.patch(line_url(other, line_id), {"quantity": "2"}, format="json").status_code == 404
    assert client.delete(line_url(other, line_id)).status_code == 404
    assert deal.lines.get().quantity == Decimal(1)


def test_a_teammate_reads_a_deals_lines_but_cannot_change_them(api_as, rep, teammate, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    line_id = api_as(rep).post(lines_url(deal), {"product": ProductFactory().pk}, format="json").json()["id"]
    client = api_as(teammate)

    assert len(client.get(lines_url(deal)).json()) == 1
    assert client.post(lines_url(deal), {"product": ProductFactory().pk}, format="json").status_code == 403
    assert client.patch(line_url(deal, line_id), {"quantity": "9"}, format="json").status_code == 403
    assert client.delete(line_url(deal, line_id)).status_code == 403
    assert deal.lines.get().quantity == Decimal(1)


# Bulk actions


def test_a_bulk_assign_returns_the_deals_changed_and_those_refused_with_why(
    api_as, manager, rep, teammate, outsider, pipeline
):
    reps = DealFactory(owner=rep, pipeline=pipeline)
    other_teams = DealFactory(owner=outsider, pipeline=pipeline)

    response = api_as(manager).post(
        BULK,
        {"action": "assign", "ids": [reps.pk, other_teams.pk, 999999], "owner": teammate.pk},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "changed": [reps.pk],
        "refused": {str(other_teams.pk): "not found", "999999": "not found"},
    }
    reps.refresh_from_db()
    assert reps.owner == teammate


def test_a_bulk_move_applies_the_exit_criteria_deal_by_deal(api_as, rep, pipeline):
    ExitCriterion.objects.create(
        stage=stage(pipeline, "Qualification"),
        kind=CriterionKind.FIELD,
        field_name=RequiredField.NEXT_STEP,
        label="Next step",
    )
    ready = DealFactory(owner=rep, pipeline=pipeline, next_step="Send the proposal")
    not_ready = DealFactory(owner=rep, pipeline=pipeline)

    response = api_as(rep).post(
        BULK,
        {"action": "move", "ids": [ready.pk, not_ready.pk], "stage": stage(pipeline, "Demo").pk},
        format="json",
    )

    assert response.json() == {
        "changed": [ready.pk],
        "refused": {str(not_ready.pk): "Before this deal can move past Qualification, it needs: Next step."},
    }
    assert [deal.stage.name for deal in Deal.objects.order_by("id")] == ["Demo", "Qualification"]


def test_a_bulk_loss_records_the_reason_on_each_deal(api_as, rep, pipeline):
    deals = DealFactory.create_batch(2, owner=rep, pipeline=pipeline)
    reason = LostReasonFactory(name="Timing")

    response = api_as(rep).post(
        BULK,
        {
            "action": "move",
            "ids": [d.pk for d in deals],
            "stage": stage(pipeline, "Lost").pk,
            "lost_reason": reason.pk,
        },
        format="json",
    )

    assert response.json()["changed"] == [d.pk for d in deals]
    assert set(Deal.objects.values_list("status", "lost_reason__name")) == {("lost", "Timing")}


def test_bulk_forecast_and_delete_act_only_where_the_role_allows(api_as, rep, teammate, pipeline):
    mine = DealFactory(owner=rep, pipeline=pipeline)
    theirs = DealFactory(owner=teammate, pipeline=pipeline)
    client = api_as(rep)

    forecast = client.post(
        BULK,
        {"action": "forecast", "ids": [mine.pk, theirs.pk], "forecast_category": "commit"},
        format="json",
    ).json()
    deleted = client.post(BULK, {"action": "delete", "ids": [theirs.pk]}, format="json").json()

    assert forecast == {
        "changed": [mine.pk],
        "refused": {str(theirs.pk): "You can see this record but not change it."},
    }
    assert deleted == {
        "changed": [],
        "refused": {str(theirs.pk): "You can see this record but not change it."},
    }
    assert sorted(Deal.objects.values_list("forecast_category", flat=True)) == ["commit", "pipeline"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "assign", "ids": [1]}, "owner"),
        ({"action": "move", "ids": [1]}, "stage"),
        ({"action": "forecast", "ids": [1]}, "forecast_category"),
        ({"action": "forecast", "ids": [1], "forecast_category": "maybe"}, "forecast_category"),
        ({"action": "delete", "ids": []}, "ids"),
        ({"action": "merge", "ids": [1]}, "action"),
    ],
)
def test_a_bulk_request_missing_what_its_action_needs_is_a_400_naming_it(api_as, rep, payload, field):
    response = api_as(rep).post(BULK, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
