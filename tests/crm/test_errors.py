"""The one family of refusals (crm.errors) and its two mappings: the product's pages and the API's JSON."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIRequestFactory

from crm.api.errors import exception_handler
from crm.errors import ALLOWED, Conflict, Decision, Forbidden, Invalid, NotFound, refused
from crm.records import validate
from leads.models import Lead, LeadStatus
from tests.factories import AccountFactory, DealFactory, LeadFactory


def _answer(error: Exception) -> tuple[int, Any]:
    request = APIRequestFactory().post("/api/v1/leads/")
    response = exception_handler(error, {"request": request, "view": None})
    assert response is not None
    return response.status_code, response.data


@pytest.mark.django_db  # the model's constraints are checked with queries
def test_a_models_validation_becomes_one_invalid_with_every_fields_messages():
    lead = Lead(email="not-an-email", status="nonsense")

    with pytest.raises(Invalid) as refused_lead:
        validate(lead)

    assert {"email", "status"} <= set(refused_lead.value.errors)
    assert refused_lead.value.field in refused_lead.value.errors
    assert refused_lead.value.code == "invalid"


def test_a_validation_error_about_the_whole_record_names_no_field():
    error = Invalid.from_validation_error(
        ValidationError({"__all__": ValidationError("Say who.", code="who")})
    )

    assert (error.field, error.code, error.errors) == (None, "who", {None: ["Say who."]})


def test_a_decision_is_true_when_allowed_and_raises_its_refusal_when_ensured():
    no = refused(Forbidden("Not yours.", code="not_yours"))

    assert ALLOWED
    assert not no
    ALLOWED.ensure()
    with pytest.raises(Forbidden) as raised:
        no.ensure()
    assert raised.value.code == "not_yours"
    assert Decision(None) == ALLOWED


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (NotFound(), 404, {"detail": "Not found.", "code": "not_found"}),
        (Forbidden("Only admins.", code="admin_only"), 403, {"detail": "Only admins.", "code": "admin_only"}),
        (
            Conflict("Still used.", code="still_referenced"),
            409,
            {"detail": "Still used.", "code": "still_referenced"},
        ),
        (Invalid("Choose one.", field="stage", code="required"), 400, {"stage": ["Choose one."]}),
        (Invalid("Pick another.", code="taken"), 400, {"non_field_errors": ["Pick another."]}),
        (
            Invalid(errors={"name": ["Name it."], None: ["Both or neither."]}, code="bad"),
            400,
            {"name": ["Name it."], "non_field_errors": ["Both or neither."]},
        ),
    ],
)
def test_the_api_maps_each_member_of_the_family_once(error, status, body):
    assert _answer(error) == (status, body)


def test_a_400_keeps_the_refusals_code_in_drfs_error_details():
    _, data = _answer(Invalid("Choose one.", field="stage", code="required"))

    assert data["stage"][0].code == "required"


@pytest.mark.django_db
def test_a_services_not_found_is_the_products_404_page(as_user, rep, outsider):
    hidden = LeadFactory(owner=outsider)

    response = as_user(rep).get(reverse("leads:detail", args=[hidden.pk]))

    assert response.status_code == 404
    assert b"Page not found" in response.content


@pytest.mark.django_db
def test_a_rules_forbidden_is_the_products_403_page_with_its_message(as_user, marketer, rep):
    lead = LeadFactory(owner=rep)

    response = as_user(marketer).get(reverse("leads:delete", args=[lead.pk]))

    assert response.status_code == 403
    assert b"Your role cannot delete leads." in response.content
    assert Lead.objects.filter(pk=lead.pk).exists()


@pytest.mark.django_db
def test_a_delete_the_records_state_refuses_says_why_on_the_delete_page(as_user, rep):
    lead = LeadFactory(owner=rep, status=LeadStatus.CONVERTED)

    response = as_user(rep).get(reverse("leads:delete", args=[lead.pk]))

    assert response.status_code == 409
    assert b"A converted lead is kept as it was" in response.content
    assert b"Delete lead</button>" not in response.content


@pytest.mark.django_db
def test_an_api_refusal_carries_its_code(api_as, support_agent, rep):
    deal = DealFactory(owner=rep)
    account = AccountFactory(owner=rep)

    created = api_as(support_agent).post("/api/v1/accounts/", {"name": "Initech"}, format="json")
    blocked = api_as(rep).delete(f"/api/v1/accounts/{deal.account_id}/")
    hidden = api_as(support_agent).delete(f"/api/v1/accounts/{account.pk}/")

    assert (created.status_code, created.json()["code"]) == (403, "create_not_allowed")
    assert (blocked.status_code, blocked.json()["code"]) == (409, "still_referenced")
    assert (hidden.status_code, hidden.json()["code"]) == (403, "read_only")
