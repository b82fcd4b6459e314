"""Contacts through the API: the account they belong to must be one the user can see."""

import pytest

from crm.models import ConsentStatus, Contact
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/contacts/"


def detail(contact: Contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_a_contact_created_on_a_visible_account_reads_back_the_account_and_owner_names(api_as, rep):
    account = AccountFactory(owner=rep, name="Acme")

    response = api_as(rep).post(
        LIST, {"first_name": "Ada", "last_name": "Lovelace", "account": account.pk}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["account"], body["account_name"]) == (account.pk, "Acme")
    assert (body["owner"], body["owner_name"]) == (rep.pk, str(rep))
    assert body["full_name"] == "Ada Lovelace"


def test_a_contact_cannot_be_put_on_an_account_the_user_cannot_see(api_as, rep, teammate):
    hidden = AccountFactory(owner=teammate)

    response = api_as(rep).post(LIST, {"last_name": "Lovelace", "account": hidden.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["account"]
    assert not Contact.objects.exists()


def test_a_contact_cannot_be_moved_to_an_account_the_user_cannot_see(api_as, rep, outsider):
    contact = ContactFactory(owner=rep)
    hidden = AccountFactory(owner=outsider)

    response = api_as(rep).patch(detail(contact), {"account": hidden.pk}, format="json")

    assert response.status_code == 400
    contact.refresh_from_db()
    assert contact.account != hidden


def test_a_rep_gets_404_for_another_reps_contact(api_as, rep, teammate):
    theirs = ContactFactory(owner=teammate)
    client = api_as(rep)

    assert client.get(detail(theirs)).status_code == 404
    assert client.patch(detail(theirs), {"title": "CEO"}, format="json").status_code == 404
    assert client.delete(detail(theirs)).status_code == 404


def test_a_marketer_may_read_any_contact_but_gets_403_on_change(api_as, marketer, rep):
    contact = ContactFactory(owner=rep, last_name="Lovelace")
    client = api_as(marketer)

    assert client.get(detail(contact)).json()["last_name"] == "Lovelace"
    assert client.patch(detail(contact), {"title": "CEO"}, format="json").status_code == 403
    assert client.delete(detail(contact)).status_code == 403


def test_a_manager_sees_their_teams_contacts_and_an_admin_sees_all(
    api_as, manager, admin_user, rep, outsider
):
    team_contact = ContactFactory(owner=rep)
    other_contact = ContactFactory(owner=outsider)

    assert ids(api_as(manager).get(LIST)) == [team_contact.pk]
    assert sorted(ids(api_as(admin_user).get(LIST))) == sorted([team_contact.pk, other_contact.pk])


def test_withdrawing_consent_through_the_api_stamps_when_it_changed(api_as, rep):
    contact = ContactFactory(owner=rep)

    response = api_as(rep).patch(detail(contact), {"email_consent": ConsentStatus.WITHDRAWN}, format="json")

    assert response.status_code == 200
    assert response.json()["consent_changed_at"] is not None


def test_an_invalid_email_is_a_400_naming_the_field(api_as, rep):
    response = api_as(rep).post(LIST, {"last_name": "Lovelace", "email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["email"]


def test_deleting_a_contact_removes_it(api_as, rep):
    contact = ContactFactory(owner=rep)

    assert api_as(rep).delete(detail(contact)).status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_contacts_filter_by_account_and_by_search(api_as, rep):
    account = AccountFactory(owner=rep)
    ada = ContactFactory(owner=rep, account=account, first_name="Ada", last_name="Lovelace")
    ContactFactory(owner=rep, account=account, first_name="Charles", last_name="Babbage")
    ContactFactory(owner=rep, first_name="Grace", last_name="Hopper")
    client = api_as(rep)

    assert len(ids(client.get(LIST, {"account": account.pk}))) == 2
    assert ids(client.get(LIST, {"account": account.pk, "q": "love"})) == [ada.pk]


@pytest.mark.parametrize("role_fixture", ["rep", "manager"])
def test_listing_contacts_costs_the_same_queries_for_one_row_as_for_thirty(
    request, api_as, assert_same_query_count, rep, role_fixture
):
    user = request.getfixturevalue(role_fixture)
    account = AccountFactory(owner=rep)
    ContactFactory(owner=rep, account=account)
    client = api_as(user)

    def list_contacts():
        response = client.get(LIST)
        assert response.status_code == 200
        return response

    # Each new contact on an account of its own: one join per row type, never a query per row.
    assert_same_query_count(list_contacts, grow=lambda: ContactFactory.create_batch(29, owner=rep))


def test_posting_a_contact_with_an_external_id_again_updates_it(api_as, rep):
    client = api_as(rep)
    body = {"last_name": "Lee", "email": "ann@example.com", "external_source": "hubspot", "external_id": "51"}

    first = client.post(LIST, body, format="json")
    again = client.post(LIST, {**body, "first_name": "Ann"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    (contact,) = Contact.objects.all()
    assert (contact.first_name, contact.external_id) == ("Ann", "51")
