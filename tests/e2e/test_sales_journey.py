"""A rep takes a qualified lead to a won customer: convert, work the deal on the board, onboard.

The board is dragged with the mouse as a person does; a stage's exit criteria refuse the drop until the
rep has held the demo and priced the deal, and the win starts the product line's onboarding checklist.
"""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from crm.models import ActivityKind
from leads.models import LeadStatus
from sales.models import (
    CriterionKind,
    ExitCriterion,
    OnboardingRole,
    OnboardingTemplate,
    Pipeline,
    RequiredRecord,
)
from tests.factories import DealFactory, LeadFactory, PipelineFactory, ProductFactory
from tests.factories.sales import stage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEAL = "Cobol Works: platform rollout"
CHECKLIST = ["Kick-off call", "Import the customer's data"]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Wide enough for all seven columns, so no drag has to scroll the board sideways."""
    return {**browser_context_args, "viewport": {"width": 1920, "height": 1080}}


@pytest.fixture
def pipeline() -> Pipeline:
    """The default pipeline, made here: the data migration's one is flushed after the first
    transactional test, so whether it exists depends on the order the tests run in."""
    Pipeline.objects.all().delete()
    pipeline: Pipeline = PipelineFactory(name="Sales", is_default=True)
    demo = stage(pipeline, "Demo")
    ExitCriterion.objects.create(
        stage=demo,
        kind=CriterionKind.ACTIVITY,
        activity_kind=ActivityKind.MEETING,
        activity_subject="demo",
        label="Demo held",
    )
    ExitCriterion.objects.create(
        stage=demo, kind=CriterionKind.RELATED, related=RequiredRecord.LINE_ITEM, label="A product line"
    )
    return pipeline


@pytest.fixture
def platform_onboarding() -> OnboardingTemplate:
    template = OnboardingTemplate.objects.create(name="Platform onboarding", product_line="Platform")
    for position, title in enumerate(CHECKLIST):
        template.items.create(
            title=title, role=OnboardingRole.DEAL_OWNER, position=position, due_offset_days=7 * (position + 1)
        )
    return template


def column(page: Page, name: str) -> Locator:
    return page.get_by_role("region", name=name, exact=True)


def card_in(page: Page, stage_name: str) -> Locator:
    return column(page, stage_name).get_by_role("listitem", name=DEAL)


def current_stage(page: Page) -> Locator:
    """The deal page's stage progress marks the deal's stage as the current step."""
    return page.get_by_role("navigation", name="Stage progress").locator("[aria-current='step']")


def drag_card(page: Page, *, from_stage: str, to_stage: str) -> int:
    """Drags the deal's card by its footer (not its link) onto the column; returns the move's status.

    Waiting for the move's answer keeps a following reload from cancelling it mid-flight.
    """
    card = card_in(page, from_stage)
    expect(card).to_be_visible()
    box = card.bounding_box()
    assert box is not None
    with page.expect_response(lambda response: response.url.split("?")[0].endswith("/move/")) as answer:
        card.drag_to(
            column(page, to_stage).get_by_role("list"),
            source_position={"x": 8, "y": box["height"] - 6},
        )
    return answer.value.status


def test_a_rep_converts_a_lead_works_the_deal_past_its_exit_criteria_wins_it_and_sees_the_onboarding(
    page: Page, log_in, rep, pipeline, platform_onboarding
):
    LeadFactory(
        owner=rep,
        first_name="Grace",
        last_name="Hopper",
        company="Cobol Works",
        email="grace@cobolworks.example",
        budget=Decimal("12000.00"),
        status=LeadStatus.QUALIFIED,
    )
    ProductFactory(
        name="Platform licence", sku="PLAT-1", unit_price=Decimal("9000.00"), product_line="Platform"
    )
    log_in(rep)

    # Convert the lead, opening a deal.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads", exact=True).click()
    page.get_by_role("link", name="Grace Hopper").click()
    page.get_by_role("link", name="Convert", exact=True).click()
    expect(page.get_by_role("heading", name="Convert Grace Hopper")).to_be_visible()
    expect(page.get_by_text("Creates the account Cobol Works (cobolworks.example).")).to_be_visible()
    expect(page.get_by_label("Create a deal")).to_be_checked()
    expect(page.get_by_label("Amount")).to_have_value("12000.00")
    page.get_by_label("Deal name").fill(DEAL)
    page.get_by_role("button", name="Convert lead").click()

    expect(page.get_by_role("heading", name=DEAL)).to_be_visible()
    expect(page.get_by_text(f"opened the deal {DEAL}")).to_be_visible()
    expect(current_stage(page)).to_have_text("Qualification")

    # On the board: Qualification to Discovery sticks, even after a reload.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline", exact=True).click()
    expect(page.get_by_role("heading", name="Sales", exact=True)).to_be_visible()
    assert drag_card(page, from_stage="Qualification", to_stage="Discovery") == 200
    expect(card_in(page, "Discovery")).to_be_visible()
    expect(card_in(page, "Discovery")).not_to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("alert")).to_have_count(0)
    page.reload()
    expect(card_in(page, "Discovery")).to_be_visible()
    expect(card_in(page, "Qualification")).to_have_count(0)

    # Past Demo to Proposal: refused, with what is missing, and the card goes back.
    assert drag_card(page, from_stage="Discovery", to_stage="Proposal") == 422
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text(
        "Before this deal can move past Demo, it needs: Demo held, A product line."
    )
    expect(card_in(page, "Discovery")).to_be_visible()
    expect(card_in(page, "Proposal")).to_have_count(0)

    # Meet the criteria on the deal: hold the demo, add the product.
    card_in(page, "Discovery").get_by_role("link", name=DEAL).click()
    expect(page.get_by_role("heading", name=DEAL)).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline", exact=True)
    timeline.get_by_label("Kind").select_option(label="Meeting")
    timeline.get_by_label("Subject").fill("Product demo")
    timeline.get_by_role("button", name="Log activity").click()
    expect(page.get_by_role("status").filter(has_text="Activity logged.")).to_be_visible()
    expect(page.get_by_role("list", name="Timeline, newest first")).to_contain_text("Product demo")

    products = page.get_by_role("region", name="Products", exact=True)
    product = products.get_by_role("combobox", name="Product", exact=True)
    product.press_sequentially("licen")
    # The suggestions come from the server a quarter second after the typing stops; a loaded CI machine
    # has taken more than Playwright's default five seconds to show them.
    expect(products.get_by_role("option", name=re.compile("Platform licence"))).to_be_visible(timeout=15_000)
    product.press("ArrowDown")
    product.press("Enter")
    expect(product).to_have_value("Platform licence")
    products.get_by_role("button", name="Add product").click()
    expect(products.get_by_role("status")).to_have_text("Added Platform licence.")
    expect(products.get_by_role("rowheader", name=re.compile("Platform licence"))).to_be_visible()

    # Back on the board the same drag now sticks.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Sales").click()
    assert drag_card(page, from_stage="Discovery", to_stage="Proposal") == 200
    expect(card_in(page, "Proposal")).to_be_visible()
    expect(card_in(page, "Proposal")).not_to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("alert")).to_have_count(0)
    page.reload()
    expect(card_in(page, "Proposal")).to_be_visible()

    # Win it.
    assert drag_card(page, from_stage="Proposal", to_stage="Won") == 200
    expect(card_in(page, "Won")).to_be_visible()
    expect(card_in(page, "Won")).not_to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("alert")).to_have_count(0)
    page.reload()
    expect(card_in(page, "Won")).to_be_visible()

    # The account is a customer now, with the Platform checklist started.
    card_in(page, "Won").get_by_role("link", name=DEAL).click()
    expect(current_stage(page)).to_have_text("Won")
    page.get_by_role("link", name="Cobol Works", exact=True).first.click()  # the details list links it too
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Cobol Works\s+Customer"))
    onboarding = page.get_by_role("region", name="Onboarding", exact=True)
    expect(onboarding.get_by_role("heading", name="Platform onboarding: Cobol Works")).to_be_visible()
    expect(onboarding.get_by_role("progressbar")).to_have_attribute("aria-valuetext", "0 of 2 steps done")
    expect(onboarding.get_by_role("listitem")).to_have_count(2)
    for title in CHECKLIST:
        expect(onboarding.get_by_role("listitem").filter(has_text=title)).to_be_visible()


def test_an_empty_activity_shows_only_its_error_and_a_logged_demo_ticks_the_exit_criterion_at_once(
    page: Page, log_in, rep, pipeline
):
    deal = DealFactory(owner=rep, pipeline=pipeline, stage=stage(pipeline, "Demo"), name=DEAL)
    ProductFactory(name="Platform licence", sku="PLAT-1", unit_price=Decimal("9000.00"))
    base_url = log_in(rep)
    page.goto(f"{base_url}{deal.get_absolute_url()}")
    criteria = page.get_by_role("list", name="Exit criteria of Demo")
    timeline = page.get_by_role("region", name="Timeline", exact=True)

    # Nothing filled in: the error, and no word of success.
    timeline.get_by_label("Kind").select_option(label="Meeting")
    timeline.get_by_role("button", name="Log activity").click()
    expect(timeline.get_by_text("Write a subject or some notes.")).to_be_visible()
    expect(page.get_by_text("Activity logged.")).to_have_count(0)

    # The demo held: its criterion turns to Met without a reload, and so does the product line's.
    expect(criteria.get_by_role("listitem").filter(has_text="Demo held")).to_contain_text("Missing")
    timeline.get_by_label("Subject").fill("Product demo")
    timeline.get_by_role("button", name="Log activity").click()
    expect(page.get_by_role("status").filter(has_text="Activity logged.")).to_be_visible()
    expect(criteria.get_by_role("listitem").filter(has_text="Demo held")).to_contain_text("Met")
    products = page.get_by_role("region", name="Products", exact=True)
    products.get_by_role("combobox", name="Product", exact=True).press_sequentially("plat")
    products.get_by_role("option", name=re.compile("Platform licence")).click()
    products.get_by_role("button", name="Add product").click()
    expect(criteria.get_by_role("listitem").filter(has_text="A product line")).to_contain_text("Met")


def test_after_a_stage_is_dragged_the_exit_criteria_follow_the_new_order(
    page: Page, log_in, admin_user, pipeline
):
    base_url = log_in(admin_user)
    page.goto(f"{base_url}{reverse('sales:pipeline-detail', args=[pipeline.pk])}")
    stages = page.get_by_role("table").get_by_role("row")
    sections = page.locator("#stage-criteria > section").get_by_role("heading")
    expect(sections.first).to_have_text("Before leaving Qualification")

    demo_row = stages.filter(has=page.get_by_role("rowheader", name="Demo", exact=True))
    first_row = stages.filter(has=page.get_by_role("rowheader", name="Qualification", exact=True))
    with page.expect_response(lambda response: "/stages/order/" in response.url):
        demo_row.locator(".drag-handle").drag_to(first_row.locator(".drag-handle"))

    expect(page.get_by_role("status").filter(has_text="Saved the new order.")).to_be_visible()
    expect(stages.nth(1).get_by_role("rowheader")).to_have_text("Demo")
    expect(sections).to_have_text(
        [
            "Before leaving Demo",
            "Before leaving Qualification",
            "Before leaving Discovery",
            "Before leaving Proposal",
            "Before leaving Negotiation",
        ]
    )
