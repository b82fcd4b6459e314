"""Dropping a card on another column, and the detail page's "Move to stage" form: one endpoint and service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sales.models import CriterionKind, DealStatus, ExitCriterion, LostReason, RequiredRecord
from tests.factories import ContactFactory, DealFactory, LostReasonFactory
from tests.factories.sales import stage
from tests.sales.pages import HTMX, Page, messages_of

pytestmark = pytest.mark.django_db


def in_stage(pipeline, stage_name, owner, **fields):
    return DealFactory(pipeline=pipeline, stage=stage(pipeline, stage_name), owner=owner, **fields)


def drop(client, deal, pipeline, target, *, seen_in=None, query="", **data):
    """What board.js posts when a card is dropped on `target`."""
    url = reverse("sales:deal-move", args=[deal.pk]) + (f"?{query}" if query else "")
    expected = stage(pipeline, seen_in).pk if seen_in else deal.stage_id
    return client.post(url, {"stage": stage(pipeline, target).pk, "expected_stage": expected, **data}, **HTMX)


def test_a_drop_moves_the_deal_and_returns_the_card_and_both_column_headers(as_user, rep, pipeline):
    moving = in_stage(pipeline, "Demo", rep, name="Platform")
    in_stage(pipeline, "Proposal", rep)
    in_stage(pipeline, "Proposal", rep, type="upsell")  # filtered out of the board's totals

    response = drop(as_user(rep), moving, pipeline, "Proposal", query="type=new_business")

    assert response.status_code == 200
    moving.refresh_from_db()
    assert moving.stage == stage(pipeline, "Proposal")
    page = Page(response.content.decode())
    card = page.named("Platform", "li")
    assert card.attrs["data-stage-id"] == str(stage(pipeline, "Proposal").pk)
    demo = page.by_id[f"column-header-{stage(pipeline, 'Demo').pk}"]
    proposal = page.by_id[f"column-header-{stage(pipeline, 'Proposal').pk}"]
    assert demo.attrs["hx-swap-oob"] == "true"
    assert demo.text == "Demo 0 deals Total — Weighted (40%) —"
    assert proposal.text == "Proposal 2 deals Total EUR 2,000 Weighted (60%) EUR 1,200"
    assert page.by_id["board-totals"].text == "Open pipeline: 2 deals · Total EUR 2,000 · Weighted EUR 1,200"
    assert page.by_id["board-totals"].attrs["hx-swap-oob"] == "true"


def test_a_drop_past_unmet_exit_criteria_is_refused_with_what_is_missing(as_user, rep, pipeline):
    ExitCriterion.objects.create(
        stage=stage(pipeline, "Demo"),
        kind=CriterionKind.RELATED,
        related=RequiredRecord.PRIMARY_CONTACT,
        label="Primary contact",
    )
    deal = in_stage(pipeline, "Demo", rep)

    response = drop(as_user(rep), deal, pipeline, "Negotiation")

    assert response.status_code == 422
    assert response.json() == {
        "message": "Before this deal can move past Demo, it needs: Primary contact.",
        "missing": ["Primary contact"],
    }
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Demo")


def test_a_drop_of_a_card_someone_moved_meanwhile_says_where_it_is_now(as_user, rep, pipeline):
    deal = in_stage(pipeline, "Demo", rep)

    response = drop(as_user(rep), deal, pipeline, "Proposal", seen_in="Discovery")

    assert response.status_code == 409
    assert response.json()["stage_id"] == stage(pipeline, "Demo").pk
    assert "already moved this deal to Demo" in response.json()["message"]
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Demo")


def test_dropping_on_lost_needs_a_reason(as_user, rep, pipeline):
    deal = in_stage(pipeline, "Proposal", rep)
    client = as_user(rep)

    refused = drop(client, deal, pipeline, "Lost")
    reason = LostReasonFactory(name="Chose a competitor")
    accepted = drop(client, deal, pipeline, "Lost", lost_reason=reason.pk, lost_note="Went with Acme")

    assert refused.status_code == 422
    assert refused.json()["message"] == "Choose why the deal was lost."
    assert accepted.status_code == 200
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason, deal.lost_note) == (
        DealStatus.LOST,
        reason,
        "Went with Acme",
    )


def test_a_drop_on_won_wins_the_deal_and_says_so(as_user, rep, pipeline):
    deal = in_stage(pipeline, "Negotiation", rep, name="Platform", close_date=None)

    response = drop(as_user(rep), deal, pipeline, "Won")

    assert response.status_code == 200
    note = Page(response.content.decode()).by_id["board-messages"]
    assert note.attrs["hx-swap-oob"] == "innerHTML"  # board.js keeps its hold on the messages box
    assert note.text.startswith("Won Platform · EUR 1,000.00 · closed on ")
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON


def test_a_drop_on_lost_with_its_reason_says_so(as_user, rep, pipeline):
    deal = in_stage(pipeline, "Demo", rep, name="Platform")
    reason = LostReasonFactory(name="Chose a competitor")

    response = drop(as_user(rep), deal, pipeline, "Lost", lost_reason=reason.pk)

    note = Page(response.content.decode()).by_id["board-messages"]
    assert note.text.startswith("Lost Platform (Chose a competitor) · EUR 1,000.00 · closed on ")


def test_a_drop_between_open_stages_leaves_no_note(as_user, rep, pipeline):
    deal = in_stage(pipeline, "Demo", rep)

    response = drop(as_user(rep), deal, pipeline, "Proposal")

    assert Page(response.content.decode()).by_id["board-messages"].text == ""


def test_a_drop_of_a_won_deal_is_refused_with_how_to_reopen_it(as_user, rep, pipeline):
    deal = in_stage(pipeline, "Demo", rep)
    drop(as_user(rep), deal, pipeline, "Won")

    response = drop(as_user(rep), deal, pipeline, "Demo", seen_in="Won")

    assert response.status_code == 422
    assert "reopen it before moving it" in response.json()["message"]


def test_a_teammates_read_only_card_cannot_be_moved(as_user, rep, teammate, pipeline):
    deal = in_stage(pipeline, "Demo", teammate)

    response = drop(as_user(rep), deal, pipeline, "Proposal")

    assert response.status_code == 403
    assert response.json()["message"] == "You can see this record but not change it."
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Demo")


def test_a_manager_moves_a_deal_of_the_team(as_user, manager, rep, pipeline):
    deal = in_stage(pipeline, "Demo", rep)

    response = drop(as_user(manager), deal, pipeline, "Proposal")

    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Proposal")


def test_another_teams_deal_is_not_found(as_user, rep, outsider, pipeline):
    deal = in_stage(pipeline, "Demo", outsider)

    response = drop(as_user(rep), deal, pipeline, "Proposal")

    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.stage == stage(pipeline, "Demo")


def test_without_javascript_the_move_form_moves_and_returns_to_the_deal(as_user, rep, pipeline):
    deal = in_stage(pipeline, "Demo", rep, name="Platform", primary_contact=None)
    url = reverse("sales:deal-move", args=[deal.pk])

    response = as_user(rep).post(
        url, {"stage": stage(pipeline, "Proposal").pk, "expected_stage": deal.stage_id}
    )

    assert response.status_code == 302
    assert response.url == deal.get_absolute_url()
    assert messages_of(response) == ["Moved Platform to Proposal."]


def test_without_javascript_a_refused_move_explains_why_on_the_deal(as_user, rep, pipeline):
    ExitCriterion.objects.create(
        stage=stage(pipeline, "Demo"),
        kind=CriterionKind.RELATED,
        related=RequiredRecord.LINE_ITEM,
        label="A product line",
    )
    deal = in_stage(pipeline, "Demo", rep, name="Platform", primary_contact=ContactFactory())
    url = reverse("sales:deal-move", args=[deal.pk])

    response = as_user(rep).post(url, {"stage": stage(pipeline, "Won").pk})

    assert response.url == deal.get_absolute_url()
    assert messages_of(response) == [
        "Platform was not moved. Before this deal can move past Demo, it needs: A product line."
    ]


def test_the_board_asks_for_an_active_lost_reason_in_a_labelled_dialog(as_user, rep, pipeline):
    LostReason.objects.update(is_active=False)
    LostReasonFactory(name="Went quiet", is_active=True)

    html = as_user(rep).get(reverse("sales:board", args=[pipeline.pk])).content.decode()

    assert '<label class="form-label" for="lost-reason">Lost reason</label>' in html
    dialog = Page(html).by_id["lost-dialog"]
    assert "Went quiet" in dialog.text
    assert "Price" not in dialog.text
