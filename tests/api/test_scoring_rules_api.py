"""Lead scoring rules through the API: admins write them as on the scoring pages, and leads are rescored."""

from typing import Any

import pytest

from crm.models import BackgroundJob
from leads.models import Lead, RuleKind, ScoringRule
from leads.scoring import receivers
from leads.scoring.events import register_scoring_event_types
from leads.scoring.services import scoring_rule_create
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

RULES = "/api/v1/leads/scoring-rules/"
SOFTWARE: dict[str, Any] = {
    "name": "Software",
    "kind": "attribute",
    "field": "industry",
    "operator": "eq",
    "value": "software",
    "points": 10,
}


@pytest.fixture(autouse=True)
def scoring_wired():
    """What leads/apps.py ready() does for scoring."""
    register_scoring_event_types()
    receivers.connect()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what the services start after commit: the rescore jobs run eagerly in tests."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def rule_url(rule_id: int) -> str:
    return f"{RULES}{rule_id}/"


def _score(lead: Lead) -> int:
    lead.refresh_from_db()
    return lead.score


def test_an_admin_adds_a_rule_and_every_lead_is_rescored_by_the_job_it_answers_with(
    api_as, admin_user, committed
):
    lead = LeadFactory(industry="Software")
    client = api_as(admin_user)

    with committed():
        response = client.post(RULES, SOFTWARE, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["condition"] == {"subject": "Industry", "operator": "is", "value": "software"}
    job = BackgroundJob.objects.get(pk=body["rescore"]["id"])
    assert body["rescore"]["progress_url"].endswith(f"{RULES}rescore/{job.pk}/")
    assert _score(lead) == 10
    progress = client.get(body["rescore"]["progress_url"]).json()
    assert (progress["status"], progress["percent"]) == ("done", 100)
    assert [row["name"] for row in client.get(RULES).json()] == ["Software"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"operator": "gte"}, "operator"),  # "is at least" on a text field
        ({"field": "password"}, "field"),
        ({"points": 0}, "points"),
        ({"kind": "mood"}, "kind"),
        ({"decay_days": 3}, "decay_days"),  # only engagement points decay
        ({"field": "employee_count", "operator": "gte", "value": "many"}, "value"),
    ],
)
def test_a_refused_value_is_a_400_naming_its_field_and_saves_nothing(api_as, admin_user, change, field):
    response = api_as(admin_user).post(RULES, {**SOFTWARE, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not ScoringRule.objects.exists()


def test_deactivating_a_rule_takes_its_points_off_and_a_rename_rescores_nothing(
    api_as, admin_user, committed
):
    lead = LeadFactory(industry="Software")
    with committed():
        rule = scoring_rule_create(actor=admin_user, **{**SOFTWARE, "kind": RuleKind.ATTRIBUTE}).rule
    client = api_as(admin_user)

    renamed = client.patch(rule_url(rule.pk), {"name": "Software makers"}, format="json")
    with committed():
        off = client.patch(rule_url(rule.pk), {"is_active": False}, format="json")

    assert renamed.status_code == 200
    assert renamed.json()["rescore"] is None
    assert off.json()["is_active"] is False
    assert off.json()["name"] == "Software makers"
    assert off.json()["rescore"] is not None
    assert _score(lead) == 0


def test_deleting_a_rule_takes_its_points_off_and_then_it_is_a_404(api_as, admin_user, committed):
    lead = LeadFactory(industry="Software")
    with committed():
        rule = scoring_rule_create(actor=admin_user, **{**SOFTWARE, "kind": RuleKind.ATTRIBUTE}).rule
    client = api_as(admin_user)

    with committed():
        response = client.delete(rule_url(rule.pk))

    assert response.status_code == 204
    assert _score(lead) == 0
    assert client.get(rule_url(rule.pk)).status_code == 404
    assert client.delete(rule_url(rule.pk)).status_code == 404


def test_rescoring_now_answers_with_the_job_and_its_progress(api_as, admin_user, committed):
    client = api_as(admin_user)

    with committed():
        response = client.post(f"{RULES}rescore/")

    assert response.status_code == 202
    job = BackgroundJob.objects.get(pk=response.json()["id"])
    assert job.payload == {"rule_ids": None}
    assert client.get(response.json()["progress_url"]).json()["id"] == job.pk
    assert client.get(f"{RULES}rescore/999999/").status_code == 404


@pytest.mark.parametrize("role", ["rep", "manager", "marketer"])
def test_only_admins_read_or_write_scoring_rules(api_as, admin_user, committed, request, role):
    with committed():
        rule = scoring_rule_create(actor=admin_user, **{**SOFTWARE, "kind": RuleKind.ATTRIBUTE}).rule
    client = api_as(request.getfixturevalue(role))

    answers = [
        client.get(RULES),
        client.get(rule_url(rule.pk)),
        client.post(RULES, SOFTWARE, format="json"),
        client.patch(rule_url(rule.pk), {"points": 50}, format="json"),
        client.delete(rule_url(rule.pk)),
        client.post(f"{RULES}rescore/"),
    ]

    assert {answer.status_code for answer in answers} == {403}
    assert answers[2].json()["code"] == "admin_only"
    assert ScoringRule.objects.get().points == 10
    assert BackgroundJob.objects.count() == 1  # the admin's rule's, and no other


def test_the_rule_list_costs_the_same_for_one_rule_as_for_fifty(api_as, admin_user, assert_same_query_count):
    def add(*numbers: int) -> None:
        for number in numbers:
            ScoringRule.objects.create(
                name=f"Rule {number}",
                kind=RuleKind.ATTRIBUTE,
                field="country",
                operator="eq",
                value="X",
                points=1,
            )

    add(0)
    client = api_as(admin_user)

    assert_same_query_count(lambda: client.get(RULES), grow=lambda: add(*range(1, 50)))
