"""Lead assignment rules through the API: admins write and order them as on the assignment pages."""

import pytest

from leads.assignment import receivers
from leads.assignment.events import register_assignment_event_types
from leads.assignment.services import assignment_rule_create, lead_assign_by_rules
from leads.models import AssignmentRule
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

RULES = "/api/v1/leads/assignment-rules/"
DACH = [{"field": "country", "operator": "in", "value": "Germany, Austria"}]


@pytest.fixture(autouse=True)
def _wired(db):
    """What leads/apps.py does at start-up."""
    register_assignment_event_types()
    receivers.connect()


def rule_url(rule: AssignmentRule) -> str:
    return f"{RULES}{rule.pk}/"


def _rule(admin, name: str, **target) -> AssignmentRule:
    return assignment_rule_create(actor=admin, name=name, criteria=DACH, **target)


def names(response) -> list[str]:
    return [row["name"] for row in response.json()]


def test_an_admin_adds_a_rule_and_the_next_matching_lead_goes_to_its_user(api_as, admin_user, rep):
    response = api_as(admin_user).post(
        RULES, {"name": "DACH", "criteria": DACH, "assign_to_user": rep.pk}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["criteria_text"] == ["Country is one of Germany, Austria"]
    assert (body["assign_to_user_name"], body["position"], body["is_active"]) == (str(rep), 0, True)
    lead = LeadFactory(owner=None, country="Austria")
    lead_assign_by_rules(lead_id=lead.pk)
    lead.refresh_from_db()
    assert lead.owner == rep


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"criteria": [{"field": "salary", "operator": "eq", "value": "1"}]}, "criteria"),
        ({"criteria": [{"field": "employee_count", "operator": "contains", "value": "5"}]}, "criteria"),
        ({"name": "  "}, "name"),
        ({"assign_to_user": None}, "non_field_errors"),  # neither a user nor a team
        ({"assign_to_user": 999999}, "assign_to_user"),
    ],
)
def test_a_refused_rule_is_a_400_naming_the_field_and_saves_nothing(api_as, admin_user, rep, body, field):
    sent = {"name": "DACH", "criteria": DACH, "assign_to_user": rep.pk, **body}

    response = api_as(admin_user).post(RULES, sent, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not AssignmentRule.objects.exists()


def test_a_rule_cannot_give_leads_to_someone_who_does_not_work_them(api_as, admin_user, marketer):
    response = api_as(admin_user).post(
        RULES, {"name": "DACH", "criteria": DACH, "assign_to_user": marketer.pk}, format="json"
    )

    assert response.status_code == 400
    assert "assign_to_user" in response.json()


def test_an_admin_deactivates_a_rule_and_hands_it_to_a_team(api_as, admin_user, rep, team):
    rule = _rule(admin_user, "DACH", assign_to_user=rep)
    client = api_as(admin_user)

    off = client.patch(rule_url(rule), {"is_active": False}, format="json")
    to_team = client.patch(rule_url(rule), {"assign_to_team": team.pk}, format="json")

    assert off.status_code == 200
    assert to_team.status_code == 200
    body = to_team.json()
    assert (body["is_active"], body["assign_to_user"], body["assign_to_team_name"]) == (False, None, "East")
    assert body["criteria_text"] == ["Country is one of Germany, Austria"]
    lead = LeadFactory(owner=None, country="Germany")
    assert lead_assign_by_rules(lead_id=lead.pk) is False  # inactive rules are skipped


def test_moving_and_reordering_change_which_rule_is_tried_first(api_as, admin_user, rep, teammate):
    first = _rule(admin_user, "First", assign_to_user=rep)
    second = _rule(admin_user, "Second", assign_to_user=teammate)
    third = _rule(admin_user, "Third", assign_to_user=rep)
    client = api_as(admin_user)

    moved = client.post(f"{rule_url(third)}move/", {"to": 0}, format="json")
    reordered = client.post(f"{RULES}reorder/", {"ids": [second.pk, first.pk]}, format="json")

    assert names(moved) == ["Third", "First", "Second"]
    assert names(reordered) == ["Second", "First", "Third"]
    assert names(client.get(RULES)) == ["Second", "First", "Third"]
    lead = LeadFactory(owner=None, country="Germany")
    lead_assign_by_rules(lead_id=lead.pk)
    lead.refresh_from_db()
    assert lead.owner == teammate
    assert client.post(f"{rule_url(third)}move/", {"to": -1}, format="json").status_code == 400


def test_deleting_a_rule_removes_it_and_then_it_is_a_404(api_as, admin_user, rep):
    rule = _rule(admin_user, "DACH", assign_to_user=rep)
    client = api_as(admin_user)

    assert client.delete(rule_url(rule)).status_code == 204
    assert client.get(rule_url(rule)).status_code == 404
    assert client.post(f"{rule_url(rule)}move/", {"to": 0}, format="json").status_code == 404
    assert client.get(RULES).json() == []


@pytest.mark.parametrize("role", ["rep", "manager", "marketer"])
def test_only_admins_read_or_write_assignment_rules(api_as, admin_user, rep, request, role):
    rule = _rule(admin_user, "DACH", assign_to_user=rep)
    client = api_as(request.getfixturevalue(role))

    answers = [
        client.get(RULES),
        client.get(rule_url(rule)),
        client.post(RULES, {"name": "Mine", "assign_to_user": rep.pk}, format="json"),
        client.patch(rule_url(rule), {"is_active": False}, format="json"),
        client.post(f"{rule_url(rule)}move/", {"to": 0}, format="json"),
        client.post(f"{RULES}reorder/", {"ids": [rule.pk]}, format="json"),
        client.delete(rule_url(rule)),
    ]

    assert {answer.status_code for answer in answers} == {403}
    assert list(AssignmentRule.objects.values_list("name", "is_active")) == [("DACH", True)]


def test_the_rule_list_costs_the_same_for_one_rule_as_for_fifty(
    api_as, admin_user, team, assert_same_query_count
):
    def add(*numbers: int) -> None:
        for number in numbers:
            if number % 2:
                _rule(admin_user, f"Rule {number}", assign_to_team=team)
            else:
                _rule(admin_user, f"Rule {number}", assign_to_user=UserFactory(username=f"seller{number}"))

    add(0)
    client = api_as(admin_user)

    assert_same_query_count(lambda: client.get(RULES), grow=lambda: add(*range(1, 50)))
