"""Whatever a client sends, the answer is never a 500: a value the API cannot use is a 400 (or 409, 413)
in JSON naming the parameter or field; a value PostgreSQL would refuse is made one it accepts."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm.api.parsers import MAX_JSON_DEPTH
from crm.models import Account, Notification, NotificationKind
from sales.models import CriterionKind, ExitCriterion
from tests.factories import AccountFactory, ActivityFactory, DealFactory, LeadFactory, TaskFactory
from tests.factories.sales import PipelineFactory, ProductFactory

pytestmark = pytest.mark.django_db

KEYSET_LISTS = [
    "/api/v1/accounts/",
    "/api/v1/contacts/",
    "/api/v1/tasks/",
    "/api/v1/activities/",
    "/api/v1/notifications/",
    "/api/v1/leads/",
    "/api/v1/deals/",
    "/api/v1/products/",
]


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("url", KEYSET_LISTS)
@pytest.mark.parametrize("cursor", ["cD0A", "not-a-cursor", "eyJvIjpbIi1pZCJdLCJ2IjpbImEiXX0"])
def test_a_cursor_the_list_did_not_make_is_a_400_naming_it_on_every_list(api_as, rep, url, cursor):
    response = api_as(rep).get(url, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json() == {"cursor": ["This cursor is not one this list gave; start again."]}


@pytest.mark.parametrize("url", KEYSET_LISTS)
@pytest.mark.parametrize("size", ["abc", "0", "-1", "1.5", "201", ""])
def test_a_page_size_that_is_not_1_to_200_is_a_400_naming_it(api_as, rep, url, size):
    response = api_as(rep).get(url, {"page_size": size})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["Enter a whole number from 1 to 200."]}


@pytest.mark.parametrize("url", KEYSET_LISTS)
def test_a_count_that_is_not_true_or_false_is_a_400_naming_it(api_as, rep, url):
    response = api_as(rep).get(url, {"count": "yes"})

    assert response.status_code == 400
    assert response.json() == {"count": ["Enter true or false."]}


def test_pages_of_a_chosen_size_walk_the_list_and_stop_past_its_end(api_as, rep):
    accounts = AccountFactory.create_batch(3, owner=rep)
    client = api_as(rep)

    first = client.get("/api/v1/accounts/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["id"] for row in first["results"] + second["results"]] == [a.pk for a in reversed(accounts)]
    assert second["next"] is None
    assert client.get(second["previous"]).json()["results"] == first["results"]


def test_a_time_filter_with_an_offset_postgresql_refuses_is_compared_in_utc(api_as, rep):
    """+20:00 is valid ISO 8601 and Python, but PostgreSQL stops at ±15:59: it was a 500."""
    now = timezone.now()
    early = TaskFactory(assignee=rep, created_by=rep, due_at=now - timedelta(days=2))
    late = TaskFactory(assignee=rep, created_by=rep, due_at=now + timedelta(days=2))
    local = (now + timedelta(hours=20)).replace(tzinfo=timezone.get_fixed_timezone(20 * 60))

    response = api_as(rep).get("/api/v1/tasks/", {"due_after": local.isoformat()})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [late.pk]
    assert early.pk != late.pk


def test_a_time_at_the_edge_of_the_calendar_with_no_utc_equivalent_is_a_400(api_as, rep):
    response = api_as(rep).get("/api/v1/tasks/", {"due_after": "0001-01-01T00:00:00+20:00"})

    assert response.status_code == 400
    assert response.json() == {"due_after": ["Enter a date and time between the years 1 and 9999."]}


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/tasks/", {"done": "maybe"}, "done"),
        ("/api/v1/leads/", {"score_min": "1.5"}, "score_min"),
        ("/api/v1/contacts/", {"account": "1.5"}, "account"),
        ("/api/v1/deals/", {"account": "99999999999999999999"}, "account"),
        ("/api/v1/activities/", {"target_id": "x"}, "target_id"),
    ],
)
def test_a_filter_value_the_list_cannot_apply_is_refused_not_ignored(api_as, rep, url, params, field):
    response = api_as(rep).get(url, params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_done_filters_tasks_by_true_or_false(api_as, rep):
    open_task = TaskFactory(assignee=rep, created_by=rep)
    done_task = TaskFactory(assignee=rep, created_by=rep, completed_at=timezone.now())
    client = api_as(rep)

    assert [t["id"] for t in client.get("/api/v1/tasks/", {"done": "false"}).json()["results"]] == [
        open_task.pk
    ]
    assert [t["id"] for t in client.get("/api/v1/tasks/", {"done": "true"}).json()["results"]] == [
        done_task.pk
    ]


def test_a_far_future_created_before_date_lists_every_lead_on_the_api_the_page_and_the_export(
    api_as, as_user, rep
):
    lead = LeadFactory(owner=rep)

    api = api_as(rep).get("/api/v1/leads/", {"created_before": "9999-12-31"})
    export = api_as(rep).get("/api/v1/leads/export/", {"created_before": "9999-12-31"})
    page = as_user(rep).get(reverse("leads:index"), {"created_before": "9999-12-31"})

    assert [row["id"] for row in api.json()["results"]] == [lead.pk]
    assert export.status_code == 200
    assert lead.email in b"".join(export.streaming_content).decode()
    assert page.status_code == 200
    assert lead.email in page.content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_json_nested_a_thousand_levels_deep_is_a_400_not_a_crash(api_as, rep, signed_in):
    client = api_as(rep) if signed_in else APIClient()
    url = "/api/v1/leads/" if signed_in else "/api/v1/auth/token/"

    response = client.post(url, _deep(1000), content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"JSON parse error - the body is nested deeper than {MAX_JSON_DEPTH} levels.",
        "code": "parse_error",
    }


def test_json_just_inside_the_nesting_limit_is_read(api_as, rep):
    body = {"last_name": "Lovelace", "tags": json.loads(_deep(MAX_JSON_DEPTH - 1))}

    response = api_as(rep).post("/api/v1/leads/", body, format="json")

    # Parsed, then refused by the serializer for what it is (tags of lists), not by the parser.
    assert response.status_code == 400
    assert "tags" in response.json()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps({"last_name": "x" * 3_000_000})),
        ("application/x-www-form-urlencoded", "last_name=" + "x" * 3_000_000),
    ],
)
def test_an_oversized_body_is_a_413_in_json(api_as, rep, content_type, body):
    response = api_as(rep).post("/api/v1/leads/", body, content_type=content_type)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The request body is larger than the 2.5 MB limit.",
        "code": "payload_too_large",
    }


def test_deleting_an_account_that_still_has_deals_is_a_409_saying_what_blocks_it(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).delete(f"/api/v1/accounts/{deal.account_id}/")

    assert response.status_code == 409
    assert response.json()["code"] == "still_referenced"
    assert "1 deal" in response.json()["detail"]  # what blocks it
    assert Account.objects.filter(pk=deal.account_id).exists()


def test_the_delete_page_refuses_an_account_with_deals_and_keeps_it(as_user, rep):
    account = AccountFactory(owner=rep)
    DealFactory.create_batch(2, owner=rep, account=account)

    response = as_user(rep).post(reverse("account-delete", args=[account.pk]))

    assert response.status_code == 409
    page = response.content.decode()
    assert "The account was not deleted. This account still has 2 deals" in page
    assert "Delete account</button>" not in page
    assert Account.objects.filter(pk=account.pk).exists()


def test_an_account_without_deals_is_deleted_from_its_page(as_user, rep):
    account = AccountFactory(owner=rep)

    response = as_user(rep).post(reverse("account-delete", args=[account.pk]))

    assert response.status_code == 302
    assert not Account.objects.filter(pk=account.pk).exists()


@pytest.mark.parametrize("currency", ["", "  ", "EU", "E1R", "EURO"])
def test_a_deal_currency_that_is_not_a_3_letter_code_is_refused(api_as, rep, currency):
    deal = DealFactory(owner=rep)
    client = api_as(rep)

    changed = client.patch(f"/api/v1/deals/{deal.pk}/", {"currency": currency}, format="json")
    created = client.post(
        "/api/v1/deals/",
        {"name": "New", "account": deal.account_id, "amount": "10", "currency": currency},
        format="json",
    )

    for response in (changed, created):
        assert response.status_code == 400
        assert list(response.json()) == ["currency"]
    deal.refresh_from_db()
    assert deal.currency == "EUR"


def test_a_lower_case_currency_is_stored_as_its_code(api_as, rep):
    deal = DealFactory(owner=rep)

    response = api_as(rep).patch(f"/api/v1/deals/{deal.pk}/", {"currency": "usd"}, format="json")

    assert response.json()["currency"] == "USD"


@pytest.mark.parametrize("currency", ["", "E1R"])
def test_a_product_currency_is_checked_the_same_way(api_as, admin_user, currency):
    product = ProductFactory()

    response = api_as(admin_user).patch(
        f"/api/v1/products/{product.pk}/", {"currency": currency}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["currency"]


def test_exit_criteria_give_null_not_an_empty_string_outside_their_enum(api_as, rep):
    first = PipelineFactory().stages.order_by("position").first()
    ExitCriterion.objects.create(stage=first, kind=CriterionKind.FIELD, field_name="amount", label="Amount")
    ExitCriterion.objects.create(
        stage=first, kind=CriterionKind.ACTIVITY, activity_kind="meeting", label="Met"
    )
    ExitCriterion.objects.create(stage=first, kind=CriterionKind.RELATED, related="line_item", label="Lines")

    response = api_as(rep).get("/api/v1/pipelines/")

    criteria = [c for p in response.json() for s in p["stages"] for c in s["exit_criteria"]]
    assert [(c["field_name"], c["activity_kind"], c["related"]) for c in criteria[-3:]] == [
        ("amount", None, None),
        (None, "meeting", None),
        (None, None, "line_item"),
    ]


def test_every_list_still_answers_its_first_page(api_as, rep):
    ActivityFactory(target=AccountFactory(owner=rep))
    Notification.objects.create(recipient=rep, kind=NotificationKind.ASSIGNED, message="Hi", url="/")
    client = api_as(rep)

    for url in KEYSET_LISTS:
        response = client.get(url)
        assert response.status_code in (200, 403), url


@pytest.mark.parametrize("url", ["/api/v1/products/", "/api/v1/deals/"])
def test_a_blank_currency_in_a_form_encoded_body_is_refused_as_in_json(api_as, admin_user, url):
    account = AccountFactory(owner=admin_user)
    body = {"sku": "X-1", "name": "X", "unit_price": "1", "account": account.pk, "currency": ""}

    response = api_as(admin_user).post(url, body, format="multipart")

    assert response.status_code == 400
    assert "currency" in response.json()
