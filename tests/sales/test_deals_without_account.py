"""A deal may exist without an account (as in Salesforce and HubSpot): it is created through the service,
the form and the API, every page and the API show it with "No account" and no link, and an admin may
require an account from a stage on with an "Account" exit criterion."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.errors import Invalid
from crm.models import Notification, NotificationKind
from sales.configuration.criteria import criterion_add
from sales.errors import ExitCriteriaUnmet
from sales.forecast.selectors import MonthRange
from sales.models import (
    CriterionKind,
    Deal,
    DealLine,
    DealStatus,
    ExitCriterion,
    Onboarding,
    OnboardingTemplate,
    OnboardingTemplateItem,
    RequiredField,
)
from sales.renewals.services import renewals_create_due
from sales.report.selectors import sales_report_get
from sales.services.deals import deal_create, deal_move, deal_update
from tests.factories import AccountFactory, ContactFactory, DealFactory, ProductFactory
from tests.factories.sales import stage
from tests.sales.pages import HTMX, Page, messages_of
from tests.sales.records import DEALS_API, deal, deal_api_url, deal_move_api_url

pytestmark = pytest.mark.django_db

LIST = reverse("sales:deal-list")
CREATE = reverse("sales:deal-create")
NO_ACCOUNT = "No account"


def accountless(pipeline, owner, name: str = "Side project", stage_name: str = "Qualification", **fields):
    return DealFactory(
        pipeline=pipeline, stage=stage(pipeline, stage_name), owner=owner, account=None, name=name, **fields
    )


def html_of(response) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


def require_account(
    pipeline, stage_name: str = "Qualification", label: str = "Account named"
) -> ExitCriterion:
    return ExitCriterion.objects.create(
        stage=stage(pipeline, stage_name),
        kind=CriterionKind.FIELD,
        field_name=RequiredField.ACCOUNT,
        label=label,
    )


# Creating one


def test_the_service_creates_a_deal_without_an_account(rep, pipeline):
    created = deal_create(actor=rep, fields={"name": "Side project", "pipeline": pipeline})

    created.refresh_from_db()
    assert (created.account, created.stage, created.owner) == (None, stage(pipeline, "Qualification"), rep)
    assert created.events.get().account_id is None  # its timeline rolls up to no account


def test_a_deal_without_an_account_takes_no_contact_of_an_account(rep, pipeline):
    elsewhere = ContactFactory(account=AccountFactory(owner=rep, name="Initech"), owner=rep)
    loose = ContactFactory(account=None, owner=rep)

    with pytest.raises(Invalid, match="works at Initech") as refused:
        deal_create(actor=rep, fields={"name": "x", "pipeline": pipeline, "primary_contact": elsewhere})
    made = deal_create(actor=rep, fields={"name": "y", "pipeline": pipeline, "primary_contact": loose})

    assert refused.value.field == "primary_contact"
    assert (made.account, made.primary_contact) == (None, loose)


def test_the_form_leaves_the_account_out_when_its_box_is_empty(as_user, rep, pipeline):
    client = as_user(rep)
    form = html_of(client.get(CREATE))
    data = {
        "name": "Side project",
        "account_search": "",
        "account": "",
        "pipeline": pipeline.pk,
        "amount": "100",
        "currency": "EUR",
        "owner": rep.pk,
        "type": "new_business",
        "forecast_category": "pipeline",
    }

    response = client.post(CREATE, data)

    made = Deal.objects.get()
    assert response.status_code == 302
    assert response.url == made.get_absolute_url()
    assert (made.name, made.account) == ("Side project", None)
    assert f'placeholder="{NO_ACCOUNT}"' in form
    assert "choose it from the suggestions; leave it empty for no account." in form


def test_emptying_the_account_box_of_the_edit_form_takes_the_account_off(as_user, rep, pipeline):
    initech = AccountFactory(owner=rep, name="Initech")
    made = DealFactory(pipeline=pipeline, owner=rep, account=initech, name="Platform")
    data = {
        "name": made.name,
        "account_search": "",
        "account": str(initech.pk),  # what was picked before, without JavaScript to clear it
        "pipeline": pipeline.pk,
        "stage": made.stage_id,
        "expected_stage": made.stage_id,
        "amount": "1000",
        "currency": "EUR",
        "owner": rep.pk,
        "type": made.type,
        "forecast_category": made.forecast_category,
    }

    response = as_user(rep).post(reverse("sales:deal-edit", args=[made.pk]), data)

    assert response.status_code == 302
    made.refresh_from_db()
    assert made.account is None
    # A forged id is still refused though the box is empty.
    data["account"] = str(AccountFactory().pk)
    refused = as_user(rep).post(reverse("sales:deal-edit", args=[made.pk]), data)
    assert "Choose an account you can see." in html_of(refused)


def test_the_api_creates_a_deal_with_a_null_account_or_without_one(api_as, rep, pipeline):
    client = api_as(rep)

    left_out = client.post(DEALS_API, {"name": "Left out", "pipeline": pipeline.pk}, format="json")
    null = client.post(DEALS_API, {"name": "Null", "pipeline": pipeline.pk, "account": None}, format="json")

    assert left_out.status_code == null.status_code == 201, (left_out.json(), null.json())
    assert (left_out.json()["account"], left_out.json()["account_name"]) == (None, None)
    assert (null.json()["account"], null.json()["account_name"]) == (None, None)
    assert Deal.objects.count() == 2
    assert set(Deal.objects.filter(account=None).values_list("name", flat=True)) == {"Left out", "Null"}


def test_the_api_sets_and_clears_a_deals_account(api_as, rep, pipeline):
    made = accountless(pipeline, rep)
    initech = AccountFactory(owner=rep, name="Initech")
    client = api_as(rep)

    given = client.patch(deal_api_url(made), {"account": initech.pk}, format="json")
    cleared = client.patch(deal_api_url(made), {"account": None}, format="json")

    assert given.status_code == cleared.status_code == 200
    assert (given.json()["account"], given.json()["account_name"]) == (initech.pk, "Initech")
    assert (cleared.json()["account"], cleared.json()["account_name"]) == (None, None)


# Where it shows


def test_the_detail_page_says_no_account_and_links_none(as_user, rep, pipeline):
    made = accountless(pipeline, rep)

    html = html_of(as_user(rep).get(made.get_absolute_url()))

    assert "Side project" in html
    assert re.search(r"<dt>Account</dt>\s*<dd>\s*<span[^>]*>No account</span>\s*</dd>", html)
    assert re.search(r"No account\s*· Owner:", html)  # under the name, where the account's link was
    assert 'href=""' not in html
    assert 'href="None"' not in html


def test_the_deal_list_shows_it_with_no_account(as_user, rep, pipeline):
    accountless(pipeline, rep)
    DealFactory(
        pipeline=pipeline, owner=rep, account=AccountFactory(owner=rep, name="Initech"), name="Platform"
    )

    html = html_of(as_user(rep).get(LIST))

    assert "Side project" in html
    assert "Platform" in html
    assert NO_ACCOUNT in html
    assert "Initech" in html


def test_searching_the_list_finds_an_accountless_deal_by_its_name(as_user, api_as, rep, pipeline):
    accountless(pipeline, rep, name="Acme side project")
    DealFactory(pipeline=pipeline, owner=rep, account=AccountFactory(owner=rep, name="Acme"), name="Platform")
    DealFactory(pipeline=pipeline, owner=rep, name="Unrelated")

    page = html_of(as_user(rep).get(LIST, {"q": "acme"}))
    found = api_as(rep).get(DEALS_API, {"q": "acme"}).json()["results"]

    assert "Acme side project" in page
    assert "Platform" in page
    assert "Unrelated" not in page
    assert {row["name"] for row in found} == {"Acme side project", "Platform"}


def test_filtering_by_account_leaves_accountless_deals_out(as_user, rep, pipeline):
    initech = AccountFactory(owner=rep, name="Initech")
    accountless(pipeline, rep)
    DealFactory(pipeline=pipeline, owner=rep, account=initech, name="Platform")

    html = html_of(as_user(rep).get(LIST, {"account": initech.pk}))

    assert "Platform" in html
    assert "Side project" not in html


def test_the_board_card_says_no_account(as_user, rep, pipeline):
    accountless(pipeline, rep, stage_name="Demo")
    client = as_user(rep)

    board = html_of(client.get(reverse("sales:board", args=[pipeline.pk])))
    column = html_of(
        client.get(reverse("sales:board-column", args=[pipeline.pk, stage(pipeline, "Demo").pk]))
    )

    assert "1 deal" in Page(board).by_id[f"column-header-{stage(pipeline, 'Demo').pk}"].text
    card = Page(column).named("Side project", "li")
    assert NO_ACCOUNT in card.text


def test_the_forecast_counts_it(as_user, api_as, rep, pipeline):
    deal(pipeline, rep, 5000, date(2031, 1, 15), "Won", account=None, name="Side project")
    deal(pipeline, rep, 2000, date(2031, 1, 20), "Proposal", account=None)
    q1 = {"start": "2031-01", "end": "2031-03"}

    html = html_of(as_user(rep).get(reverse("sales:forecast"), q1))
    api = api_as(rep).get(reverse("api-forecast"), q1)

    assert "5,000.00" in html
    assert "2,000.00" in html
    assert api.status_code == 200
    assert "5000.00" in api.content.decode()


def test_the_sales_report_counts_it(as_user, admin_user, rep, pipeline):
    deal(pipeline, rep, 5000, date(2031, 1, 15), "Won", account=None, name="Side project")
    deal(pipeline, rep, 700, None, "Proposal", account=None)
    client = as_user(admin_user)
    query = {"start": "2031-01", "end": "2031-03"}

    html = html_of(client.get(reverse("sales:report"), query))
    download = client.get(reverse("sales:report-export"), query)

    report = sales_report_get(user=admin_user, months=MonthRange(date(2031, 1, 1), date(2031, 3, 1)))
    assert (report.total.results.won, report.total.results.won_amount) == (1, Decimal(5000))
    assert report.total.results.open == 1
    assert "5,000.00" in html
    assert download.status_code == 200
    assert "5000.00" in b"".join(download.streaming_content).decode("utf-8-sig")


def test_the_api_lists_and_reads_it_with_a_null_account(api_as, rep, pipeline):
    made = accountless(pipeline, rep)
    client = api_as(rep)

    listed = client.get(DEALS_API).json()["results"]
    read = client.get(deal_api_url(made))

    assert [(row["name"], row["account"], row["account_name"]) for row in listed] == [
        ("Side project", None, None)
    ]
    assert read.status_code == 200
    assert (read.json()["name"], read.json()["account"], read.json()["account_name"]) == (
        "Side project",
        None,
        None,
    )


@pytest.mark.parametrize("read", ["deal list", "board", "board column", "API list"])
def test_the_lists_cost_the_same_queries_with_accountless_deals(
    as_user, api_as, assert_same_query_count, manager, rep, teammate, pipeline, read
):
    accountless(pipeline, rep, stage_name="Demo")
    DealFactory(pipeline=pipeline, stage=stage(pipeline, "Demo"), owner=rep)
    pages, api = as_user(manager), api_as(manager)
    urls = {
        "deal list": (pages, LIST),
        "board": (pages, reverse("sales:board", args=[pipeline.pk])),
        "board column": (
            pages,
            reverse("sales:board-column", args=[pipeline.pk, stage(pipeline, "Demo").pk]),
        ),
        "API list": (api, DEALS_API),
    }
    client, url = urls[read]

    def grow() -> None:
        for n in range(15):
            accountless(pipeline, teammate, name=f"Loose {n}", stage_name="Demo")
            DealFactory(pipeline=pipeline, stage=stage(pipeline, "Demo"), owner=teammate)

    assert client.get(url).status_code == 200
    assert_same_query_count(lambda: client.get(url), grow=grow)


# Winning and renewing one


def test_winning_an_accountless_deal_starts_no_onboarding_and_changes_no_account(rep, pipeline):
    template = OnboardingTemplate.objects.create(name="Standard")
    OnboardingTemplateItem.objects.create(template=template, title="Kick-off call")
    made = accountless(pipeline, rep, stage_name="Negotiation")

    won = deal_move(actor=rep, deal_id=made.pk, stage_id=stage(pipeline, "Won").pk)

    assert (won.status, won.account) == (DealStatus.WON, None)
    assert not Onboarding.objects.exists()


def test_a_renewal_copies_the_missing_account(rep, pipeline):
    today = timezone.localdate()
    made = accountless(
        pipeline,
        rep,
        stage_name="Won",
        contract_start=today - timedelta(days=300),
        contract_end=today + timedelta(days=30),
    )
    DealLine.objects.create(deal=made, product=ProductFactory(), quantity=Decimal(1), unit_price=Decimal(100))

    assert renewals_create_due(today=today) == 1

    renewal = Deal.objects.get(renewal_of=made)
    assert (renewal.account, renewal.owner) == (None, rep)
    notice = Notification.objects.get(recipient=rep, kind=NotificationKind.RENEWAL_DUE)
    assert notice.message.startswith("The contract of Side project ends on")


# The "Account" exit criterion


def test_an_admin_requires_an_account_from_the_pipeline_page(as_user, admin_user, pipeline):
    qualification = stage(pipeline, "Qualification")
    prefix = f"criterion-{qualification.pk}"
    client = as_user(admin_user)

    page = html_of(client.get(reverse("sales:pipeline-detail", args=[pipeline.pk])))
    response = client.post(
        reverse("sales:criterion-add", args=[qualification.pk]),
        {f"{prefix}-kind": "field", f"{prefix}-field_name": "account"},
        follow=True,
    )

    assert '<option value="account">Account</option>' in page
    criterion = ExitCriterion.objects.get()
    assert (criterion.stage, criterion.field_name, criterion.label) == (qualification, "account", "Account")
    assert "Deals now need “Account” before they move past Qualification." in messages_of(response)
    read = client.get(f"/api/v1/pipelines/{pipeline.pk}/").json()
    assert read["stages"][0]["exit_criteria"] == [
        {
            "id": criterion.pk,
            "label": "Account",
            "kind": "field",
            "field_name": "account",
            "activity_kind": None,
            "activity_subject": "",
            "related": None,
        }
    ]


def test_the_service_refuses_the_move_until_the_deal_has_an_account(rep, pipeline):
    require_account(pipeline)
    made = accountless(pipeline, rep)
    discovery = stage(pipeline, "Discovery")

    with pytest.raises(ExitCriteriaUnmet) as refused:
        deal_move(actor=rep, deal_id=made.pk, stage_id=discovery.pk)

    assert refused.value.missing == ["Account named"]
    assert "Account named" in refused.value.message
    deal_update(actor=rep, deal_id=made.pk, fields={"account": AccountFactory(owner=rep)})
    moved = deal_move(actor=rep, deal_id=made.pk, stage_id=discovery.pk)
    assert moved.stage == discovery


def test_a_new_deal_skipping_the_gated_stage_needs_an_account(rep, pipeline):
    require_account(pipeline)
    discovery = stage(pipeline, "Discovery")

    with pytest.raises(ExitCriteriaUnmet):
        deal_create(actor=rep, fields={"name": "x", "stage": discovery})
    made = deal_create(
        actor=rep, fields={"name": "y", "stage": discovery, "account": AccountFactory(owner=rep)}
    )

    assert made.stage == discovery


def test_the_board_refuses_the_drop_with_the_criterions_label_and_allows_it_once_there_is_an_account(
    as_user, rep, pipeline
):
    require_account(pipeline)
    made = accountless(pipeline, rep)
    client = as_user(rep)
    url = reverse("sales:deal-move", args=[made.pk])
    move = {"stage": stage(pipeline, "Discovery").pk, "expected_stage": made.stage_id}

    refused = client.post(url, move, **HTMX)

    assert refused.status_code == 422
    assert refused.json()["missing"] == ["Account named"]
    assert "Account named" in refused.json()["message"]
    made.account = AccountFactory(owner=rep)
    made.save()
    assert client.post(url, move, **HTMX).status_code == 200
    made.refresh_from_db()
    assert made.stage.name == "Discovery"


def test_the_detail_page_lists_the_account_criterion_as_missing(as_user, rep, pipeline):
    require_account(pipeline)
    made = accountless(pipeline, rep)

    html = html_of(as_user(rep).get(reverse("sales:deal-criteria", args=[made.pk])))

    assert Page(html).named("Exit criteria of Qualification", "ul").text == "Account named Missing"


def test_the_api_refuses_the_move_naming_the_criterion_and_moves_once_the_account_comes_with_it(
    api_as, rep, pipeline
):
    require_account(pipeline)
    made = accountless(pipeline, rep)
    client = api_as(rep)
    discovery = stage(pipeline, "Discovery").pk

    refused = client.post(deal_move_api_url(made), {"stage": discovery}, format="json")
    together = client.patch(
        deal_api_url(made), {"account": AccountFactory(owner=rep).pk, "stage": discovery}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["missing"] == ["Account named"]
    assert together.status_code == 200, together.json()
    assert together.json()["stage_name"] == "Discovery"


def test_the_edit_form_shows_the_refusal_on_the_stage(as_user, rep, pipeline):
    require_account(pipeline)
    made = accountless(pipeline, rep)
    data = {
        "name": made.name,
        "account_search": "",
        "account": "",
        "pipeline": pipeline.pk,
        "stage": stage(pipeline, "Discovery").pk,
        "expected_stage": made.stage_id,
        "amount": "1000",
        "currency": "EUR",
        "owner": rep.pk,
        "type": made.type,
        "forecast_category": made.forecast_category,
    }

    html = html_of(as_user(rep).post(reverse("sales:deal-edit", args=[made.pk]), data))

    assert "Before this deal can move past Qualification, it needs: Account named." in html
    made.refresh_from_db()
    assert made.stage.name == "Qualification"


def test_criterion_add_labels_the_account_criterion(admin_user, pipeline):
    criterion = criterion_add(
        actor=admin_user, stage_id=stage(pipeline, "Demo").pk, kind="field", field_name="account"
    )

    assert (criterion.field_name, criterion.label) == (RequiredField.ACCOUNT, "Account")
