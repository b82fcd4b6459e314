"""Deals through the API: who sees and changes which, creating, editing, moving through the stages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sales.models import (
    Deal,
    DealStatus,
    SalesSettings,
)
from tests.factories import (
    AccountFactory,
    DealFactory,
    LeadFactory,
    PipelineFactory,
    ProductFactory,
)
from tests.factories.sales import stage
from tests.sales.records import DEALS_API, deal_api_url, deal_move_api_url, gate_qualification

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# Who sees and changes which deal


def test_a_rep_reads_their_teammates_deals_but_changes_only_their_own(
    api_as, rep, teammate, outsider, pipeline
):
    mine = DealFactory(owner=rep, pipeline=pipeline)
    theirs = DealFactory(owner=teammate, pipeline=pipeline, name="Theirs")
    DealFactory(owner=outsider, pipeline=pipeline)
    client = api_as(rep)

    assert sorted(ids(client.get(DEALS_API))) == sorted([mine.pk, theirs.pk])
    assert client.get(deal_api_url(theirs)).json()["owner_name"] == str(teammate)
    assert client.patch(deal_api_url(theirs), {"name": "Mine now"}, format="json").status_code == 403
    assert (
        client.post(
            deal_move_api_url(theirs), {"stage": stage(pipeline, "Demo").pk}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(deal_api_url(theirs)).status_code == 403
    theirs.refresh_from_db()
    assert (theirs.name, theirs.stage.name) == ("Theirs", "Qualification")


def test_with_the_team_board_off_a_teammates_deal_is_a_404_for_a_rep(api_as, rep, teammate, pipeline):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": False})
    mine = DealFactory(owner=rep, pipeline=pipeline)
    theirs = DealFactory(owner=teammate, pipeline=pipeline)
    client = api_as(rep)

    assert ids(client.get(DEALS_API)) == [mine.pk]
    assert client.get(deal_api_url(theirs)).status_code == 404
    assert client.patch(deal_api_url(theirs), {"name": "x"}, format="json").status_code == 404


def test_another_teams_deal_is_a_404_for_a_rep_everywhere(api_as, rep, outsider, pipeline):
    theirs = DealFactory(owner=outsider, pipeline=pipeline, name="Theirs")
    client = api_as(rep)

    assert client.get(deal_api_url(theirs)).status_code == 404
    assert client.patch(deal_api_url(theirs), {"name": "x"}, format="json").status_code == 404
    assert (
        client.post(
            deal_move_api_url(theirs), {"stage": stage(pipeline, "Demo").pk}, format="json"
        ).status_code
        == 404
    )
    assert client.get(f"{deal_api_url(theirs)}lines/").status_code == 404
    assert client.delete(deal_api_url(theirs)).status_code == 404
    assert Deal.objects.get(pk=theirs.pk).name == "Theirs"


def test_a_manager_works_their_teams_deals_but_not_another_teams(api_as, manager, rep, outsider, pipeline):
    reps = DealFactory(owner=rep, pipeline=pipeline)
    other = DealFactory(owner=outsider, pipeline=pipeline)
    client = api_as(manager)

    assert ids(client.get(DEALS_API)) == [reps.pk]
    response = client.patch(deal_api_url(reps), {"forecast_category": "commit"}, format="json")
    assert response.status_code == 200
    assert response.json()["forecast_category"] == "commit"
    assert client.get(deal_api_url(other)).status_code == 404


def test_an_admin_sees_every_deal(api_as, admin_user, rep, outsider, pipeline):
    deals = [
        DealFactory(owner=rep, pipeline=pipeline),
        DealFactory(owner=outsider, pipeline=pipeline),
    ]

    assert sorted(ids(api_as(admin_user).get(DEALS_API))) == sorted(deal.pk for deal in deals)


@pytest.mark.parametrize("reader", ["marketer", "support_agent"])
def test_marketers_and_support_agents_read_every_deal_but_change_none(api_as, request, rep, pipeline, reader):
    deal = DealFactory(owner=rep, pipeline=pipeline, name="Platform")
    client = api_as(request.getfixturevalue(reader))

    assert ids(client.get(DEALS_API)) == [deal.pk]
    assert client.get(deal_api_url(deal)).status_code == 200
    create = {"name": "New", "account": deal.account_id}
    assert client.post(DEALS_API, create, format="json").status_code == 403
    assert client.patch(deal_api_url(deal), {"name": "Renamed"}, format="json").status_code == 403
    assert (
        client.post(deal_move_api_url(deal), {"stage": stage(pipeline, "Demo").pk}, format="json").status_code
        == 403
    )
    assert client.delete(deal_api_url(deal)).status_code == 403
    assert list(Deal.objects.values_list("name", flat=True)) == ["Platform"]


# Creating


def test_a_deal_created_through_the_api_starts_in_the_first_open_stage_and_is_the_reps(api_as, rep, pipeline):
    account = AccountFactory(owner=rep)

    response = api_as(rep).post(
        DEALS_API,
        {"name": "Platform", "account": account.pk, "pipeline": pipeline.pk, "amount": "1200.00"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["stage_name"], body["status"], body["owner"], body["amount"]) == (
        "Qualification",
        "open",
        rep.pk,
        "1200.00",
    )
    assert [visit["stage_name"] for visit in body["stage_history"]] == ["Qualification"]
    assert Deal.objects.get(pk=body["id"]).account == account


def test_creating_straight_into_a_later_stage_lists_the_criteria_it_skips_and_creates_nothing(
    api_as, rep, pipeline
):
    gate_qualification(pipeline)
    account = AccountFactory(owner=rep)

    response = api_as(rep).post(
        DEALS_API,
        {"name": "Platform", "account": account.pk, "stage": stage(pipeline, "Demo").pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "stage": ["Before this deal can move past Qualification, it needs: Next step, Primary contact."],
        "missing": ["Next step", "Primary contact"],
    }
    assert not Deal.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"close_date": str(timezone.localdate() - timedelta(days=1))}, "close_date"),
        ({"type": "barter"}, "type"),
    ],
)
def test_a_deal_with_a_bad_field_is_refused_naming_it(api_as, rep, pipeline, change, field):
    account = AccountFactory(owner=rep)

    response = api_as(rep).post(
        DEALS_API, {"name": "Platform", "account": account.pk, **change}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Deal.objects.exists()


def test_a_deal_for_an_account_the_rep_cannot_see_is_refused_naming_the_account(api_as, rep, outsider):
    hidden = AccountFactory(owner=outsider)

    response = api_as(rep).post(DEALS_API, {"name": "Platform", "account": hidden.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["account"]


def test_a_stage_from_another_pipeline_than_the_one_named_is_refused(api_as, rep, pipeline):
    other = PipelineFactory(is_default=False)

    response = api_as(rep).post(
        DEALS_API,
        {
            "name": "Platform",
            "account": AccountFactory(owner=rep).pk,
            "pipeline": pipeline.pk,
            "stage": stage(other, "Discovery").pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["stage"]


# Reading one deal


def test_the_detail_shows_lines_stage_history_with_time_in_stage_and_the_source_lead(api_as, rep, pipeline):
    lead = LeadFactory(owner=rep, utm_source="newsletter", utm_campaign="spring")
    deal = DealFactory(owner=rep, pipeline=pipeline, source_lead=lead)
    client = api_as(rep)
    client.post(
        f"{deal_api_url(deal)}lines/",
        {"product": ProductFactory(name="Seats", sku="SEAT").pk, "quantity": "3"},
        format="json",
    )
    client.post(deal_move_api_url(deal), {"stage": stage(pipeline, "Discovery").pk}, format="json")
    client.post(deal_move_api_url(deal), {"stage": stage(pipeline, "Demo").pk}, format="json")

    body = client.get(deal_api_url(deal)).json()

    assert [(line["product_sku"], line["quantity"], line["total"]) for line in body["lines"]] == [
        ("SEAT", "3.00", "300.00")
    ]
    history = body["stage_history"]
    assert [(visit["stage_name"], visit["left_at"] is None) for visit in history] == [
        ("Discovery", False),
        ("Demo", True),
    ]
    assert all(visit["seconds_in_stage"] >= 0 for visit in history)
    assert history[0]["entered_by_name"] == str(rep)
    assert body["attribution"]["lead"] == lead.pk
    assert (body["source_lead"], body["attribution"]["utm_source"]) == (lead.pk, "newsletter")


def test_a_deal_without_a_source_lead_has_no_attribution(api_as, rep, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline)

    assert api_as(rep).get(deal_api_url(deal)).json()["attribution"] is None


# Deleting


def test_a_rep_deletes_an_open_deal_but_only_an_admin_a_won_one(api_as, rep, admin_user, pipeline):
    open_deal = DealFactory(owner=rep, pipeline=pipeline)
    won = DealFactory(owner=rep, pipeline=pipeline, stage=stage(pipeline, "Won"))
    client = api_as(rep)

    assert client.delete(deal_api_url(open_deal)).status_code == 204
    response = client.delete(deal_api_url(won))
    assert response.status_code == 403
    assert response.json()["detail"] == "Only admins can delete a won deal."
    assert api_as(admin_user).delete(deal_api_url(won)).status_code == 204
    assert not Deal.objects.exists()


def test_the_status_cannot_be_written_only_reached_by_moving(api_as, rep, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline)

    response = api_as(rep).patch(deal_api_url(deal), {"status": "won"}, format="json")

    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.status == DealStatus.OPEN


def test_a_deal_id_that_is_not_a_number_is_a_404(api_as, rep):
    assert api_as(rep).get(f"{DEALS_API}abc/").status_code == 404
    assert api_as(rep).get(f"{DEALS_API}999999/").status_code == 404


def test_an_amount_on_a_new_deal_is_kept_to_the_cent(api_as, rep):
    response = api_as(rep).post(
        DEALS_API,
        {"name": "Platform", "account": AccountFactory(owner=rep).pk, "amount": "99.999"},
        format="json",
    )

    assert response.status_code == 400
    assert "amount" in response.json()
    assert not Deal.objects.exists()
