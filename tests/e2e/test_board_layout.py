"""The board on a 1366 x 768 laptop: every column in sight, its totals, and a drop on Won or Lost that
closes the deal where the rep can see it happen."""

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from sales.models import Pipeline
from tests.factories import DealFactory, LostReasonFactory, PipelineFactory
from tests.factories.sales import stage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1366, 768
STAGES = ["Qualification", "Discovery", "Demo", "Proposal", "Negotiation", "Won", "Lost"]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": WIDTH, "height": HEIGHT}}


@pytest.fixture
def pipeline() -> Pipeline:
    Pipeline.objects.all().delete()
    pipeline: Pipeline = PipelineFactory(name="Sales", is_default=True)
    return pipeline


def column(page: Page, name: str) -> Locator:
    return page.get_by_role("region", name=name, exact=True)


def card_in(page: Page, stage_name: str, deal: str) -> Locator:
    return column(page, stage_name).get_by_role("listitem", name=deal)


def drop(page: Page, deal: str, *, from_stage: str, to_stage: str) -> None:
    card = card_in(page, from_stage, deal)
    expect(card).to_be_visible()
    box = card.bounding_box()
    assert box is not None
    card.drag_to(column(page, to_stage).get_by_role("list"), source_position={"x": 8, "y": box["height"] - 6})


def in_view(locator: Locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH


def test_at_1366_pixels_every_column_is_in_sight_with_its_total_and_weight(page: Page, log_in, rep, pipeline):
    DealFactory(owner=rep, pipeline=pipeline, stage=stage(pipeline, "Demo"), amount=Decimal(1000))
    DealFactory(owner=rep, pipeline=pipeline, stage=stage(pipeline, "Proposal"), amount=Decimal(2000))
    base_url = log_in(rep)

    page.goto(f"{base_url}/pipeline/")

    for name in STAGES:
        assert in_view(column(page, name)), f"{name} is off screen"
    expect(column(page, "Demo").locator("header")).to_contain_text("Total EUR 1,000")
    expect(column(page, "Demo").locator("header")).to_contain_text("Weighted (40%) EUR 400")
    expect(page.get_by_text("Open pipeline:")).to_be_visible()
    expect(page.locator("#board-totals")).to_contain_text("Total EUR 3,000 · Weighted EUR 1,600")


def test_with_more_stages_than_fit_won_and_lost_stay_at_the_edge_and_the_board_says_it_scrolls(
    page: Page, log_in, rep, pipeline
):
    for position, name in enumerate(["Pilot", "Security review", "Legal", "Procurement"], start=5):
        pipeline.stages.create(name=name, position=position, probability=85)
    base_url = log_in(rep)

    page.goto(f"{base_url}/pipeline/")

    expect(page.get_by_text("More stages than fit: scroll the board sideways.")).to_be_visible()
    assert not in_view(column(page, "Procurement"))
    assert in_view(column(page, "Won"))
    assert in_view(column(page, "Lost"))


def test_dropping_on_won_closes_the_deal_and_says_so(page: Page, log_in, rep, pipeline):
    DealFactory(owner=rep, pipeline=pipeline, stage=stage(pipeline, "Negotiation"), name="Umbrella")
    base_url = log_in(rep)
    page.goto(f"{base_url}/pipeline/")

    with page.expect_response(lambda response: response.url.split("?")[0].endswith("/move/")):
        drop(page, "Umbrella", from_stage="Negotiation", to_stage="Won")

    note = page.get_by_role("status").filter(has_text="Won Umbrella")
    expect(note).to_be_visible()
    expect(note).to_contain_text("closed on")
    expect(card_in(page, "Won", "Umbrella")).to_be_visible()
    expect(column(page, "Won").locator("header")).to_contain_text("1 deal")
    page.reload()
    expect(card_in(page, "Won", "Umbrella")).to_be_visible()


def test_dropping_on_lost_asks_why_in_a_dialog_then_closes_the_deal(page: Page, log_in, rep, pipeline):
    DealFactory(owner=rep, pipeline=pipeline, stage=stage(pipeline, "Demo"), name="Initech")
    LostReasonFactory(name="Chose a competitor")
    base_url = log_in(rep)
    page.goto(f"{base_url}/pipeline/")

    drop(page, "Initech", from_stage="Demo", to_stage="Lost")
    dialog = page.get_by_role("dialog", name="Why was Initech lost?")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Lost reason").select_option(label="Chose a competitor")
    with page.expect_response(lambda response: response.url.split("?")[0].endswith("/move/")):
        dialog.get_by_role("button", name="Mark as lost").click()

    expect(page.get_by_role("status").filter(has_text="Lost Initech (Chose a competitor)")).to_be_visible()
    expect(card_in(page, "Lost", "Initech")).to_be_visible()
    expect(card_in(page, "Demo", "Initech")).to_have_count(0)
