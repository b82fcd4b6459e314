"""Accounts through the API: the access policy's outcomes, validation errors, filters, pages, queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.lists.api import CursorPagination
from crm.models import Account, LifecycleStage
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/accounts/"


def detail(account: Account) -> str:
    return f"/api/v1/accounts/{account.pk}/"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_a_rep_lists_only_their_own_accounts(api_as, rep, teammate):
    mine = AccountFactory(owner=rep)
    AccountFactory(owner=teammate)

    response = api_as(rep).get(LIST)

    assert response.status_code == 200
    assert ids(response) == [mine.pk]


def test_a_rep_gets_404_for_another_reps_account(api_as, rep, teammate):
    theirs = AccountFactory(owner=teammate, name="Theirs")
    client = api_as(rep)

    assert client.get(detail(theirs)).status_code == 404
    assert client.patch(detail(theirs), {"name": "Mine now"}, format="json").status_code == 404
    assert client.delete(detail(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_a_marketer_may_read_any_account_but_gets_403_on_change(api_as, marketer, rep):
    account = AccountFactory(owner=rep, name="Acme")
    client = api_as(marketer)

    assert client.get(detail(account)).json()["name"] == "Acme"
    assert client.patch(detail(account), {"name": "Renamed"}, format="json").status_code == 403
    assert client.delete(detail(account)).status_code == 403
    assert client.post(LIST, {"name": "New"}, format="json").status_code == 403
    assert Account.objects.get().name == "Acme"


def test_a_manager_sees_and_changes_their_teams_accounts_but_not_another_teams(
    api_as, manager, rep, outsider
):
    team_account = AccountFactory(owner=rep)
    other_team_account = AccountFactory(owner=outsider)
    client = api_as(manager)

    assert ids(client.get(LIST)) == [team_account.pk]
    response = client.patch(detail(team_account), {"lifecycle_stage": "customer"}, format="json")
    assert response.status_code == 200
    assert response.json()["lifecycle_stage"] == "customer"
    assert client.get(detail(other_team_account)).status_code == 404


def test_an_admin_sees_every_account_including_unowned_ones(api_as, admin_user, rep, outsider):
    accounts = [AccountFactory(owner=rep), AccountFactory(owner=outsider), AccountFactory(owner=None)]

    response = api_as(admin_user).get(LIST)

    assert sorted(ids(response)) == sorted(a.pk for a in accounts)


def test_creating_an_account_makes_the_caller_its_owner(api_as, rep):
    response = api_as(rep).post(LIST, {"name": "Acme", "domain": "acme.example"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["owner"] == rep.pk
    assert body["owner_name"] == str(rep)
    assert body["lifecycle_stage"] == "prospect"
    assert Account.objects.get(pk=body["id"]).owner == rep


def test_a_partial_update_changes_only_the_given_fields(api_as, rep):
    account = AccountFactory(owner=rep, name="Acme", industry="Software")

    response = api_as(rep).patch(detail(account), {"industry": "Retail"}, format="json")

    assert response.status_code == 200
    account.refresh_from_db()
    assert (account.name, account.industry) == ("Acme", "Retail")


def test_a_full_update_without_a_name_is_a_400_naming_the_field(api_as, rep):
    account = AccountFactory(owner=rep)

    response = api_as(rep).put(detail(account), {"industry": "Retail"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()


def test_deleting_an_account_removes_it(api_as, rep):
    account = AccountFactory(owner=rep)

    response = api_as(rep).delete(detail(account))

    assert response.status_code == 204
    assert not Account.objects.filter(pk=account.pk).exists()


def test_a_duplicate_domain_is_a_400_that_says_the_domain_is_taken(api_as, rep, outsider):
    AccountFactory(owner=outsider, domain="acme.example")

    response = api_as(rep).post(LIST, {"name": "Acme", "domain": "ACME.example"}, format="json")

    assert response.status_code == 400
    messages = [message for errors in response.json().values() for message in errors]
    assert "Another account already uses this domain." in messages
    assert Account.objects.count() == 1


def test_an_unknown_lifecycle_stage_is_a_400_naming_the_field(api_as, rep):
    account = AccountFactory(owner=rep)

    response = api_as(rep).patch(detail(account), {"lifecycle_stage": "won"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["lifecycle_stage"]


def test_a_rep_cannot_give_an_account_to_a_rep_on_another_team(api_as, rep, outsider):
    account = AccountFactory(owner=rep)

    response = api_as(rep).patch(detail(account), {"owner": outsider.pk}, format="json")

    assert response.status_code == 403
    account.refresh_from_db()
    assert account.owner == rep


def test_a_non_numeric_id_is_a_json_404(api_as, rep):
    response = api_as(rep).get("/api/v1/accounts/acme/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_search_and_lifecycle_stage_filters_narrow_the_list(api_as, rep):
    acme = AccountFactory(owner=rep, name="Acme Corp", lifecycle_stage=LifecycleStage.CUSTOMER)
    AccountFactory(owner=rep, name="Acme Labs", lifecycle_stage=LifecycleStage.PROSPECT)
    AccountFactory(owner=rep, name="Globex", lifecycle_stage=LifecycleStage.CUSTOMER)
    client = api_as(rep)

    assert len(ids(client.get(LIST, {"q": "acme"}))) == 2
    assert ids(client.get(LIST, {"q": "acme", "lifecycle_stage": "customer"})) == [acme.pk]


def test_the_list_is_cursor_paginated_newest_first_with_a_next_link(api_as, rep):
    accounts = AccountFactory.create_batch(3, owner=rep)
    client = api_as(rep)

    first = client.get(LIST, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    newest_first = sorted((a.pk for a in accounts), reverse=True)
    assert [row["id"] for row in first["results"]] == newest_first[:2]
    assert [row["id"] for row in second["results"]] == newest_first[2:]
    assert second["next"] is None


def test_a_list_gives_its_bounded_count_when_asked_with_one_more_query(api_as, rep, monkeypatch):
    AccountFactory.create_batch(3, owner=rep, name="Acme")
    AccountFactory(owner=rep, name="Other")
    AccountFactory(name="Someone else's")
    client = api_as(rep)

    client.get(LIST)  # the first request fills the caches
    with CaptureQueriesContext(connection) as plain_queries:
        plain = client.get(LIST, {"page_size": 1, "q": "acme"})
    with CaptureQueriesContext(connection) as counted_queries:
        counted = client.get(LIST, {"page_size": 1, "q": "acme", "count": "true"}).json()

    assert "count" not in plain.json()
    # The filtered list the caller may see, not the page: 3 of the rep's Acme accounts.
    assert (counted["count"], counted["count_capped"], len(counted["results"])) == (3, False, 1)
    assert len(counted_queries) == len(plain_queries) + 1
    assert client.get(LIST, {"count": "false"}).json().keys() == plain.json().keys()
    monkeypatch.setattr(CursorPagination, "count_cap", 2)
    capped = client.get(LIST, {"count": "true"}).json()
    assert (capped["count"], capped["count_capped"]) == (2, True)


def test_the_html_sort_parameter_does_not_reorder_api_pages(api_as, rep):
    older = AccountFactory(owner=rep, name="Zeta")
    newer = AccountFactory(owner=rep, name="Alpha")

    response = api_as(rep).get(LIST, {"ordering": "-name"})

    assert ids(response) == [newer.pk, older.pk]


@pytest.mark.parametrize("role_fixture", ["rep", "manager", "marketer"])
def test_listing_accounts_costs_the_same_queries_for_one_row_as_for_thirty(
    request, api_as, assert_same_query_count, role_fixture
):
    user = request.getfixturevalue(role_fixture)
    owner = request.getfixturevalue("rep")
    AccountFactory(owner=owner)
    client = api_as(user)

    def list_accounts():
        response = client.get(LIST, {"q": "a"} if role_fixture == "rep" else {})
        assert response.status_code == 200
        return response

    assert_same_query_count(list_accounts, grow=lambda: AccountFactory.create_batch(29, owner=owner))


# External ids: loading an export twice -------------------------------------------------------------


def test_posting_an_account_with_an_external_id_again_updates_it_instead_of_duplicating(api_as, rep):
    client = api_as(rep)
    first = client.post(
        LIST, {"name": "Acme", "external_source": "Salesforce", "external_id": "001A"}, format="json"
    )
    again = client.post(
        LIST, {"name": "Acme Corp", "external_source": "salesforce", "external_id": "001A"}, format="json"
    )

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    (account,) = Account.objects.all()
    assert (account.name, account.external_source, account.external_id) == ("Acme Corp", "salesforce", "001A")
    # The same id from another system is another record.
    other = client.post(
        LIST, {"name": "Acme", "external_source": "hubspot", "external_id": "001A"}, format="json"
    )
    assert other.status_code == 201


def test_the_list_finds_an_account_by_its_external_id(api_as, rep):
    wanted = AccountFactory(owner=rep, external_source="salesforce", external_id="001A")
    AccountFactory(owner=rep, external_source="hubspot", external_id="001A")
    AccountFactory(owner=rep)

    found = api_as(rep).get(LIST, {"external_source": "Salesforce", "external_id": "001A"})

    assert ids(found) == [wanted.pk]


def test_an_external_id_needs_its_source(api_as, rep):
    response = api_as(rep).post(LIST, {"name": "Acme", "external_id": "001A"}, format="json")

    assert response.status_code == 400
    assert "external_source" in response.json()
    assert not Account.objects.exists()


def test_an_external_id_held_by_an_account_the_rep_may_not_see_is_a_conflict_that_shows_nothing_of_it(
    api_as, rep
):
    AccountFactory(name="Secret Co", external_source="salesforce", external_id="001A")

    response = api_as(rep).post(
        LIST, {"name": "Acme", "external_source": "salesforce", "external_id": "001A"}, format="json"
    )

    assert response.status_code == 409
    assert "Secret" not in response.content.decode()
    assert Account.objects.get().name == "Secret Co"


def test_two_accounts_cannot_share_an_external_id(api_as, rep):
    AccountFactory(owner=rep, external_source="salesforce", external_id="001A")
    second = AccountFactory(owner=rep)

    response = api_as(rep).patch(
        f"{LIST}{second.pk}/", {"external_source": "salesforce", "external_id": "001A"}, format="json"
    )

    assert response.status_code == 400
    assert "already has this external id" in response.content.decode()
