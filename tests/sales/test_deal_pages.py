"""A deal's pages: the detail page (stages, criteria, history, lines, links), the create and edit forms."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import ActivityKind
from crm.timeline.services import activity_log
from leads.models import LeadStatus
from sales.models import (
    CriterionKind,
    Deal,
    DealLine,
    DealStatus,
    ExitCriterion,
    RequiredRecord,
    StageVisit,
)
from sales.services.deals import deal_create, deal_move
from sales.services.lines import deal_line_add
from tests.factories import (
    AccountFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    LostReasonFactory,
    ProductFactory,
)
from tests.factories.sales import stage
from tests.sales.pages import HTMX, Page, messages_of, unlabelled_controls
from tests.sales.records import demo_criteria

pytestmark = pytest.mark.django_db


def detail(deal: Deal) -> str:
    return reverse("sales:deal-detail", args=[deal.pk])


def text_of(html: str, heading_id: str) -> str:
    """The text of the section a heading names (aria-labelledby), as a person reads it."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match is not None, heading_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


# Detail page


def test_the_detail_page_shows_the_stage_progress_and_time_spent_in_each_stage(as_user, rep, pipeline):
    deal = deal_create(
        actor=rep, fields={"name": "Platform", "account": AccountFactory(owner=rep), "pipeline": pipeline}
    )
    deal_move(actor=rep, deal_id=deal.pk, stage_id=stage(pipeline, "Discovery").pk)
    now = timezone.now()
    first, current = StageVisit.objects.filter(deal=deal).order_by("entered_at")
    StageVisit.objects.filter(pk=first.pk).update(
        entered_at=now - timedelta(days=5), left_at=now - timedelta(days=2)
    )
    StageVisit.objects.filter(pk=current.pk).update(entered_at=now - timedelta(days=2, hours=3))

    html = as_user(rep).get(detail(deal)).content.decode()

    progress = Page(html).named("Stage progress", "nav")
    assert progress.text.split() == [
        "Qualification",
        "(passed)",
        "Discovery",
        "Demo",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    assert (
        '<li class="badge rounded-pill text-bg-primary fs-6 fw-medium" aria-current="step">Discovery</li>'
        in html
    )
    history = text_of(html, "history-heading")
    assert re.search(r"Discovery current .* 2 days, 3 hours so far", history)
    assert re.search(r"Qualification .* 3 days(?! so far)", history)


def test_the_detail_page_shows_which_exit_criteria_of_the_stage_are_met(as_user, rep, pipeline):
    demo = demo_criteria(pipeline)
    deal = DealFactory(pipeline=pipeline, stage=demo, owner=rep, amount=Decimal("500"))
    client = as_user(rep)

    before = text_of(client.get(detail(deal)).content.decode(), "criteria-heading")
    activity_log(actor=rep, target=deal, kind=ActivityKind.MEETING, subject="Product demo")
    after = text_of(client.get(detail(deal)).content.decode(), "criteria-heading")

    assert before == "Before this deal moves past Demo Amount Met Demo held Missing Primary contact Missing"
    assert "Demo held Met" in after


def test_an_empty_activity_shows_its_error_alone_and_a_logged_one_tells_the_criteria_box(
    as_user, rep, pipeline
):
    deal = DealFactory(pipeline=pipeline, stage=demo_criteria(pipeline), owner=rep)
    client = as_user(rep)
    url = reverse("timeline-activity-add", args=["sales.deal", deal.pk])

    empty = client.post(url, {}, **HTMX)
    empty_task = client.post(reverse("timeline-task-add", args=["sales.deal", deal.pk]), {}, **HTMX)
    logged = client.post(url, {"kind": "meeting", "subject": "Product demo"}, **HTMX)

    assert "Task added." not in empty_task.content.decode()
    assert "Activity logged." not in empty.content.decode()
    assert "This field is required." in empty.content.decode()
    assert "HX-Trigger" not in empty.headers
    assert "Activity logged." in logged.content.decode()
    assert logged.headers["HX-Trigger"] == "timeline-changed"


def test_the_criteria_box_listens_for_saved_activities_and_lines_and_redraws_itself(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, stage=demo_criteria(pipeline), owner=rep)
    client = as_user(rep)
    box_url = reverse("sales:deal-criteria", args=[deal.pk])

    box = Page(client.get(detail(deal)).content.decode()).by_id["deal-criteria"]
    activity_log(actor=rep, target=deal, kind=ActivityKind.MEETING, subject="Product demo")
    redrawn = client.get(box_url, **HTMX).content.decode()
    added = client.post(
        reverse("sales:deal-line-add", args=[deal.pk]),
        {"product": ProductFactory().pk, "quantity": "1"},
        **HTMX,
    )

    assert box.attrs["hx-get"] == box_url
    assert box.attrs["hx-trigger"] == "timeline-changed from:body, deal-changed from:body"
    assert "Demo held Met" in text_of(redrawn, "criteria-heading")
    assert "<html" not in redrawn
    assert added.headers["HX-Trigger"] == "deal-changed"


def test_the_detail_page_links_the_account_contact_source_lead_and_renewals(as_user, rep, pipeline):
    contact = ContactFactory(owner=rep)
    lead = LeadFactory(owner=rep, utm_source="newsletter", status=LeadStatus.CONVERTED)
    original = DealFactory(
        pipeline=pipeline,
        stage=stage(pipeline, "Won"),
        owner=rep,
        name="First year",
        status=DealStatus.WON,
    )
    deal = DealFactory(
        pipeline=pipeline,
        owner=rep,
        account=contact.account,
        primary_contact=contact,
        source_lead=lead,
        renewal_of=original,
        name="Second year",
    )
    client = as_user(rep)

    details = text_of(client.get(detail(deal)).content.decode(), "details-heading")
    html = client.get(detail(deal)).content.decode()

    assert f'<a href="{contact.account.get_absolute_url()}">{contact.account.name}</a>' in html
    assert f'href="{contact.get_absolute_url()}"' in html
    assert f'href="{lead.get_absolute_url()}"' in html
    assert "UTM source: newsletter" in details
    assert "Renews First year" in details
    assert "Renewal Second year" in text_of(client.get(detail(original)).content.decode(), "details-heading")


def test_a_lost_deal_shows_its_reason(as_user, rep, pipeline):
    reason = LostReasonFactory(name="Chose a competitor")
    deal = DealFactory(pipeline=pipeline, owner=rep)
    deal_move(
        actor=rep,
        deal_id=deal.pk,
        stage_id=stage(pipeline, "Lost").pk,
        lost_reason_id=reason.pk,
        lost_note="Acme",
    )

    details = text_of(as_user(rep).get(detail(deal)).content.decode(), "details-heading")

    assert "Lost reason Chose a competitor Acme" in details


def test_a_teammate_reads_the_deal_without_edit_move_or_delete(as_user, rep, teammate, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    client = as_user(teammate)

    html = client.get(detail(deal)).content.decode()

    assert reverse("sales:deal-edit", args=[deal.pk]) not in html
    assert reverse("sales:deal-delete", args=[deal.pk]) not in html
    assert "Move to stage" not in html
    assert "Add a product" not in html
    assert client.get(reverse("sales:deal-edit", args=[deal.pk])).status_code == 403


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("sales:deal-detail", "get"),
        ("sales:deal-edit", "get"),
        ("sales:deal-delete", "post"),
        ("sales:deal-line-add", "post"),
        ("sales:deal-move", "post"),
    ],
)
def test_another_teams_deal_is_not_found_on_any_page(as_user, rep, outsider, pipeline, name, method):
    deal = DealFactory(pipeline=pipeline, owner=outsider)

    response = getattr(as_user(rep), method)(reverse(name, args=[deal.pk]))

    assert response.status_code == 404
    assert Deal.objects.filter(pk=deal.pk).exists()


