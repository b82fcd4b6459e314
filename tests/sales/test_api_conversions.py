"""Converting leads through the API: what gets made, what is reused, and what is refused whole."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Account, Contact
from leads.models import Lead, LeadStatus
from sales.models import Deal
from tests.factories import AccountFactory, ContactFactory, LeadFactory, PipelineFactory

pytestmark = pytest.mark.django_db

CONVERT = "/api/v1/conversions/"


def qualified_lead(owner, **fields) -> Lead:
    return LeadFactory(
        owner=owner,
        status=LeadStatus.QUALIFIED,
        first_name="Jane",
        last_name="Doe",
        email="jane@acme.example",
        company="Acme",
        budget=Decimal("8000.00"),
        **fields,
    )


def made() -> tuple[int, int, int]:
    return Account.objects.count(), Contact.objects.count(), Deal.objects.count()


def test_a_qualified_lead_becomes_an_account_a_contact_and_a_deal(api_as, rep):
    lead = qualified_lead(rep, utm_source="newsletter")
    client = api_as(rep)

    response = client.post(CONVERT, {"lead": lead.pk, "deal_name": "Acme platform"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["account_name"], body["account_created"], body["contact_name"], body["contact_created"]) == (
        "Acme",
        True,
        "Jane Doe",
        True,
    )
    assert body["deal_name"] == "Acme platform"
    deal = client.get(f"/api/v1/deals/{body['deal']}/").json()
    assert (deal["account"], deal["primary_contact"], deal["amount"]) == (
        body["account"],
        body["contact"],
        "8000.00",
    )
    assert (deal["attribution"]["lead"], deal["attribution"]["utm_source"]) == (lead.pk, "newsletter")
    lead.refresh_from_db()
    assert (lead.status, lead.converted_account_id) == (LeadStatus.CONVERTED, body["account"])


def test_a_lead_joins_a_chosen_account_and_its_existing_contact(api_as, rep):
    account = AccountFactory(owner=rep, name="Acme Holdings", domain="holdings.example")
    contact = ContactFactory(account=account, owner=rep, email="JANE@acme.example")
    lead = qualified_lead(rep)

    response = api_as(rep).post(
        CONVERT, {"lead": lead.pk, "account": account.pk, "create_deal": False}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["account"], body["account_created"], body["contact"], body["contact_created"]) == (
        account.pk,
        False,
        contact.pk,
        False,
    )
    assert (body["deal"], body["deal_name"]) == (None, None)
    assert made() == (1, 1, 0)


def test_a_lead_joins_the_visible_account_with_its_domain_by_itself(api_as, rep):
    account = AccountFactory(owner=rep, name="ACME Inc", domain="acme.example")
    lead = qualified_lead(rep)

    body = (
        api_as(rep).post(CONVERT, {"lead": lead.pk, "pipeline": PipelineFactory().pk}, format="json").json()
    )

    assert (body["account"], body["account_created"], body["contact_created"]) == (account.pk, False, True)


def test_converting_a_lead_twice_is_refused_with_the_reason_and_makes_nothing_more(api_as, rep):
    lead = qualified_lead(rep)
    client = api_as(rep)
    assert client.post(CONVERT, {"lead": lead.pk}, format="json").status_code == 201

    response = client.post(CONVERT, {"lead": lead.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This lead was already converted; open its contact or deal instead."]
    }
    assert made() == (1, 1, 1)


def test_a_lead_that_is_not_qualified_is_refused_naming_its_status(api_as, rep):
    lead = LeadFactory(owner=rep, status=LeadStatus.WORKING)

    response = api_as(rep).post(CONVERT, {"lead": lead.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"status": ["Qualify the lead before converting it."]}
    assert made() == (0, 0, 0)


def test_a_past_close_date_refuses_the_whole_conversion_leaving_no_account_or_contact(api_as, rep):
    lead = qualified_lead(rep)

    response = api_as(rep).post(
        CONVERT, {"lead": lead.pk, "close_date": str(timezone.localdate() - timedelta(days=1))}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["close_date"]
    assert made() == (0, 0, 0)
    lead.refresh_from_db()
    assert (lead.status, lead.converted_at) == (LeadStatus.QUALIFIED, None)


def test_a_lead_the_rep_cannot_see_is_a_404_and_nothing_is_made(api_as, rep, outsider):
    theirs = qualified_lead(outsider)

    response = api_as(rep).post(CONVERT, {"lead": theirs.pk}, format="json")

    assert response.status_code == 404
    assert api_as(rep).post(CONVERT, {"lead": 999999}, format="json").status_code == 404
    assert made() == (0, 0, 0)
    theirs.refresh_from_db()
    assert theirs.status == LeadStatus.QUALIFIED


def test_an_account_the_rep_cannot_see_is_refused_naming_the_account(api_as, rep, outsider):
    hidden = AccountFactory(owner=outsider)
    lead = qualified_lead(rep)

    response = api_as(rep).post(CONVERT, {"lead": lead.pk, "account": hidden.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["account"]
    assert made() == (1, 0, 0)


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"amount": "-1"}, "amount"), ({"lead": "abc"}, "lead"), ({"pipeline": 999999}, "pipeline")],
)
def test_bad_conversion_input_is_a_400_naming_the_field(api_as, rep, payload, field):
    lead = qualified_lead(rep)

    response = api_as(rep).post(CONVERT, {"lead": lead.pk, **payload}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert made() == (0, 0, 0)
