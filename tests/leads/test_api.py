"""Leads through the API: who sees and changes what, status rules, filters, bulk actions, pages, queries."""

import base64
import json

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from leads.models import Lead, LeadSource, LeadStatus
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

# The signed-in API client fixture of tests/api/, found by pytest under its name here too.

LIST = "/api/v1/leads/"
BULK = "/api/v1/leads/bulk/"


def detail(lead: Lead) -> str:
    return f"/api/v1/leads/{lead.pk}/"


def status_url(lead: Lead) -> str:
    return f"/api/v1/leads/{lead.pk}/status/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# Who sees and changes which lead


def test_a_rep_lists_their_own_leads_and_the_unassigned_queue_but_not_another_reps(api_as, rep, teammate):
    mine = LeadFactory(owner=rep)
    queued = LeadFactory(owner=None)
    LeadFactory(owner=teammate)

    assert sorted(ids(api_as(rep).get(LIST))) == sorted([mine.pk, queued.pk])


def test_a_rep_gets_404_for_another_reps_lead_and_cannot_change_it(api_as, rep, teammate):
    theirs = LeadFactory(owner=teammate, company="Theirs Inc")
    client = api_as(rep)

    assert client.get(detail(theirs)).status_code == 404
    assert client.patch(detail(theirs), {"company": "Mine now"}, format="json").status_code == 404
    assert client.post(status_url(theirs), {"status": "working"}, format="json").status_code == 404
    assert client.delete(detail(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.company, theirs.status) == ("Theirs Inc", LeadStatus.NEW)


def test_a_manager_sees_their_teams_leads_and_queue_but_not_another_teams(
    api_as, manager, rep, outsider, team, other_team
):
    reps_lead = LeadFactory(owner=rep)
    team_queue = LeadFactory(owner=None, team=team)
    LeadFactory(owner=outsider)
    other_queue = LeadFactory(owner=None, team=other_team)
    client = api_as(manager)

    assert sorted(ids(client.get(LIST))) == sorted([reps_lead.pk, team_queue.pk])
    body = client.get(detail(reps_lead)).json()
    assert (body["owner"], body["owner_name"]) == (rep.pk, str(rep))
    assert client.get(detail(other_queue)).status_code == 404


def test_a_marketer_may_change_a_leads_utm_campaign_but_gets_403_on_its_company(api_as, marketer, rep):
    lead = LeadFactory(owner=rep, company="Acme", utm_campaign="")
    client = api_as(marketer)

    response = client.patch(detail(lead), {"utm_campaign": "spring-launch"}, format="json")
    assert response.status_code == 200
    assert response.json()["utm_campaign"] == "spring-launch"

    response = client.patch(detail(lead), {"company": "Renamed", "utm_campaign": "summer"}, format="json")
    assert response.status_code == 403
    assert "company" in response.json()["detail"]
    lead.refresh_from_db()
    assert (lead.company, lead.utm_campaign) == ("Acme", "spring-launch")


def test_a_marketer_may_neither_create_nor_delete_leads(api_as, marketer, rep):
    lead = LeadFactory(owner=rep)
    client = api_as(marketer)

    assert client.post(LIST, {"company": "New Co"}, format="json").status_code == 403
    assert client.delete(detail(lead)).status_code == 403
    assert list(Lead.objects.values_list("pk", flat=True)) == [lead.pk]


def test_a_rep_deletes_their_own_lead(api_as, rep):
    lead = LeadFactory(owner=rep)

    assert api_as(rep).delete(detail(lead)).status_code == 204
    assert not Lead.objects.exists()


# Creating


def test_a_lead_created_through_the_api_comes_from_the_api_and_belongs_to_the_rep(api_as, rep):
    response = api_as(rep).post(
        LIST, {"first_name": "Jane", "company": "Acme", "tags": ["vip"]}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["source"], body["owner"], body["status"], body["tags"]) == ("api", rep.pk, "new", ["vip"])
    lead = Lead.objects.get(pk=body["id"])
    assert lead.source == LeadSource.API
    assert "email_normalized" not in body


def test_a_client_may_name_another_source_for_the_lead_it_creates(api_as, rep):
    response = api_as(rep).post(LIST, {"company": "Acme", "source": "web_form"}, format="json")

    assert response.status_code == 201
    assert Lead.objects.get().source == LeadSource.WEB_FORM


def test_a_lead_without_a_name_email_or_company_is_refused_with_the_rule(api_as, rep):
    response = api_as(rep).post(LIST, {"phone": "555 0100"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["A lead needs at least a name, an email address or a company."]
    }


def test_the_score_cannot_be_written_through_the_api(api_as, rep):
    lead = LeadFactory(owner=rep, score=10)

    response = api_as(rep).patch(detail(lead), {"score": 99}, format="json")

    assert response.status_code == 200
    assert response.json()["score"] == 10


# Status


def test_disqualifying_without_a_reason_is_refused_naming_the_reason_field(api_as, rep):
    lead = LeadFactory(owner=rep)
    client = api_as(rep)

    response = client.post(status_url(lead), {"status": "disqualified"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"disqualified_reason": ["Say why the lead is disqualified."]}
    assert client.patch(detail(lead), {"status": "disqualified"}, format="json").status_code == 400
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW

    response = client.post(status_url(lead), {"status": "disqualified", "reason": "No budget"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["disqualified_reason"]) == (
        "disqualified",
        "No budget",
    )


def test_converting_through_a_status_change_is_refused_naming_the_status(api_as, rep):
    lead = LeadFactory(owner=rep, status=LeadStatus.QUALIFIED)
    client = api_as(rep)

    for response in [
        client.post(status_url(lead), {"status": "converted"}, format="json"),
        client.patch(detail(lead), {"status": "converted"}, format="json"),
    ]:
        assert response.status_code == 400
        assert response.json() == {"status": ["A lead becomes converted only by converting it."]}
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED


def test_a_status_change_the_transition_table_forbids_is_refused_naming_the_status(api_as, rep):
    lead = LeadFactory(owner=rep, status=LeadStatus.DISQUALIFIED, disqualified_reason="No budget")

    response = api_as(rep).patch(detail(lead), {"status": "qualified"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"status": ["A disqualified lead cannot move to qualified."]}


def test_a_status_change_the_table_allows_goes_through_patch_too(api_as, rep):
    lead = LeadFactory(owner=rep, status=LeadStatus.DISQUALIFIED, disqualified_reason="No budget")

    response = api_as(rep).patch(detail(lead), {"status": "working"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["disqualified_reason"]) == ("working", "")


def test_an_unknown_status_is_refused_before_any_service_runs(api_as, rep):
    lead = LeadFactory(owner=rep)

    response = api_as(rep).post(status_url(lead), {"status": "won"}, format="json")

    assert response.status_code == 400
    assert "status" in response.json()


# Filters, ordering and pages


def test_the_status_filter_takes_several_statuses(api_as, admin_user):
    new = LeadFactory(status=LeadStatus.NEW)
    working = LeadFactory(status=LeadStatus.WORKING)
    LeadFactory(status=LeadStatus.QUALIFIED)

    response = api_as(admin_user).get(LIST, {"status": ["new", "working"]})

    assert sorted(ids(response)) == sorted([new.pk, working.pk])


def test_owner_null_lists_only_the_unassigned_leads(api_as, manager, rep):
    LeadFactory(owner=rep)
    queued = LeadFactory(owner=None)

    assert ids(api_as(manager).get(LIST, {"owner": "null"})) == [queued.pk]


def test_the_score_range_search_and_tag_filters_narrow_the_list(api_as, rep):
    hot = LeadFactory(owner=rep, score=80, company="Globex Corp", tags=["vip", "expo"])
    warm = LeadFactory(owner=rep, score=50, company="Initech", tags=["expo"])
    LeadFactory(owner=rep, score=10, company="Globex Subsidiary", tags=[])
    client = api_as(rep)

    assert sorted(ids(client.get(LIST, {"score_min": 40, "score_max": 90}))) == sorted([hot.pk, warm.pk])
    assert ids(client.get(LIST, {"q": "globex", "score_min": 40})) == [hot.pk]
    assert sorted(ids(client.get(LIST, {"tag": "expo"}))) == sorted([hot.pk, warm.pk])
    assert ids(client.get(LIST, {"tag": "vip"})) == [hot.pk]


def test_an_invalid_filter_or_ordering_is_a_400_naming_it(api_as, rep):
    client = api_as(rep)

    assert "status" in client.get(LIST, {"status": "won"}).json()
    response = client.get(LIST, {"ordering": "company"})
    assert response.status_code == 400
    assert "ordering" in response.json()


def test_paging_by_score_walks_every_lead_once_in_order_even_when_scores_tie(api_as, rep):
    leads = [LeadFactory(owner=rep, score=score) for score in [5, 1, 5, 3, 5, 1, 3]]
    expected = [lead.pk for lead in sorted(leads, key=lambda lead: (-lead.score, -lead.pk))]
    client = api_as(rep)

    seen, pages, url = [], [], f"{LIST}?ordering=-score&page_size=2"
    while url:
        body = client.get(url).json()
        pages.append(body)
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == expected
    assert len(pages) == 4

    back: list[int] = []
    url = pages[-1]["previous"]
    while url:
        body = client.get(url).json()
        back = [row["id"] for row in body["results"]] + back
        url = body["previous"]
    assert back == expected[:-1]


def test_paging_by_score_reaches_the_end_past_a_thousand_leads_on_one_score(api_as, rep):
    # DRF's CursorPagination steps over ties with an offset capped at 1,000 and then repeats a page.
    Lead.objects.bulk_create(LeadFactory.build_batch(1250, owner=rep, score=0))
    client = api_as(rep)

    seen, url = set(), f"{LIST}?ordering=-score&page_size=200"
    for _ in range(10):
        body = client.get(url).json()
        seen |= {row["id"] for row in body["results"]}
        url = body["next"]
        if url is None:
            break
    assert url is None
    assert len(seen) == 1250


def test_a_cursor_from_another_sort_or_garbled_is_a_400_naming_the_cursor(api_as, rep):
    for score in [1, 2, 3]:
        LeadFactory(owner=rep, score=score)
    client = api_as(rep)
    by_score = client.get(LIST, {"ordering": "-score", "page_size": 1}).json()["next"]

    for cursor in [by_score.split("cursor=")[1].split("&")[0], "not-a-cursor"]:
        response = client.get(LIST, {"cursor": cursor, "page_size": 1})
        assert response.status_code == 400
        assert response.json() == {"cursor": ["This cursor is not one this list gave; start again."]}


def test_a_lead_cursor_with_an_offset_postgresql_refuses_still_pages(api_as, rep):
    """A cursor's time with a -23:00 offset (valid in Python, not in PostgreSQL) is compared in UTC."""
    older, newer = LeadFactory(owner=rep), LeadFactory(owner=rep)
    boundary = (newer.created_at.astimezone(timezone.get_fixed_timezone(-23 * 60))).isoformat()
    cursor = base64.urlsafe_b64encode(
        json.dumps({"o": ["-created_at", "-pk"], "v": [boundary, newer.pk]}).encode()
    ).decode()

    response = api_as(rep).get(LIST, {"cursor": cursor})

    assert response.status_code == 200
    assert ids(response) == [older.pk]


def test_a_lead_id_that_is_not_a_number_is_a_404(api_as, rep):
    assert api_as(rep).get(f"{LIST}abc/").status_code == 404


def test_the_list_is_newest_first_by_default_and_oldest_first_on_request(api_as, rep):
    leads = [LeadFactory(owner=rep) for _ in range(3)]
    client = api_as(rep)

    assert ids(client.get(LIST)) == [lead.pk for lead in reversed(leads)]
    assert ids(client.get(LIST, {"ordering": "created_at"})) == [lead.pk for lead in leads]


def test_listing_leads_costs_the_same_queries_for_one_or_thirty_rows(
    api_as, rep, team, assert_same_query_count
):
    LeadFactory(owner=rep, team=team, tags=["vip"])
    client = api_as(rep)

    assert_same_query_count(
        lambda: client.get(LIST, {"owner": rep.pk, "status": ["new"]}),
        grow=lambda: LeadFactory.create_batch(29, owner=rep, team=team, tags=["vip"]),
    )
    assert len(ids(client.get(LIST))) == 30


# Bulk actions


def test_a_bulk_assign_returns_the_leads_changed_and_those_refused_with_why(
    api_as, manager, rep, teammate, outsider
):
    team_lead = LeadFactory(owner=rep)
    queued = LeadFactory(owner=None)
    other_teams = LeadFactory(owner=outsider)

    response = api_as(manager).post(
        BULK,
        {"action": "assign", "ids": [team_lead.pk, queued.pk, other_teams.pk, 999999], "owner": teammate.pk},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "changed": [team_lead.pk, queued.pk],
        "refused": {str(other_teams.pk): "not found", "999999": "not found"},
    }
    assert set(Lead.objects.filter(owner=teammate).values_list("pk", flat=True)) == {team_lead.pk, queued.pk}


def test_a_bulk_assign_to_someone_the_manager_may_not_assign_to_refuses_each_lead_without_naming_them(
    api_as, manager, rep, outsider
):
    lead = LeadFactory(owner=rep)

    response = api_as(manager).post(
        BULK, {"action": "assign", "ids": [lead.pk], "owner": outsider.pk}, format="json"
    )

    assert response.json() == {
        "changed": [],
        "refused": {str(lead.pk): "You cannot assign records to that person."},
    }


def test_a_bulk_status_change_applies_the_transition_table_lead_by_lead(api_as, rep):
    new = LeadFactory(owner=rep)
    converted = LeadFactory(owner=rep, status=LeadStatus.CONVERTED)

    response = api_as(rep).post(
        BULK,
        {"action": "status", "ids": [new.pk, converted.pk], "status": "disqualified", "reason": "Spam"},
        format="json",
    )

    body = response.json()
    assert body["changed"] == [new.pk]
    assert list(body["refused"]) == [str(converted.pk)]
    new.refresh_from_db()
    assert (new.status, new.disqualified_reason) == (LeadStatus.DISQUALIFIED, "Spam")


def test_bulk_tag_and_bulk_delete_act_only_where_the_role_allows(api_as, marketer, rep):
    lead = LeadFactory(owner=rep, tags=["expo"])
    client = api_as(marketer)

    tagged = client.post(BULK, {"action": "tag", "ids": [lead.pk], "tag": "vip"}, format="json").json()
    deleted = client.post(BULK, {"action": "delete", "ids": [lead.pk]}, format="json").json()

    assert tagged == {"changed": [lead.pk], "refused": {}}
    assert deleted == {"changed": [], "refused": {str(lead.pk): "Your role cannot delete leads."}}
    lead.refresh_from_db()
    assert lead.tags == ["expo", "vip"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"action": "assign", "ids": [1]}, "owner"),
        ({"action": "status", "ids": [1]}, "status"),
        ({"action": "tag", "ids": [1]}, "tag"),
        ({"action": "delete", "ids": []}, "ids"),
        ({"action": "merge", "ids": [1]}, "action"),
    ],
)
def test_a_bulk_request_missing_what_its_action_needs_is_a_400_naming_it(api_as, rep, payload, field):
    response = api_as(rep).post(BULK, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()


# Authentication and schema


def test_a_token_authenticates_lead_api_calls(rep):
    mine = LeadFactory(owner=rep)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=rep).key}")

    assert ids(client.get(LIST)) == [mine.pk]
    response = client.post(status_url(mine), {"status": "working"}, format="json")
    assert response.json()["status"] == "working"


def test_an_anonymous_client_gets_no_leads():
    LeadFactory()

    assert APIClient().get(LIST).status_code in (401, 403)


def test_the_schema_describes_the_lead_endpoints_and_their_sorts(api_as, rep):
    response = api_as(rep).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    for path in [
        "/api/v1/leads/",
        "/api/v1/leads/{id}/",
        "/api/v1/leads/{id}/status/",
        "/api/v1/leads/bulk/",
    ]:
        assert path in paths
    params = {p["name"]: p for p in paths["/api/v1/leads/"]["get"]["parameters"]}
    assert {"q", "status", "owner", "tag", "cursor", "before"} <= set(params)
    assert params["ordering"]["schema"]["enum"] == ["-created_at", "created_at", "-score", "score"]


def test_posting_a_lead_with_an_external_id_again_updates_it_and_the_list_finds_it(api_as, rep):
    client = api_as(rep)
    body = {"last_name": "Lee", "company": "Acme", "external_source": "Zoho", "external_id": "z-1"}

    first = client.post("/api/v1/leads/", body, format="json")
    again = client.post("/api/v1/leads/", {**body, "company": "Acme Inc"}, format="json")
    found = client.get("/api/v1/leads/", {"external_source": "zoho", "external_id": "z-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    (lead,) = Lead.objects.all()
    assert (lead.company, lead.external_source, lead.source) == ("Acme Inc", "zoho", "api")
    assert [row["id"] for row in found.json()["results"]] == [lead.pk]
