"""Editing deals and moving them through their stages by the API: exit criteria, stale moves, losses."""

from __future__ import annotations

import pytest

from crm.models import ActivityKind
from crm.timeline.services import activity_log
from sales.models import (
    CriterionKind,
    ExitCriterion,
)
from tests.factories import (
    ContactFactory,
    DealFactory,
    LostReasonFactory,
    ProductFactory,
)
from tests.factories.sales import stage
from tests.sales.records import deal_api_url, deal_move_api_url, gate_qualification

pytestmark = pytest.mark.django_db


# Editing and moving


def test_a_stage_in_a_patch_is_refused_with_what_is_missing_and_nothing_is_saved(api_as, rep, pipeline):
    gate_qualification(pipeline)
    deal = DealFactory(owner=rep, pipeline=pipeline, name="Platform")

    response = api_as(rep).patch(
        deal_api_url(deal),
        {"name": "Renamed", "next_step": "Call the CFO", "stage": stage(pipeline, "Demo").pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["missing"] == ["Primary contact"]
    deal.refresh_from_db()
    assert (deal.name, deal.next_step, deal.stage.name) == ("Platform", "", "Qualification")


def test_a_patch_filling_the_missing_criteria_moves_the_deal_in_one_go(api_as, rep, pipeline):
    gate_qualification(pipeline)
    deal = DealFactory(owner=rep, pipeline=pipeline)
    contact = ContactFactory(account=deal.account, owner=rep)

    response = api_as(rep).patch(
        deal_api_url(deal),
        {"next_step": "Call the CFO", "primary_contact": contact.pk, "stage": stage(pipeline, "Demo").pk},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["stage_name"], body["primary_contact_name"]) == ("Demo", contact.full_name)
    assert [visit["stage_name"] for visit in body["stage_history"]] == ["Demo"]


def test_the_move_endpoint_lists_what_is_missing(api_as, rep, pipeline):
    gate_qualification(pipeline)
    deal = DealFactory(owner=rep, pipeline=pipeline)

    response = api_as(rep).post(
        deal_move_api_url(deal), {"stage": stage(pipeline, "Proposal").pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["missing"] == ["Next step", "Primary contact"]
    assert "Qualification" in response.json()["stage"][0]


def test_a_move_over_someone_elses_newer_move_is_a_409_naming_where_the_deal_is(
    api_as, rep, manager, pipeline
):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    seen_in = deal.stage_id
    demo = stage(pipeline, "Demo")
    assert (
        api_as(manager)
        .post(deal_move_api_url(deal), {"stage": demo.pk, "expected_stage": seen_in}, format="json")
        .status_code
        == 200
    )
    client = api_as(rep)

    for response in [
        client.post(
            deal_move_api_url(deal),
            {"stage": stage(pipeline, "Discovery").pk, "expected_stage": seen_in},
            format="json",
        ),
        client.patch(
            deal_api_url(deal),
            {"stage": stage(pipeline, "Discovery").pk, "expected_stage": seen_in},
            format="json",
        ),
    ]:
        assert response.status_code == 409
        body = response.json()
        assert (body["current_stage"], body["current_stage_name"]) == (demo.pk, "Demo")
        assert str(manager) in body["stage"][0]
    deal.refresh_from_db()
    assert deal.stage == demo


def test_losing_a_deal_needs_a_reason_and_the_detail_shows_it(api_as, rep, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    lost = stage(pipeline, "Lost")
    client = api_as(rep)

    response = client.post(deal_move_api_url(deal), {"stage": lost.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"lost_reason": ["Choose why the deal was lost."]}

    reason = LostReasonFactory(name="Chose a competitor")
    response = client.post(
        deal_move_api_url(deal),
        {"stage": lost.pk, "lost_reason": reason.pk, "lost_note": "Went with Globex"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["lost_reason_name"], body["lost_note"]) == (
        "lost",
        "Chose a competitor",
        "Went with Globex",
    )
    assert body["closed_at"] is not None


def test_moving_to_the_stage_the_deal_is_in_changes_nothing(api_as, rep, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline)

    response = api_as(rep).post(
        deal_move_api_url(deal), {"stage": deal.stage_id, "expected_stage": deal.stage_id}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["stage_history"] == []


def test_the_amount_of_a_deal_with_lines_cannot_be_typed_in(api_as, rep, pipeline):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    client = api_as(rep)
    client.post(f"{deal_api_url(deal)}lines/", {"product": ProductFactory().pk}, format="json")

    response = client.patch(deal_api_url(deal), {"amount": "5.00"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["amount"]


def test_a_meeting_logged_on_the_deal_meets_an_activity_criterion(api_as, rep, pipeline):
    ExitCriterion.objects.create(
        stage=stage(pipeline, "Qualification"),
        kind=CriterionKind.ACTIVITY,
        activity_kind=ActivityKind.MEETING,
        activity_subject="demo",
        label="Demo held",
    )
    deal = DealFactory(owner=rep, pipeline=pipeline)
    client = api_as(rep)
    assert client.post(deal_move_api_url(deal), {"stage": stage(pipeline, "Demo").pk}, format="json").json()[
        "missing"
    ] == ["Demo held"]

    activity_log(actor=rep, target=deal, kind=ActivityKind.MEETING, subject="Product demo")

    assert (
        client.post(deal_move_api_url(deal), {"stage": stage(pipeline, "Demo").pk}, format="json").json()[
            "stage_name"
        ]
        == "Demo"
    )
