"""Web forms through the API: marketers and admins design them as on the web-form pages; only admins
delete them; to everyone else there are none."""

from typing import Any

import pytest
from django.test import Client

from leads.models import Lead, LeadSource, WebForm
from leads.webforms.services import webform_create, webform_submit

pytestmark = pytest.mark.django_db

FORMS = "/api/v1/leads/web-forms/"
QUESTIONS: list[dict[str, Any]] = [
    {"field": "email", "label": "Work email", "required": True},
    {"field": "company", "label": "Company"},
]
DEMO = {"name": "Book a demo", "fields": QUESTIONS, "tags": ["demo"]}


def form_url(webform: WebForm) -> str:
    return f"{FORMS}{webform.pk}/"


@pytest.fixture
def webform(admin_user) -> WebForm:
    return webform_create(actor=admin_user, fields={"name": "Newsletter", "fields": QUESTIONS[:1]})


def test_a_marketer_designs_a_form_that_visitors_can_fill_in(api_as, marketer):
    response = api_as(marketer).post(FORMS, DEMO, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "book-a-demo"  # made from the name
    assert body["fields"] == [{**QUESTIONS[0]}, {**QUESTIONS[1], "required": False}]
    assert body["public_url"] == "http://testserver/f/book-a-demo/"
    assert 'src="http://testserver/f/book-a-demo/"' in body["embed_snippet"]
    assert (body["submission_count"], body["recent_submissions"]) == (0, [])
    visitor = Client()
    visitor.post("/f/book-a-demo/", {"email": "ada@example.com", "company": "Analytical"})
    lead = Lead.objects.get(email="ada@example.com")
    assert (lead.source, lead.tags) == (LeadSource.WEB_FORM, ["demo"])


def test_a_form_lists_with_its_submissions(api_as, marketer, webform):
    webform_submit(form=webform, data={"email": "ada@example.com"}, ip_address="192.0.2.1", utm={})
    client = api_as(marketer)

    [row] = client.get(FORMS).json()["results"]
    detail = client.get(form_url(webform)).json()

    assert (row["name"], row["submission_count"]) == ("Newsletter", 1)
    assert row["last_submission_at"] is not None
    assert [s["lead_name"] for s in detail["recent_submissions"]] == ["ada@example.com"]


def test_a_deactivated_form_takes_no_more_submissions(api_as, marketer, webform):
    response = api_as(marketer).patch(form_url(webform), {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["name"] == "Newsletter"
    assert Client().get("/f/newsletter/").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fields": [{"field": "company", "label": "Company"}]}, "fields"),  # nothing identifying required
        ({"fields": [{"field": "password", "label": "Password", "required": True}]}, "fields"),
        ({"slug": "newsletter"}, "slug"),  # taken
        ({"redirect_url": "javascript:alert(1)"}, "redirect_url"),
        ({"repeat_submissions": "sometimes"}, "repeat_submissions"),
    ],
)
def test_a_refused_setting_is_a_400_naming_it_and_saves_nothing(api_as, marketer, webform, change, field):
    response = api_as(marketer).post(FORMS, {**DEMO, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert list(WebForm.objects.values_list("name", flat=True)) == ["Newsletter"]


def test_an_owner_the_designer_may_not_give_leads_to_is_refused(api_as, manager, marketer, webform):
    response = api_as(marketer).patch(form_url(webform), {"owner": manager.pk}, format="json")

    assert response.status_code in (400, 403)
    webform.refresh_from_db()
    assert webform.owner is None


def test_a_marketer_may_not_delete_a_form_and_an_admin_may(api_as, admin_user, marketer, webform):
    refused = api_as(marketer).delete(form_url(webform))

    assert refused.status_code == 403
    assert api_as(admin_user).delete(form_url(webform)).status_code == 204
    assert not WebForm.objects.exists()


def test_to_a_sales_rep_there_are_no_forms(api_as, rep, webform):
    client = api_as(rep)

    assert client.get(FORMS).json()["results"] == []
    assert client.get(form_url(webform)).status_code == 404
    assert client.patch(form_url(webform), {"is_active": False}, format="json").status_code == 404
    assert client.delete(form_url(webform)).status_code == 404
    assert client.post(FORMS, DEMO, format="json").status_code == 403
    assert list(WebForm.objects.values_list("name", "is_active")) == [("Newsletter", True)]


def test_the_form_list_costs_the_same_for_one_form_as_for_fifty(
    api_as, admin_user, marketer, assert_same_query_count
):
    def add(*numbers: int) -> None:
        for number in numbers:
            webform = webform_create(
                actor=admin_user,
                fields={"name": f"Form {number}", "fields": QUESTIONS, "owner": marketer},
            )
            webform_submit(
                form=webform,
                data={"email": f"v{number}@example.com"},
                ip_address=f"192.0.2.{number + 1}",
                utm={},
            )

    add(0)
    client = api_as(marketer)

    assert_same_query_count(lambda: client.get(FORMS), grow=lambda: add(*range(1, 50)))
