"""A lead's possible duplicates and merging two leads through the API, as the panel and merge screen do."""

import pytest
from django.utils import timezone

from crm.models import Activity, Task
from leads.dedupe.checking import duplicates_reconcile
from leads.models import Lead, LeadMerge, LeadStatus
from leads.services.leads import lead_create
from tests.factories import ActivityFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _lead(actor, **fields) -> Lead:
    return lead_create(actor=actor, fields=fields)


def duplicates_url(lead: Lead) -> str:
    return f"/api/v1/leads/{lead.pk}/duplicates/"


def merge_url(kept: Lead, merged: Lead) -> str:
    return f"/api/v1/leads/{kept.pk}/merge/{merged.pk}/"


@pytest.fixture
def pair(rep):
    kept = _lead(rep, first_name="John", last_name="Smith", company="Acme Inc", email="john@acme.example")
    merged = _lead(
        rep,
        first_name="Jon",
        last_name="Smith",
        company="Acme Inc",
        email="JOHN@acme.example",
        title="CTO",
        tags=["pricing"],
    )
    ActivityFactory.create_batch(2, target=merged, author=rep, subject="Demo")
    TaskFactory(target=merged, assignee=rep, title="Send the contract")
    duplicates_reconcile()  # as the worker does after they are created
    return kept, merged


def _state() -> tuple[object, ...]:
    return (
        list(Lead.objects.order_by("pk").values_list("pk", "first_name", "title")),
        list(Activity.objects.order_by("pk").values_list("pk", "object_id")),
        LeadMerge.objects.count(),
    )


def test_a_leads_duplicates_list_the_lookalike_leads_and_contacts_with_a_merge_link(api_as, rep, pair):
    kept, merged = pair
    contact = ContactFactory(first_name="Johnny", last_name="Smith", email="john@ACME.example", owner=rep)

    response = api_as(rep).get(duplicates_url(kept))

    assert response.status_code == 200
    body = response.json()
    assert body["pending"] is False
    [other] = body["leads"]
    assert (other["id"], other["can_merge"]) == (merged.pk, True)
    assert "same email" in other["reasons"]
    assert other["merge_url"] == f"http://testserver{merge_url(kept, merged)}"
    assert [row["id"] for row in body["contacts"]] == [contact.pk]


def test_a_marketer_sees_the_duplicates_but_is_offered_no_merge(api_as, marketer, pair):
    kept, merged = pair

    [other] = api_as(marketer).get(duplicates_url(kept)).json()["leads"]

    assert (other["id"], other["can_merge"], other["merge_url"]) == (merged.pk, False, None)


def test_the_comparison_shows_the_fields_that_differ_and_what_would_move(api_as, rep, pair):
    kept, merged = pair

    response = api_as(rep).get(merge_url(kept, merged))

    assert response.status_code == 200
    body = response.json()
    differences = {row["field"]: row for row in body["differences"]}
    assert differences["first_name"] == {
        "field": "first_name",
        "label": "First name",
        "kept": "John",
        "merged": "Jon",
        "suggested": "kept",
    }
    assert differences["title"]["suggested"] == "merged"  # the kept lead has none
    assert body["tags"] == ["pricing"]
    assert body["moving"][:2] == ["2 activities", "1 task"]


def test_merging_keeps_the_survivor_with_the_picks_and_the_losers_timeline(api_as, rep, pair):
    kept, merged = pair
    client = api_as(rep)

    response = client.post(merge_url(kept, merged), {"keep": {"first_name": "merged"}}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["kept_lead"], body["merged_lead_id"]) == (kept.pk, merged.pk)
    assert body["lead"]["id"] == kept.pk
    assert not Lead.objects.filter(pk=merged.pk).exists()
    kept.refresh_from_db()
    # Picked, suggested (the kept lead had no title), joined.
    assert (kept.first_name, kept.title, kept.tags) == ("Jon", "CTO", ["pricing"])
    assert Activity.objects.filter(subject="Demo", object_id=kept.pk).count() == 2
    assert Task.objects.get(title="Send the contract").object_id == kept.pk
    again = client.post(merge_url(kept, merged), {}, format="json")
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    assert LeadMerge.objects.count() == 1


@pytest.mark.parametrize(
    "keep",
    [{"first_name": "both"}, {"score": "merged"}, "merged"],
)
def test_a_bad_pick_is_a_400_naming_keep_and_merges_nothing(api_as, rep, pair, keep):
    kept, merged = pair
    before = _state()

    response = api_as(rep).post(merge_url(kept, merged), {"keep": keep}, format="json")

    assert response.status_code == 400
    assert "keep" in response.json()
    assert _state() == before


def test_a_lead_of_another_team_is_a_404_and_a_marketers_merge_a_403(api_as, rep, outsider, marketer, pair):
    kept, merged = pair
    theirs = _lead(outsider, first_name="John", last_name="Smith", email="john@acme.example")
    before = _state()

    assert api_as(outsider).get(duplicates_url(kept)).status_code == 404
    assert api_as(rep).get(merge_url(kept, theirs)).status_code == 404
    assert api_as(rep).post(merge_url(kept, theirs), {}, format="json").status_code == 404
    refused = api_as(marketer).post(merge_url(kept, merged), {}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "merge_not_allowed")
    assert api_as(marketer).get(merge_url(kept, merged)).status_code == 403
    assert _state()[:2] == before[:2]
    assert LeadMerge.objects.count() == 0


def test_a_converted_lead_or_the_lead_itself_cannot_be_merged(api_as, rep, pair):
    kept, merged = pair
    Lead.objects.filter(pk=merged.pk).update(status=LeadStatus.CONVERTED, converted_at=timezone.now())
    client = api_as(rep)

    converted = client.post(merge_url(kept, merged), {}, format="json")
    itself = client.post(merge_url(kept, kept), {}, format="json")

    assert converted.status_code == 400
    assert "is converted" in converted.json()["non_field_errors"][0]
    assert itself.status_code == 400
    assert Lead.objects.filter(pk=merged.pk).exists()


def test_the_duplicates_cost_the_same_queries_however_many_there_are(
    api_as, rep, pair, assert_same_query_count
):
    kept, _ = pair
    client = api_as(rep)

    def grow() -> None:
        for index in range(12):
            _lead(
                rep, first_name="John", last_name="Smith", company="Acme Inc", email=f"j{index}@acme.example"
            )
        ContactFactory.create_batch(4, email="john@acme.example", owner=rep)
        duplicates_reconcile()

    assert_same_query_count(lambda: client.get(duplicates_url(kept)), grow=grow)


def test_asking_what_the_merge_and_duplicates_endpoints_accept_describes_them(api_as, rep, pair):
    kept, merged = pair
    client = api_as(rep)

    for url in (merge_url(kept, merged), duplicates_url(kept)):
        response = client.options(url)
        assert response.status_code == 200, url
        assert "GET" in response["Allow"]
