"""Onboarding through the API: admins keep the templates as on their settings pages; whoever sees an
account reads its onboardings and ticks steps off as its page lets them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sales.models import Onboarding, OnboardingRole, OnboardingTemplate, Pipeline, StageKind
from sales.onboarding.services import onboarding_start
from tests.factories import AccountFactory, DealFactory

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/v1/onboarding-templates/"
ONBOARDINGS = "/api/v1/onboardings/"


def template_url(template_id: int) -> str:
    return f"{TEMPLATES}{template_id}/"


def step_url(onboarding: Onboarding, step_id: int, act: str) -> str:
    return f"{ONBOARDINGS}{onboarding.pk}/steps/{step_id}/{act}/"


def checklist(titles=("Kick-off call", "Set up accounts", "Training")) -> OnboardingTemplate:
    template = OnboardingTemplate.objects.create(name="Standard")
    for position, title in enumerate(titles):
        template.items.create(
            title=title, role=OnboardingRole.DEAL_OWNER, position=position, due_offset_days=7
        )
    return template


def won_onboarding(owner, name="Acme") -> Onboarding:
    pipeline = Pipeline.objects.get(is_default=True)
    won = pipeline.stages.get(kind=StageKind.WON)
    account = AccountFactory(owner=owner, name=name)
    deal = DealFactory(account=account, owner=owner, pipeline=pipeline, stage=won, closed_at=timezone.now())
    onboarding = onboarding_start(actor=owner, deal=deal)
    assert onboarding is not None
    return onboarding


# Templates


def test_an_admin_builds_a_template_and_its_checklist(api_as, admin_user):
    client = api_as(admin_user)

    created = client.post(
        TEMPLATES, {"name": "Platform rollout", "product_line": " Platform "}, format="json"
    )
    assert created.status_code == 201, created.json()
    url = template_url(created.json()["id"])
    first = client.post(f"{url}items/", {"title": "Kick-off call"}, format="json")
    second = client.post(
        f"{url}items/",
        {"title": "Training", "done_by": "support_agent", "due_offset_days": 30},
        format="json",
    )
    client.patch(f"{url}items/{second.json()['id']}/", {"position": 0, "due_offset_days": 21}, format="json")

    body = client.get(url).json()
    assert (body["product_line"], body["is_active"]) == ("Platform", True)
    assert [(i["title"], i["done_by"], i["due_offset_days"]) for i in body["items"]] == [
        ("Training", "support_agent", 21),
        ("Kick-off call", "deal_owner", 7),
    ]
    assert first.json()["position"] == 0
    assert [t["name"] for t in client.get(TEMPLATES).json()] == ["Platform rollout"]


def test_a_second_active_default_template_is_refused_naming_the_field(api_as, admin_user):
    checklist()

    response = api_as(admin_user).post(TEMPLATES, {"name": "Standard v2"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "is_active": [
            "Standard is already the active default template; deactivate it first, or save this one inactive."
        ]
    }


def test_an_admin_deactivates_a_template_and_keeps_its_name(api_as, admin_user):
    template = checklist()

    response = api_as(admin_user).patch(template_url(template.pk), {"is_active": False}, format="json")

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["is_active"]) == ("Standard", False)


@pytest.mark.parametrize("days", [-1, 366, "soon"])
def test_a_due_time_outside_a_year_is_refused_naming_the_field(api_as, admin_user, days):
    template = checklist()

    response = api_as(admin_user).post(
        f"{template_url(template.pk)}items/", {"title": "Late", "due_offset_days": days}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "due_offset_days": ["Enter how many days after the win it is due, from 0 to 365."]
    }


def test_an_admin_reorders_and_removes_items_only_in_their_own_template(api_as, admin_user):
    template = checklist()
    other = OnboardingTemplate.objects.create(name="Other", is_active=False)
    ids = list(template.items.order_by("position").values_list("pk", flat=True))
    client = api_as(admin_user)

    reordered = client.post(f"{template_url(template.pk)}items/order/", {"order": ids[::-1]}, format="json")
    elsewhere = client.delete(f"{template_url(other.pk)}items/{ids[0]}/")
    removed = client.delete(f"{template_url(template.pk)}items/{ids[0]}/")

    assert [i["id"] for i in reordered.json()["items"]] == ids[::-1]
    assert (elsewhere.status_code, removed.status_code) == (404, 204)
    assert [i["title"] for i in client.get(template_url(template.pk)).json()["items"]] == [
        "Training",
        "Set up accounts",
    ]


@pytest.mark.parametrize("user", ["rep", "manager", "support_agent"])
def test_templates_are_for_admins_only_as_on_their_pages(api_as, request, user):
    template = checklist()
    item = template.items.order_by("position")[0]
    client = api_as(request.getfixturevalue(user))

    responses = [
        client.get(TEMPLATES),
        client.get(template_url(template.pk)),
        client.post(TEMPLATES, {"name": "Mine"}, format="json"),
        client.patch(template_url(template.pk), {"name": "Mine"}, format="json"),
        client.post(f"{template_url(template.pk)}items/", {"title": "Mine"}, format="json"),
        client.patch(f"{template_url(template.pk)}items/{item.pk}/", {"title": "Mine"}, format="json"),
        client.delete(f"{template_url(template.pk)}items/{item.pk}/"),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert responses[0].json()["detail"] == "Only admins can manage onboarding templates."
    assert list(OnboardingTemplate.objects.values_list("name", flat=True)) == ["Standard"]


# Onboardings


def test_the_deal_owner_reads_the_accounts_onboarding_with_its_checklist(api_as, rep):
    checklist()
    onboarding = won_onboarding(rep)

    body = api_as(rep).get(ONBOARDINGS, {"account": onboarding.account_id}).json()["results"]

    assert len(body) == 1
    assert (body[0]["account_name"], body[0]["done"], body[0]["total"]) == ("Acme", 0, 3)
    assert [(s["title"], s["done_by"], s["assignee"], s["can_complete"]) for s in body[0]["steps"]] == [
        ("Kick-off call", "deal_owner", rep.pk, True),
        ("Set up accounts", "deal_owner", rep.pk, True),
        ("Training", "deal_owner", rep.pk, True),
    ]


def test_another_reps_customer_onboarding_is_not_there(api_as, rep, outsider):
    checklist()
    onboarding = won_onboarding(outsider)
    step = onboarding.steps.order_by("position")[0]
    client = api_as(rep)

    assert client.get(ONBOARDINGS).json()["results"] == []
    assert client.get(f"{ONBOARDINGS}{onboarding.pk}/").status_code == 404
    assert client.post(step_url(onboarding, step.pk, "complete")).status_code == 404
    assert step.task.completed_at is None


def test_ticking_every_step_off_onboards_the_customer_and_a_step_reopens(api_as, rep):
    checklist(titles=("Kick-off call", "Training"))
    onboarding = won_onboarding(rep)
    first, second = onboarding.steps.order_by("position")
    client = api_as(rep)

    halfway = client.post(step_url(onboarding, first.pk, "complete"))
    done = client.post(step_url(onboarding, second.pk, "complete"))
    reopened = client.post(step_url(onboarding, first.pk, "reopen"))

    assert (halfway.status_code, halfway.json()["done"], halfway.json()["completed_at"]) == (200, 1, None)
    assert done.json()["done"] == 2
    assert done.json()["completed_at"] is not None
    assert reopened.json()["done"] == 1
    assert reopened.json()["steps"][0]["completed_at"] is None


def test_support_sees_a_reps_onboarding_but_may_not_tick_it_off(api_as, rep, support_agent):
    checklist()
    onboarding = won_onboarding(rep)
    step = onboarding.steps.order_by("position")[0]
    client = api_as(support_agent)

    body = client.get(f"{ONBOARDINGS}{onboarding.pk}/").json()
    response = client.post(step_url(onboarding, step.pk, "complete"))

    assert {s["can_complete"] for s in body["steps"]} == {False}
    assert response.status_code == 403
    assert response.json()["detail"] == "You can see this task but not change it."


def test_a_step_is_found_only_in_its_own_onboarding(api_as, rep):
    checklist()
    first, second = won_onboarding(rep), won_onboarding(rep, name="Globex")

    response = api_as(rep).post(step_url(first, second.steps.order_by("position")[0].pk, "complete"))

    assert response.status_code == 404


def test_the_onboarding_list_costs_the_same_for_one_or_many(api_as, manager, rep, assert_same_query_count):
    checklist()
    won_onboarding(rep)
    client = api_as(manager)

    def grow():
        for n in range(5):
            won_onboarding(rep, name=f"Customer {n}")

    assert_same_query_count(lambda: client.get(ONBOARDINGS), grow=grow)
    assert len(client.get(ONBOARDINGS).json()["results"]) == 6
