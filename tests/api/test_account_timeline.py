"""An account's 360 timeline through the API: the account page's rows (crm.customers.account360), paged
with a cursor, behind the account's visibility, in a constant number of queries."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from crm.models import LifecycleEvent, Role
from crm.timeline.events import event_record
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    DealFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
SUMMARY = "Amount: 1,200.00"  # as the page prints the event's data


def timeline(account) -> str:
    return f"/api/v1/accounts/{account.pk}/timeline/"


@pytest.fixture
def acme(rep):
    return AccountFactory(owner=rep, name="Acme")


@pytest.fixture
def earlier():
    return timezone.now() - timedelta(days=2)


def _trail(rep, account, at, n=0):
    """An activity on the account, one on its contact and an event on its deal, an hour apart."""
    jane = ContactFactory(account=account, owner=rep, first_name="Jane", last_name=f"Doe{n}")
    deal = DealFactory(account=account, owner=rep, name=f"Platform renewal {n}")
    on_account = ActivityFactory(
        target=account,
        account=account,
        author=rep,
        kind="call",
        subject="Kick-off",
        body="Agenda",
        occurred_at=at,
    )
    on_contact = ActivityFactory(
        target=jane,
        account=account,
        author=rep,
        kind="note",
        subject="Called Jane",
        occurred_at=at + timedelta(hours=1),
    )
    event = event_record(actor=rep, target=deal, type="deal.won", data={"amount": "1200.00"})
    LifecycleEvent.objects.filter(pk=event.pk).update(occurred_at=at + timedelta(hours=2))
    return jane, deal, on_account, on_contact, event


def test_a_rep_reads_the_accounts_activities_and_its_contacts_and_deals_events_newest_first(
    api_as, rep, acme, earlier
):
    jane, deal, on_account, on_contact, event = _trail(rep, acme, earlier)

    response = api_as(rep).get(timeline(acme))

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert body["previous"] is None
    rows = body["results"]
    assert [(row["kind"], row["id"]) for row in rows] == [
        ("event", event.pk),
        ("activity", on_contact.pk),
        ("activity", on_account.pk),
    ]
    won, called, kick_off = rows
    assert won["type"] == "deal.won"
    assert won["type_label"] == "Deal won"
    assert won["subject"] == ""
    assert won["body"] == ""
    assert won["summary"] == SUMMARY
    assert won["target"] == {"type": "sales.deal", "id": deal.pk, "name": deal.name}
    assert won["author"] == {"id": rep.pk, "name": str(rep)}
    assert called["type"] == "note"
    assert called["type_label"] == "Note"
    assert called["subject"] == "Called Jane"
    assert called["summary"] == ""
    assert called["target"] == {"type": "crm.contact", "id": jane.pk, "name": str(jane)}
    assert kick_off["type_label"] == "Call"
    assert kick_off["body"] == "Agenda"
    assert kick_off["target"] == {"type": "crm.account", "id": acme.pk, "name": "Acme"}
    assert datetime.fromisoformat(kick_off["occurred_at"]) == earlier


def test_rows_on_records_the_rep_may_not_open_show_as_on_the_page_and_tasks_are_not_rows(
    api_as, rep, outsider, acme, earlier
):
    theirs = ContactFactory(account=acme, owner=outsider, first_name="Hidden", last_name="Person")
    call = ActivityFactory(
        target=theirs, account=acme, author=outsider, subject="Their call", occurred_at=earlier
    )
    TaskFactory(target=acme, assignee=rep)
    ActivityFactory(target=AccountFactory(owner=rep), author=rep, subject="Another account's")

    rows = api_as(rep).get(timeline(acme)).json()["results"]

    assert [(row["kind"], row["id"]) for row in rows] == [("activity", call.pk)]
    assert rows[0]["target"]["name"] == "Hidden Person"
    assert rows[0]["author"] == {"id": outsider.pk, "name": str(outsider)}


def test_the_cursor_pages_through_the_timeline_and_a_foreign_cursor_is_a_400(api_as, rep, acme, earlier):
    _, _, on_account, on_contact, event = _trail(rep, acme, earlier)
    client = api_as(rep)

    first = client.get(timeline(acme), {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["id"] for row in first["results"]] == [event.pk, on_contact.pk]
    assert [row["id"] for row in second["results"]] == [on_account.pk]
    assert second["next"] is None
    bad = client.get(timeline(acme), {"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    assert "cursor" in bad.json()
    assert client.get(timeline(acme), {"page_size": 0}).status_code == 400


def test_an_account_the_caller_may_not_see_is_a_404(api_as, rep, outsider, acme, earlier):
    # Reps see their own accounts only (crm.access: accounts are Scope.OWN for a sales rep).
    _trail(rep, acme, earlier)

    assert api_as(outsider).get(timeline(acme)).status_code == 404
    assert api_as(rep).get("/api/v1/accounts/999999999/timeline/").status_code == 404
    assert api_as(rep).get("/api/v1/accounts/x/timeline/").status_code == 404


def test_a_manager_and_a_marketer_read_it_too(api_as, rep, manager, marketer, acme, earlier):
    _trail(rep, acme, earlier)

    for user in (manager, marketer):
        assert len(api_as(user).get(timeline(acme)).json()["results"]) == 3


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETER])
def test_the_timeline_costs_the_same_queries_with_3_rows_as_with_30(
    api_as, assert_same_query_count, team, rep, acme, earlier, role
):
    viewer = rep if role == Role.SALES_REP else UserFactory(username="viewer", role=role, team=team)
    if role == Role.SALES_MANAGER:
        team.manager = viewer
        team.save()
    _trail(rep, acme, earlier)
    client = api_as(viewer)

    def grow():
        for n in range(1, 10):
            _trail(rep, acme, earlier - timedelta(days=n), n)

    assert_same_query_count(lambda: client.get(timeline(acme)), grow=grow)
    assert len(client.get(timeline(acme)).json()["results"]) == 30


def test_the_schema_documents_the_timeline(api_as, rep):
    schema = api_as(rep).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/accounts/{id}/timeline/"]["get"]
    assert operation["tags"] == ["accounts"]
    assert {"200", "400", "404"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} == {"id", "cursor", "page_size"}