def test_deleting_a_deal_asks_first_and_a_rep_cannot_delete_a_won_one(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep, name="Open one")
    won = DealFactory(pipeline=pipeline, owner=rep, stage=stage(pipeline, "Won"), status=DealStatus.WON)
    client = as_user(rep)
    url = reverse("sales:deal-delete", args=[deal.pk])

    assert "Delete deal Open one?" in client.get(url).content.decode()
    assert client.post(url).url == reverse("sales:deal-list")
    assert reverse("sales:deal-delete", args=[won.pk]) not in client.get(detail(won)).content.decode()
    assert client.post(reverse("sales:deal-delete", args=[won.pk])).status_code == 403
    assert list(Deal.objects.values_list("pk", flat=True)) == [won.pk]


# Product lines


def test_adding_a_product_prices_it_from_the_catalogue_and_updates_the_amount(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep, amount=Decimal("0"))
    product = ProductFactory(name="Seats", unit_price=Decimal("120.00"))
    url = reverse("sales:deal-line-add", args=[deal.pk])

    response = as_user(rep).post(url, {"product": product.pk, "quantity": "3", "discount": "10"}, **HTMX)

    html = response.content.decode()
    deal.refresh_from_db()
    assert deal.amount == Decimal("324.00")
    assert '<span id="deal-amount" hx-swap-oob="true">EUR 324.00</span>' in html
    assert "Added Seats." in html
    assert Page(html).by_id["deal-lines"]


