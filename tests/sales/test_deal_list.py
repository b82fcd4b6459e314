"""The deal list: sorting, filters, keyset pages and the bulk bar, as a rep and a manager use them."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sales.models import (
    CriterionKind,
    Deal,
    DealStatus,
    ExitCriterion,
    ForecastCategory,
    RequiredField,
)
from sales.selectors import deal_list, deal_list_totals
from tests.conftest import count_queries
from tests.factories import AccountFactory, DealFactory, LostReasonFactory
from tests.factories.sales import stage
from tests.sales.pages import Page, messages_of, unlabelled_controls

pytestmark = pytest.mark.django_db
URL = reverse("sales:deal-list")
DEAL_LINK = re.compile(r'<td[^>]*><a href="/pipeline/deals/\d+/"[^>]*>([^<]+)</a></td>')


STAGE_CELL = re.compile(
    r"<td>\s*(<span class=\"badge[^>]*>.*?</span>|[^<]*)\s*</td>\s*<td class=\"text-end", re.S
)


def names(response) -> list[str]:
    return DEAL_LINK.findall(response.content.decode())


def totals_text(response) -> str:
    return Page(response.content.decode()).by_id["deal-list-totals"].text


def deal(pipeline, owner, name, stage_name="Qualification", **fields):
    return DealFactory(pipeline=pipeline, stage=stage(pipeline, stage_name), owner=owner, name=name, **fields)


# Sorting and filters


def test_the_list_sorts_by_amount_both_ways_and_marks_the_sorted_column(as_user, rep, pipeline):
    for name, amount in [("Small", "10"), ("Large", "900"), ("Medium", "300")]:
        deal(pipeline, rep, name, amount=Decimal(amount))
    client = as_user(rep)

    ascending = client.get(URL, {"ordering": "amount"})
    descending = client.get(URL, {"ordering": "-amount"})

    assert names(ascending) == ["Small", "Medium", "Large"]
    assert names(descending) == ["Large", "Medium", "Small"]
    assert re.search(
        r'<th scope="col" aria-sort="ascending" class="text-end">\s*<a href="\?ordering=-amount">',
        ascending.content.decode(),
    )


def test_deals_without_a_close_date_come_last_whichever_way_the_list_is_sorted(as_user, rep, pipeline):
    today = timezone.localdate()
    deal(pipeline, rep, "Undated")
    deal(pipeline, rep, "Soon", close_date=today + timedelta(days=2))
    deal(pipeline, rep, "Later", close_date=today + timedelta(days=20))
    client = as_user(rep)

    assert names(client.get(URL, {"ordering": "close_date"})) == ["Soon", "Later", "Undated"]
    assert names(client.get(URL, {"ordering": "-close_date"})) == ["Later", "Soon", "Undated"]


def test_filters_combine_and_stay_when_sorting(as_user, manager, rep, teammate, pipeline):
    deal(pipeline, rep, "Rep demo", "Demo")
    deal(pipeline, rep, "Rep proposal", "Proposal")
    deal(pipeline, teammate, "Teammate demo", "Demo")
    demo = stage(pipeline, "Demo")

    response = as_user(manager).get(URL, {"stage": demo.pk, "owner": rep.pk, "ordering": "name"})

    assert names(response) == ["Rep demo"]
    html = response.content.decode()
    assert f"?stage={demo.pk}&amp;owner={rep.pk}&amp;ordering=-name" in html
    assert "matching the filters" in html


def test_the_account_pages_link_lists_that_accounts_deals(as_user, rep, pipeline):
    account = AccountFactory(owner=rep)
    deal(pipeline, rep, "Theirs", account=account)
    deal(pipeline, rep, "Elsewhere")

    assert names(as_user(rep).get(URL, {"account": account.pk})) == ["Theirs"]


def test_another_teams_deals_are_not_listed(as_user, rep, outsider, pipeline):
    deal(pipeline, rep, "Mine")
    deal(pipeline, outsider, "Secret")

    assert names(as_user(rep).get(URL)) == ["Mine"]


def test_the_list_pages_forward_and_back_by_keyset_without_counting(as_user, rep, pipeline):
    created = [deal(pipeline, rep, f"Deal {n:03d}", amount=Decimal(n)) for n in range(120)]
    client = as_user(rep)

    seen, response = [], client.get(URL, {"ordering": "-amount"})
    while True:
        seen.extend(names(response))
        following = re.search(r'href="([^"]+)" rel="next"', response.content.decode())
        if following is None:
            break
        assert "ordering=-amount" in following.group(1)
        response = client.get(URL + following.group(1).replace("&amp;", "&"))
    previous = re.search(r'href="([^"]+)" rel="prev"', response.content.decode())
    assert previous is not None
    back = client.get(URL + previous.group(1).replace("&amp;", "&"))

    assert seen == [d.name for d in reversed(created)]
    assert names(back) == seen[50:100]
    assert "Page 1 of" not in response.content.decode()


def test_a_closed_deal_shows_its_stage_once_and_says_the_outcome_only_when_the_name_does_not(
    as_user, rep, pipeline
):
    deal(pipeline, rep, "Signed deal", "Won", status=DealStatus.WON)
    lost = deal(pipeline, rep, "Lost deal", "Lost", status=DealStatus.LOST, lost_reason=LostReasonFactory())
    lost.stage.name = "Closed – no budget"
    lost.stage.save()

    html = as_user(rep).get(URL).content.decode()
    cells = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in STAGE_CELL.findall(html)]

    assert sorted(cells) == ["Closed – no budget · Lost", "Won"]


def test_the_list_counts_and_totals_the_filtered_deals_by_currency(as_user, rep, pipeline):
    deal(pipeline, rep, "A", amount=Decimal("1000.50"))
    deal(pipeline, rep, "B", "Demo", amount=Decimal("2000"))
    deal(pipeline, rep, "C", "Demo", amount=Decimal("300"), currency="USD")
    client = as_user(rep)

    everything = totals_text(client.get(URL))
    in_demo = totals_text(client.get(URL, {"stage": stage(pipeline, "Demo").pk}))

    assert everything == "3 deals · Amount EUR 3,000.50 · USD 300.00"
    assert in_demo == "2 deals match the filters · Amount EUR 2,000.00 · USD 300.00"


def test_past_the_cap_the_count_says_so_and_leaves_the_amount_out(rep, pipeline):
    for name in "ABC":
        deal(pipeline, rep, name, amount=Decimal(10))

    capped = deal_list_totals(deals=deal_list(user=rep), cap=2)
    exact = deal_list_totals(deals=deal_list(user=rep), cap=3)

    assert (str(capped.count), capped.amounts) == ("2+", [])
    assert (str(exact.count), exact.amounts) == ("3", [("EUR", Decimal("30.00"))])


# Bulk actions


def test_bulk_assign_reports_the_changed_deals_and_why_each_other_was_not(
    as_user, manager, rep, outsider, pipeline
):
    mine = deal(pipeline, manager, "Mine")
    reps = deal(pipeline, rep, "Reps")
    hidden = deal(pipeline, outsider, "Secret")

    response = as_user(manager).post(
        reverse("sales:deal-bulk"),
        {"action": "assign", "owner": rep.pk, "deal": [mine.pk, reps.pk, hidden.pk], "next": URL},
    )

    assert response.url == URL
    assert messages_of(response) == ["Changed 2 deals.", f"1 deal not changed. deal #{hidden.pk}: not found"]
    assert set(Deal.objects.filter(owner=rep).values_list("name", flat=True)) == {"Mine", "Reps"}


def test_bulk_move_names_each_deal_its_stage_criteria_hold_back(as_user, rep, pipeline):
    ExitCriterion.objects.create(
        stage=stage(pipeline, "Qualification"),
        kind=CriterionKind.FIELD,
        field_name=RequiredField.NEXT_STEP,
        label="Next step",
    )
    ready = deal(pipeline, rep, "Ready", next_step="Call the CFO")
    blocked = deal(pipeline, rep, "Blocked")

    response = as_user(rep).post(
        reverse("sales:deal-bulk"),
        {"action": "move", "stage": stage(pipeline, "Discovery").pk, "deal": [ready.pk, blocked.pk]},
    )

    assert messages_of(response) == [
        "Changed 1 deal.",
        "1 deal not changed. Blocked: Before this deal can move past Qualification, it needs: Next step.",
    ]
    ready.refresh_from_db()
    assert ready.stage == stage(pipeline, "Discovery")


def test_bulk_moving_to_lost_needs_a_reason_and_changes_nothing_without_one(as_user, rep, pipeline):
    one = deal(pipeline, rep, "One")
    client = as_user(rep)
    data = {"action": "move", "stage": stage(pipeline, "Lost").pk, "deal": [one.pk]}

    refused = client.post(reverse("sales:deal-bulk"), data)
    reason = LostReasonFactory(name="No budget")
    accepted = client.post(reverse("sales:deal-bulk"), {**data, "lost_reason": reason.pk})

    assert messages_of(refused) == ["Nothing was changed: Choose why the deals were lost."]
    assert messages_of(accepted)[-1] == "Changed 1 deal."  # the refusal before it was never shown
    one.refresh_from_db()
    assert (one.status, one.lost_reason) == (DealStatus.LOST, reason)


def test_bulk_sets_the_forecast_category(as_user, rep, pipeline):
    deals = [deal(pipeline, rep, f"Deal {n}") for n in range(2)]

    response = as_user(rep).post(
        reverse("sales:deal-bulk"),
        {"action": "forecast", "forecast_category": "commit", "deal": [d.pk for d in deals]},
    )

    assert messages_of(response) == ["Changed 2 deals."]
    assert set(Deal.objects.values_list("forecast_category", flat=True)) == {ForecastCategory.COMMIT}


def test_bulk_delete_asks_first_and_keeps_won_deals_for_admins(as_user, rep, pipeline):
    open_deal = deal(pipeline, rep, "Open one")
    won = deal(pipeline, rep, "Won one", "Won", status=DealStatus.WON)
    ids = [open_deal.pk, won.pk]
    client = as_user(rep)

    confirm = client.post(reverse("sales:deal-bulk"), {"action": "delete", "deal": ids})
    done = client.post(reverse("sales:deal-bulk"), {"action": "delete", "deal": ids, "confirm": "yes"})

    assert "Delete 2 deals?" in confirm.content.decode()
    assert messages_of(done) == [
        "Deleted 1 deal.",
        "1 deal not changed. Won one: Only admins can delete a won deal.",
    ]
    assert list(Deal.objects.values_list("name", flat=True)) == ["Won one"]


def test_a_marketer_reads_the_list_without_a_bulk_bar(as_user, marketer, rep, pipeline):
    deal(pipeline, rep, "Visible")

    response = as_user(marketer).get(URL)

    assert names(response) == ["Visible"]
    assert 'name="action"' not in response.content.decode()


def test_every_control_of_the_list_has_a_label(as_user, rep, pipeline):
    deal(pipeline, rep, "Labelled")

    html = as_user(rep).get(URL).content.decode()

    assert unlabelled_controls(html) == []
    assert Page(html).named("Select Labelled", "input")


def test_the_list_costs_the_same_queries_at_1_and_at_30_deals(
    as_user, assert_same_query_count, manager, rep, pipeline
):
    deal(pipeline, rep, "First")
    client = as_user(manager)

    assert_same_query_count(
        lambda: client.get(URL, {"ordering": "-close_date"}),
        grow=lambda: [deal(pipeline, rep, f"More {n}", "Demo") for n in range(30)],
    )


# What the list reads


def test_the_deal_list_reads_only_what_its_rows_show(as_user, rep, pipeline):
    DealFactory(owner=rep, pipeline=pipeline, name="Platform rollout", next_step="Call the CFO")

    with count_queries() as queries:
        response = as_user(rep).get(URL)

    assert names(response) == ["Platform rollout"]
    [page] = [q["sql"] for q in queries.captured_queries if '"sales_deal"."name"' in q["sql"]]
    assert '"sales_pipeline"' not in page  # joined for every row, and shown in none
    assert '"crm_contact"' not in page
    assert '"next_step"' not in page
    assert '"password"' not in page  # nor the owner's password hash, for the owner's name
