"""The pipeline board as a rep and a manager see it: columns, their totals, lazy card pages and filters."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sales.board.selectors import COLUMN_PAGE_SIZE
from sales.models import DealStatus, DealType, Pipeline, SalesSettings
from tests.factories import DealFactory, PipelineFactory
from tests.factories.sales import stage
from tests.sales.pages import Page, unlabelled_controls

pytestmark = pytest.mark.django_db


def board_url(pipeline: Pipeline, query: str = "") -> str:
    return reverse("sales:board", args=[pipeline.pk]) + (f"?{query}" if query else "")


def column_url(pipeline: Pipeline, name: str, query: str = "") -> str:
    url = reverse("sales:board-column", args=[pipeline.pk, stage(pipeline, name).pk])
    return url + (f"?{query}" if query else "")


def deal(pipeline: Pipeline, stage_name: str, owner, amount: str = "1000", **fields):
    return DealFactory(
        pipeline=pipeline, stage=stage(pipeline, stage_name), owner=owner, amount=Decimal(amount), **fields
    )


def won(pipeline: Pipeline, owner, amount: str, days_ago: int, **fields):
    """A deal won `days_ago`; its expected close date that day too unless told."""
    fields.setdefault("close_date", timezone.localdate() - timedelta(days=days_ago))
    return deal(
        pipeline,
        "Won",
        owner,
        amount,
        status=DealStatus.WON,
        closed_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


# Columns and their totals


def test_the_board_shows_one_region_per_stage_open_ones_first_then_won_and_lost(as_user, rep, pipeline):
    page = Page(as_user(rep).get(board_url(pipeline)).content.decode())

    assert page.names("section") == [
        "Qualification",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    assert "Closed in the last 90 days" in page.named("Won").text
    assert "Closed in the last 90 days" not in page.named("Demo").text


def test_column_headers_count_total_and_weight_the_deals_the_manager_sees(
    as_user, manager, rep, teammate, outsider
):
    pipeline = PipelineFactory(name="Enterprise")
    deal(pipeline, "Demo", rep, "1000")
    deal(pipeline, "Demo", teammate, "500")
    deal(pipeline, "Proposal", rep, "2000")
    deal(pipeline, "Demo", outsider, "9000")  # another team: not on the manager's board
    deal(PipelineFactory(), "Demo", rep, "7000")  # another pipeline
    won(pipeline, rep, "3000", days_ago=10)
    won(pipeline, rep, "8000", days_ago=200)  # closed too long ago for the won column

    page = Page(as_user(manager).get(board_url(pipeline)).content.decode())

    assert (
        page.by_id[f"column-header-{stage(pipeline, 'Demo').pk}"].text
        == "Demo 2 deals Total EUR 1,500 Weighted (40%) EUR 600"
    )
    assert "Proposal 1 deal Total EUR 2,000 Weighted (60%) EUR 1,200" in page.named("Proposal").text
    # A closed column has no weight to show: its deals are won (or lost) already.
    assert "Won 1 deal Total EUR 3,000 Closed in the last 90 days" in page.named("Won").text
    assert "Weighted" not in page.named("Won").text
    assert "Qualification 0 deals Total — Weighted (10%) —" in page.named("Qualification").text


def test_the_board_totals_its_open_pipeline_as_filtered(as_user, manager, rep, teammate, outsider):
    pipeline = PipelineFactory(name="Enterprise")
    deal(pipeline, "Demo", rep, "1000")
    deal(pipeline, "Proposal", teammate, "2000")
    deal(pipeline, "Negotiation", rep, "500", currency="USD")
    deal(pipeline, "Demo", outsider, "9000")  # another team: not on the manager's board
    won(pipeline, rep, "3000", days_ago=10)  # won already: not in the open pipeline
    client = as_user(manager)

    everything = Page(client.get(board_url(pipeline)).content.decode()).by_id["board-totals"].text
    one_rep = Page(client.get(board_url(pipeline, f"owner={rep.pk}")).content.decode()).by_id["board-totals"]

    # 1000 x 40 % + 2000 x 60 % in euros; 500 x 80 % in dollars.
    assert everything == ("Open pipeline: 3 deals · Total EUR 3,000 · USD 500 · Weighted EUR 1,600 · USD 400")
    assert one_rep.text == "Open pipeline: 2 deals · Total EUR 1,000 · USD 500 · Weighted EUR 400 · USD 400"


def test_filters_narrow_the_header_totals_and_are_kept_for_the_column_pages(as_user, manager, rep, teammate):
    pipeline = PipelineFactory(name="Enterprise")
    deal(pipeline, "Demo", rep, "1000", type=DealType.UPSELL)
    deal(pipeline, "Demo", rep, "400")
    deal(pipeline, "Demo", teammate, "500", type=DealType.UPSELL)
    query = f"owner={rep.pk}&type=upsell"

    html = as_user(manager).get(board_url(pipeline, query)).content.decode()

    assert "Demo 1 deal Total EUR 1,000 Weighted (40%) EUR 400" in Page(html).named("Demo").text
    column = stage(pipeline, "Demo")
    expected = (
        reverse("sales:board-column", args=[pipeline.pk, column.pk]) + f"?owner={rep.pk}&amp;type=upsell"
    )
    assert f'hx-get="{expected}"' in html


def test_amounts_in_different_currencies_are_summed_apart(as_user, rep, pipeline):
    deal(pipeline, "Negotiation", rep, "1000", currency="EUR")
    deal(pipeline, "Negotiation", rep, "500", currency="USD")

    page = Page(as_user(rep).get(board_url(pipeline)).content.decode())

    assert "Total EUR 1,000 · USD 500 Weighted (80%) EUR 800 · USD 400" in page.named("Negotiation").text


def test_the_pipeline_index_is_the_default_pipelines_board_with_a_switcher(as_user, rep, pipeline):
    default = Pipeline.objects.get(is_default=True)

    html = as_user(rep).get(reverse("sales:index")).content.decode()

    assert f'<h1 class="h3 mb-0">{default.name}</h1>' in html
    switcher = Page(html).named("Pipelines", "nav")
    assert switcher.text.split() == [default.name, "Enterprise"]
    assert f'href="{board_url(pipeline)}"' in html


def test_without_an_active_pipeline_the_board_says_so(as_user, rep):
    Pipeline.objects.update(is_active=False)

    response = as_user(rep).get(reverse("sales:index"))

    assert response.status_code == 200
    assert "There is no active pipeline yet." in response.content.decode()


def test_an_unknown_pipeline_or_a_stage_of_another_pipeline_is_not_found(as_user, rep, pipeline):
    other = PipelineFactory()
    client = as_user(rep)

    assert client.get(reverse("sales:board", args=[999999])).status_code == 404
    url = reverse("sales:board-column", args=[pipeline.pk, stage(other, "Demo").pk])
    assert client.get(url).status_code == 404


# Column pages


CARD = re.compile(r'<li class="card deal-card[^"]*"\s+aria-label="([^"]+)"')
NEXT_PAGE = re.compile(r'hx-get="([^"]+)"')


def test_a_column_pages_through_its_cards_newest_first_by_keyset(as_user, rep, pipeline):
    deals = [deal(pipeline, "Discovery", rep, name=f"Deal {n:02d}") for n in range(COLUMN_PAGE_SIZE + 5)]
    client = as_user(rep)

    first = client.get(column_url(pipeline, "Discovery", f"owner={rep.pk}")).content.decode()
    next_url = NEXT_PAGE.search(first)
    assert next_url is not None
    assert f"owner={rep.pk}" in next_url.group(1)
    second = client.get(next_url.group(1).replace("&amp;", "&")).content.decode()

    names = CARD.findall(first) + CARD.findall(second)
    assert names == [d.name for d in reversed(deals)]
    assert "Load more" in first
    assert "Load more" not in second


def test_an_empty_column_says_so_after_loading(as_user, rep, pipeline):
    html = as_user(rep).get(column_url(pipeline, "Proposal")).content.decode()

    assert CARD.findall(html) == []
    assert "No deals here." in html


def test_cards_show_the_deal_and_flag_overdue_ones(as_user, rep, pipeline):
    today = timezone.localdate()
    deal(pipeline, "Demo", rep, "1234.5", name="Late step", next_step_due=today - timedelta(days=1))
    deal(pipeline, "Demo", rep, name="Late close", close_date=today - timedelta(days=3))
    deal(pipeline, "Demo", rep, name="On time", close_date=today + timedelta(days=3))

    page = Page(as_user(rep).get(column_url(pipeline, "Demo")).content.decode())

    late = page.named("Late step", "li")
    assert "EUR 1,234.50" in late.text
    assert str(rep) in late.text
    assert "overdue" in late.text
    assert "overdue" in page.named("Late close", "li").text
    assert "overdue" not in page.named("On time", "li").text


def test_a_won_column_shows_only_recently_closed_deals(as_user, rep, pipeline):
    won(pipeline, rep, "100", days_ago=5, name="Fresh win")
    won(pipeline, rep, "100", days_ago=120, name="Old win")

    html = as_user(rep).get(column_url(pipeline, "Won")).content.decode()

    assert CARD.findall(html) == ["Fresh win"]


def test_the_won_column_goes_by_when_the_deal_was_won_not_by_its_expected_close_date(as_user, rep, pipeline):
    # Expected to close long ago, won last week: a recent win.
    won(
        pipeline,
        rep,
        "100",
        days_ago=7,
        name="Late win",
        close_date=timezone.localdate() - timedelta(days=200),
    )
    # Expected to close last week, won long ago: not.
    won(
        pipeline,
        rep,
        "100",
        days_ago=200,
        name="Early win",
        close_date=timezone.localdate() - timedelta(days=7),
    )

    html = as_user(rep).get(column_url(pipeline, "Won")).content.decode()
    header = Page(as_user(rep).get(board_url(pipeline)).content.decode()).named("Won").text

    assert CARD.findall(html) == ["Late win"]
    assert header.startswith("Won 1 deal Total EUR 100")


def test_closed_cards_do_not_drag_and_open_ones_do(as_user, rep, pipeline):
    won(pipeline, rep, "100", days_ago=1, name="Signed")
    deal(pipeline, "Demo", rep, name="Working")
    client = as_user(rep)

    signed = Page(client.get(column_url(pipeline, "Won")).content.decode()).named("Signed", "li")
    working = Page(client.get(column_url(pipeline, "Demo")).content.decode()).named("Working", "li")

    assert "data-movable" not in signed.attrs
    assert "read-only" not in signed.text  # the rep may still change it, on its page
    assert "data-movable" in working.attrs


def test_teammates_cards_are_read_only_for_a_rep(as_user, rep, teammate, pipeline):
    deal(pipeline, "Demo", rep, name="Mine")
    deal(pipeline, "Demo", teammate, name="Theirs")

    page = Page(as_user(rep).get(column_url(pipeline, "Demo")).content.decode())

    assert "data-movable" in page.named("Mine", "li").attrs
    assert "data-movable" not in page.named("Theirs", "li").attrs
    assert "read-only" in page.named("Theirs", "li").text


def test_without_the_team_board_setting_a_rep_sees_only_their_own_deals(as_user, rep, teammate, pipeline):
    SalesSettings.objects.update_or_create(id=1, defaults={"reps_see_team_board": False})
    deal(pipeline, "Demo", rep, name="Mine")
    deal(pipeline, "Demo", teammate, name="Theirs")

    html = as_user(rep).get(column_url(pipeline, "Demo")).content.decode()

    assert CARD.findall(html) == ["Mine"]


# Query counts


def _grow(pipeline: Pipeline, owner):
    def grow() -> None:
        for name in ("Qualification", "Demo", "Demo", "Proposal"):
            for _ in range(8):
                deal(pipeline, name, owner)
        won(pipeline, owner, "10", days_ago=3)

    return grow


def test_the_boards_first_paint_costs_the_same_queries_with_many_deals(
    as_user, assert_same_query_count, manager, rep, pipeline
):
    deal(pipeline, "Demo", rep)
    client = as_user(manager)

    assert_same_query_count(
        lambda: client.get(board_url(pipeline, "type=new_business")), grow=_grow(pipeline, rep)
    )


def test_a_column_page_costs_the_same_queries_with_many_deals(
    as_user, assert_same_query_count, manager, rep, teammate, pipeline
):
    deal(pipeline, "Demo", rep)
    client = as_user(manager)

    assert_same_query_count(lambda: client.get(column_url(pipeline, "Demo")), grow=_grow(pipeline, teammate))


def test_every_control_of_the_board_has_a_label(as_user, rep, pipeline):
    html = as_user(rep).get(board_url(pipeline)).content.decode()

    assert unlabelled_controls(html) == []


def test_a_marketer_reads_the_board_without_moving_or_creating_deals(as_user, marketer, rep, pipeline):
    deal(pipeline, "Demo", rep, name="Attributed")
    client = as_user(marketer)

    board = client.get(board_url(pipeline)).content.decode()
    column = Page(client.get(column_url(pipeline, "Demo")).content.decode())

    assert "New deal" not in board
    assert "data-movable" not in column.named("Attributed", "li").attrs
