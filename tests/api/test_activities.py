"""Activities through the API: logged on a record the user can see, listed only from such records."""

import pytest

from crm.models import Activity, ActivityKind
from tests.factories import AccountFactory, ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/activities/"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_logging_a_call_on_a_visible_account_returns_it_with_its_target(api_as, rep):
    account = AccountFactory(owner=rep)

    response = api_as(rep).post(
        LIST,
        {"target_type": "crm.account", "target_id": account.pk, "kind": "call", "subject": "Intro call"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["target_type"], body["target_id"]) == ("crm.account", account.pk)
    assert (body["kind"], body["author"], body["author_name"]) == ("call", rep.pk, str(rep))
    assert Activity.objects.get().object_id == account.pk


def test_a_marketer_may_log_a_note_on_an_account_they_can_only_read(api_as, marketer, rep):
    account = AccountFactory(owner=rep)

    response = api_as(marketer).post(
        LIST,
        {"target_type": "crm.account", "target_id": account.pk, "body": "Met at the fair"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["kind"] == ActivityKind.NOTE


def test_an_activity_on_an_invisible_record_is_a_404_and_logs_nothing(api_as, rep, teammate):
    hidden = ContactFactory(owner=teammate)

    response = api_as(rep).post(
        LIST, {"target_type": "crm.contact", "target_id": hidden.pk, "body": "Sneaky"}, format="json"
    )

    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_an_unknown_record_type_is_a_400_naming_target_type(api_as, rep):
    response = api_as(rep).post(LIST, {"target_type": "crm.user", "target_id": rep.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["target_type"]


def test_activities_are_listed_only_from_visible_records_and_filter_by_target(api_as, rep, teammate):
    account = AccountFactory(owner=rep)
    on_account = ActivityFactory(target=account, kind=ActivityKind.CALL)
    ActivityFactory(target=account, kind=ActivityKind.NOTE)
    on_contact = ActivityFactory(target=ContactFactory(owner=rep), kind=ActivityKind.CALL)
    ActivityFactory(target=AccountFactory(owner=teammate))
    client = api_as(rep)

    assert len(ids(client.get(LIST))) == 3
    assert ids(client.get(LIST, {"kind": "call", "target_type": "crm.account", "target_id": account.pk})) == [
        on_account.pk
    ]
    assert ids(client.get(LIST, {"target_type": "crm.contact"})) == [on_contact.pk]


def test_one_activity_reads_back_from_a_visible_record_and_is_a_404_from_another(api_as, rep, teammate):
    mine = ActivityFactory(target=AccountFactory(owner=rep), kind=ActivityKind.CALL, subject="Intro call")
    theirs = ActivityFactory(target=AccountFactory(owner=teammate))
    client = api_as(rep)

    response = client.get(f"{LIST}{mine.pk}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["subject"]) == (mine.pk, "Intro call")
    assert client.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert client.get(f"{LIST}not-an-id/").status_code == 404


def test_listing_activities_costs_the_same_queries_for_one_row_as_for_thirty(
    api_as, assert_same_query_count, rep
):
    ActivityFactory(target=AccountFactory(owner=rep))
    client = api_as(rep)

    def grow():
        for _ in range(15):
            ActivityFactory(target=AccountFactory(owner=rep))
            ActivityFactory(target=ContactFactory(owner=rep))

    assert_same_query_count(lambda: client.get(LIST), grow=grow)
