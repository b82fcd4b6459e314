"""The scoring rule pages (admins only), the rescore progress they show, and a lead's score breakdown."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from crm.models import BackgroundJob, JobStatus
from leads.models import Operator, RuleKind, ScoringRule
from leads.scoring.selectors import score_breakdown
from leads.scoring.services import scoring_rule_create
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

RULES = "leads:scoring-rules"
CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')


@pytest.fixture
def as_user(client: Client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


@pytest.fixture
def software_rule(admin_user):
    return scoring_rule_create(
        actor=admin_user,
        name="Software industry",
        kind=RuleKind.ATTRIBUTE,
        field="industry",
        operator=Operator.EQUALS,
        value="Software",
        points=10,
    ).rule


def _form(**fields):
    """The rule form as a browser posts it for an attribute rule."""
    data = {
        "name": "200+ employees",
        "kind": RuleKind.ATTRIBUTE,
        "points": "15",
        "field": "employee_count",
        "operator": Operator.GREATER_OR_EQUAL,
        "value": "200",
        "event_type": "",
        "url_contains": "",
        "decay_days": "",
        "is_active": "on",
    }
    return data | fields


@pytest.mark.parametrize(
    "name", ["scoring-rules", "scoring-rule-create", "scoring-rule-edit", "scoring-rule-delete"]
)
@pytest.mark.parametrize("user", ["rep", "manager", "marketer"])
def test_the_rules_pages_do_not_exist_for_anyone_but_admins(as_user, request, software_rule, name, user):
    args = [software_rule.pk] if name in ("scoring-rule-edit", "scoring-rule-delete") else []
    client = as_user(request.getfixturevalue(user))

    assert client.get(reverse(f"leads:{name}", args=args)).status_code == 404
    assert client.post(reverse(f"leads:{name}", args=args), _form()).status_code == 404
    assert ScoringRule.objects.count() == 1


def test_a_new_rule_lands_on_the_list_with_the_rescore_progress(
    as_user, admin_user, django_capture_on_commit_callbacks
):
    LeadFactory(employee_count=500)
    client = as_user(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("leads:scoring-rule-create"), _form(), follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse(RULES)
    assert "Created the rule 200+ employees. Rescoring every lead" in html
    assert re.search(r"Employees</td>\s*<td>is at least</td>\s*<td>200</td>\s*<td[^>]*>\+15<", html)
    assert 'role="progressbar"' in html
    assert BackgroundJob.objects.get().status == JobStatus.DONE


def test_an_impossible_operator_is_explained_on_the_operator_field_and_nothing_is_saved(as_user, admin_user):
    response = as_user(admin_user).post(
        reverse("leads:scoring-rule-create"), _form(field="company", operator=Operator.GREATER_OR_EQUAL)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_operator_error"' in html
    assert "Company is a text field, so &quot;is at least&quot; does not apply to it" in html
    assert not ScoringRule.objects.exists()
    assert not BackgroundJob.objects.exists()


def test_an_engagement_rule_keeps_its_url_filter_and_decay(as_user, admin_user):
    form = _form(
        name="Pricing page visited",
        kind=RuleKind.BEHAVIOUR,
        points="10",
        field="",
        operator="",
        value="",
        event_type="page_visited",
        url_contains="/pricing",
        decay_days="30",
    )

    as_user(admin_user).post(reverse("leads:scoring-rule-create"), form)

    rule = ScoringRule.objects.get()
    assert (rule.event_type, rule.value, rule.decay_days) == ("page_visited", "/pricing", 30)


def test_editing_shows_the_rule_and_saves_the_change(as_user, admin_user, software_rule):
    client = as_user(admin_user)
    url = reverse("leads:scoring-rule-edit", args=[software_rule.pk])

    assert 'value="Software industry"' in client.get(url).content.decode()
    form = _form(name="Software", field="industry", operator="eq", value="Software", points="12")
    response = client.post(url, form)

    assert response.status_code == 302
    software_rule.refresh_from_db()
    assert (software_rule.name, software_rule.points) == ("Software", 12)


def test_deleting_a_rule_asks_first(as_user, admin_user, software_rule):
    client = as_user(admin_user)
    url = reverse("leads:scoring-rule-delete", args=[software_rule.pk])

    assert "Delete the scoring rule Software industry?" in client.get(url).content.decode()
    client.post(url)

    assert not ScoringRule.objects.exists()


@pytest.mark.parametrize("name", ["scoring-rules", "scoring-rule-create"])
def test_every_form_control_has_a_label(as_user, admin_user, software_rule, name):
    html = as_user(admin_user).get(reverse(f"leads:{name}")).content.decode()

    controls = CONTROL.findall(html)
    assert controls or name == "scoring-rules"
    unlabelled = [
        control
        for control in controls
        if "aria-label=" not in control
        and not ((found := CONTROL_ID.search(control)) and f'for="{found.group(1)}"' in html)
    ]
    assert unlabelled == []


def test_the_rules_page_costs_the_same_queries_with_many_rules(as_user, admin_user, assert_same_query_count):
    client = as_user(admin_user)

    def grow():
        for number in range(20):
            kind = RuleKind.BEHAVIOUR
            scoring_rule_create(
                actor=admin_user, name=f"Rule {number}", kind=kind, event_type="email_opened", points=1
            )

    assert_same_query_count(lambda: client.get(reverse(RULES)), grow=grow)


def test_the_breakdown_shows_the_score_and_each_rules_points(admin_user, django_capture_on_commit_callbacks):
    lead = LeadFactory(industry="Software", email="jane@gmail.com")
    with django_capture_on_commit_callbacks(execute=True):
        for name, field, operator, value, points in [
            ("Software", "industry", "eq", "software", 25),
            ("Free mail", "email", "free_mail", "", -10),
        ]:
            scoring_rule_create(
                actor=admin_user,
                name=name,
                kind="attribute",
                field=field,
                operator=operator,
                value=value,
                points=points,
            )
    lead.refresh_from_db()

    context = {"lead": lead, "breakdown": score_breakdown(lead=lead)}
    html = render_to_string("leads/scoring/_breakdown.html", context)

    assert re.search(r"Software</td>\s*<td[^>]*>\+25<", html)
    assert re.search(r"Free mail</td>\s*<td[^>]*>-10<", html)
    assert re.search(r"Total</th>\s*<td[^>]*>15<", html)


def test_a_lead_without_points_says_so(admin_user):
    lead = LeadFactory()

    html = render_to_string("leads/scoring/_breakdown.html", {"lead": lead, "breakdown": []})

    assert "No scoring rule gives this lead points yet." in html