def test_changing_a_line_recomputes_the_amount_and_a_negative_quantity_is_refused_on_its_field(
    as_user, rep, pipeline
):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    line = deal_line_add(actor=rep, deal_id=deal.pk, product=ProductFactory(name="Seats"))
    url = reverse("sales:deal-line-update", args=[deal.pk, line.pk])
    client = as_user(rep)
    prefix = f"line-{line.pk}"

    changed = client.post(
        url, {f"{prefix}-quantity": "4", f"{prefix}-unit_price": "50", f"{prefix}-discount": "0"}, **HTMX
    )
    refused = client.post(
        url, {f"{prefix}-quantity": "-2", f"{prefix}-unit_price": "50", f"{prefix}-discount": "0"}, **HTMX
    )

    deal.refresh_from_db()
    assert deal.amount == Decimal("200.00")
    assert "EUR 200.00" in changed.content.decode()
    html = refused.content.decode()
    assert refused.status_code == 200  # htmx swaps the editor in with the message
    error = f'<div class="invalid-feedback d-block" id="id_{prefix}-quantity_error">'
    assert f"{error}The quantity must be more than zero.</div>" in html
    assert 'aria-invalid="true"' in html
    assert f'<label class="visually-hidden" for="id_{prefix}-quantity">Quantity of Seats</label>' in html
    assert DealLine.objects.get(pk=line.pk).quantity == Decimal("4")


def test_a_product_in_another_currency_is_refused_on_the_product_field(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep, currency="EUR")
    product = ProductFactory(name="Dollar seats", currency="USD")

    response = as_user(rep).post(
        reverse("sales:deal-line-add", args=[deal.pk]),
        {"product": product.pk, "product_search": "Dollar seats", "quantity": "1"},
        **HTMX,
    )

    assert re.search(
        r'id="line_new_product_search_error">'
        r"Dollar seats \(SKU-\d+\) is priced in USD and this deal is in EUR\.<",
        response.content.decode(),
    )
    assert not DealLine.objects.exists()


def test_removing_the_last_line_leaves_an_amount_of_zero_and_without_javascript_returns_to_the_deal(
    as_user, rep, pipeline
):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    line = deal_line_add(actor=rep, deal_id=deal.pk, product=ProductFactory(name="Seats"))

    response = as_user(rep).post(reverse("sales:deal-line-remove", args=[deal.pk, line.pk]))

    assert response.url == detail(deal)
    assert messages_of(response) == ["Removed Seats."]
    deal.refresh_from_db()
    assert deal.amount == Decimal("0")


def test_a_line_of_another_deal_is_not_found(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    other = DealFactory(pipeline=pipeline, owner=rep)
    line = deal_line_add(actor=rep, deal_id=other.pk, product=ProductFactory())

    response = as_user(rep).post(reverse("sales:deal-line-remove", args=[deal.pk, line.pk]))

    assert response.status_code == 404
    assert DealLine.objects.filter(pk=line.pk).exists()


# The deal form's contact choices (the form itself: tests/sales/test_deal_form.py)


def test_the_contact_choices_follow_the_chosen_account(as_user, rep, outsider):
    account = AccountFactory(owner=rep)
    contact = ContactFactory(owner=rep, account=account, first_name="Ada", last_name="Lovelace")
    hidden_account = AccountFactory(owner=outsider)
    ContactFactory(owner=outsider, account=hidden_account, last_name="Hidden")
    url = reverse("sales:deal-contact-options")
    client = as_user(rep)

    html = client.get(url, {"account": account.pk}).content.decode()

    assert f'<option value="{contact.pk}">Ada Lovelace</option>' in html
    assert "Hidden" not in client.get(url, {"account": hidden_account.pk}).content.decode()


# Labels and query counts


def test_every_control_of_the_detail_and_edit_pages_has_a_label(as_user, rep, pipeline):
    deal = DealFactory(pipeline=pipeline, owner=rep)
    deal_line_add(actor=rep, deal_id=deal.pk, product=ProductFactory())
    client = as_user(rep)

    assert unlabelled_controls(client.get(detail(deal)).content.decode()) == []
    assert unlabelled_controls(client.get(reverse("sales:deal-edit", args=[deal.pk])).content.decode()) == []


def test_the_detail_page_costs_the_same_queries_with_many_lines_visits_and_activities(
    as_user, assert_same_query_count, rep, pipeline
):
    ExitCriterion.objects.create(
        stage=stage(pipeline, "Qualification"),
        kind=CriterionKind.RELATED,
        related=RequiredRecord.LINE_ITEM,
        label="Lines",
    )
    deal = deal_create(
        actor=rep, fields={"name": "Platform", "account": AccountFactory(owner=rep), "pipeline": pipeline}
    )
    deal_line_add(actor=rep, deal_id=deal.pk, product=ProductFactory())
    client = as_user(rep)

    def grow() -> None:
        # Lines and visits are written directly: through the services each would also add a row to the
        # audit trail, whose related-model lookups depend on which fields changed, not on the row count.
        start = timezone.now() - timedelta(days=30)
        for n in range(30):
            DealLine.objects.create(
                deal=deal, product=ProductFactory(), unit_price=Decimal(10), position=n + 1
            )
            activity_log(actor=rep, target=deal, kind=ActivityKind.CALL, subject="Follow-up")
            StageVisit.objects.create(
                deal=deal,
                stage=stage(pipeline, "Discovery"),
                entered_at=start + timedelta(hours=n),
                left_at=start + timedelta(hours=n, minutes=30),
                entered_by=rep,
            )

    assert_same_query_count(lambda: client.get(detail(deal)), grow=grow)
