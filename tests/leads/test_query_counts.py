"""Every lead list and detail page, HTML and API, costs the same queries with 1 row as with 50.

The lead list itself, a lead's page, the import pages and the merge screen are measured where they are
tested (test_pages, test_import_pages, test_dedupe_pages); these are the rest, grown to 50 rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Role
from leads.assignment.services import assignment_rule_create
from leads.models import Lead, Operator, RuleKind, WebForm, WebFormSubmission
from leads.scoring.services import scoring_rule_create
from tests.factories import ActivityFactory, LeadFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
QUESTIONS = [{"field": "email", "label": "Work email", "required": True}]
MANY = 50


def _form(number: int, owner) -> WebForm:
    form = WebForm.objects.create(name=f"Form {number}", slug=f"form-{number}", fields=QUESTIONS, owner=owner)
    WebFormSubmission.objects.create(form=form, ip_address="192.0.2.1", lead=LeadFactory(owner=None))
    return form


def test_the_web_form_list_costs_the_same_with_50_forms(as_user, admin_user, assert_same_query_count):
    _form(0, admin_user)
    client = as_user(admin_user)

    def grow() -> None:
        for number in range(1, MANY):
            _form(number, UserFactory(username=f"owner{number}"))

    assert_same_query_count(lambda: client.get(reverse("leads:webform-list")), grow=grow)


def test_a_web_forms_page_costs_the_same_with_50_submissions(as_user, admin_user, assert_same_query_count):
    form = _form(0, admin_user)
    client = as_user(admin_user)

    def grow() -> None:
        WebFormSubmission.objects.bulk_create(
            WebFormSubmission(form=form, ip_address=f"192.0.2.{n}", lead=LeadFactory(owner=None))
            for n in range(1, MANY)
        )

    assert_same_query_count(lambda: client.get(reverse("leads:webform-detail", args=[form.pk])), grow=grow)


def test_the_assignment_rules_cost_the_same_with_50_rules(as_user, admin_user, team, assert_same_query_count):
    def add(*numbers: int) -> None:
        for number in numbers:
            criteria = [{"field": "country", "operator": "in", "value": f"Country {number}"}]
            if number % 2:
                assignment_rule_create(
                    actor=admin_user, name=f"Rule {number}", criteria=criteria, assign_to_team=team
                )
            else:
                person = UserFactory(username=f"seller{number}", team=team)
                assignment_rule_create(
                    actor=admin_user, name=f"Rule {number}", criteria=criteria, assign_to_user=person
                )

    add(0)
    client = as_user(admin_user)

    assert_same_query_count(
        lambda: client.get(reverse("leads:assignment-rules")),
        grow=lambda: add(*range(1, MANY)),
    )


def test_the_scoring_rules_cost_the_same_with_50_rules(as_user, admin_user, assert_same_query_count):
    def add(*numbers: int) -> None:
        for number in numbers:
            if number % 2:
                scoring_rule_create(
                    actor=admin_user,
                    name=f"Rule {number}",
                    kind=RuleKind.BEHAVIOUR,
                    event_type="email_opened",
                    points=1,
                )
            else:
                scoring_rule_create(
                    actor=admin_user,
                    name=f"Rule {number}",
                    kind=RuleKind.ATTRIBUTE,
                    field="industry",
                    operator=Operator.EQUALS,
                    value=f"Industry {number}",
                    points=5,
                )

    add(0)
    client = as_user(admin_user)

    assert_same_query_count(
        lambda: client.get(reverse("leads:scoring-rules")), grow=lambda: add(*range(1, MANY))
    )


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETER])
def test_reading_a_lead_through_the_api_costs_the_same_with_50_activities_and_tasks(
    api_as, assert_same_query_count, team, role
):
    user = UserFactory(username="reader", role=role, team=team)
    owner = user if role == Role.SALES_REP else UserFactory(username="owner", team=team)
    lead = LeadFactory(owner=owner, team=team, tags=["vip"])
    ActivityFactory(target=lead, author=owner)
    client = api_as(user)

    def grow() -> None:
        ActivityFactory.create_batch(MANY - 1, target=lead, author=owner)
        TaskFactory.create_batch(MANY, target=lead, assignee=owner)
        LeadFactory.create_batch(MANY, owner=owner, team=team)

    assert_same_query_count(lambda: client.get(reverse("api-lead-detail", args=[lead.pk])), grow=grow)


def test_a_later_page_of_leads_through_the_api_costs_the_same_as_the_first(
    api_as, manager, rep, assert_same_query_count
):
    LeadFactory.create_batch(3, owner=rep)
    client = api_as(manager)
    following = client.get(reverse("api-lead-list"), {"page_size": 2}).json()["next"]

    def grow() -> None:
        older = LeadFactory.create_batch(MANY, owner=rep)
        Lead.objects.filter(pk__in=[lead.pk for lead in older]).update(
            created_at=timezone.now() - timedelta(days=1)
        )

    assert_same_query_count(lambda: client.get(following), grow=grow)
    assert len(client.get(following).json()["results"]) == 2
