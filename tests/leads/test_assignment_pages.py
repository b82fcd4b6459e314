"""The assignment rule pages (admins only) and the away switch in the user menu."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import Role
from leads.assignment.services import assignment_rule_create
from leads.models import AssignmentRule
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RULES = "leads:assignment-rules"
CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')


@pytest.fixture
def as_user(client: Client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


def _rule(admin, name, user, criteria=()):
    return assignment_rule_create(actor=admin, name=name, criteria=list(criteria), assign_to_user=user)


def _form(name="DACH", target=None, rows=(), **extra):
    """The rule form as a browser posts it: the rule's fields and three criteria rows."""
    data = {
        "name": name,
        "is_active": "on",
        "assign_to_user": target.pk if target else "",
        "assign_to_team": "",
        "criteria-TOTAL_FORMS": "3",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for index, (field, operator, value) in enumerate(rows):
        data |= {
            f"criteria-{index}-field": field,
            f"criteria-{index}-operator": operator,
            f"criteria-{index}-value": value,
        }
    return data | extra


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETER])
@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("assignment-rules", "get"),
        ("assignment-rule-create", "get"),
        ("assignment-rule-create", "post"),
        ("assignment-rule-edit", "get"),
        ("assignment-rule-edit", "post"),
        ("assignment-rule-delete", "post"),
        ("assignment-rule-move", "post"),
    ],
)
def test_non_admins_find_no_rules_pages_and_change_nothing(as_user, admin_user, rep, role, name, method):
    rule = _rule(admin_user, "DACH", rep)
    user = UserFactory(username=f"someone-{role}", role=role)
    args = [] if name in ("assignment-rules", "assignment-rule-create") else [rule.pk]

    response = getattr(as_user(user), method)(reverse(f"leads:{name}", args=args), {"to": "0", "name": "X"})

    assert response.status_code == 404
    assert list(AssignmentRule.objects.values_list("name", flat=True)) == ["DACH"]


def test_the_rules_page_lists_rules_in_order_ending_with_the_default_queue(
    as_user, admin_user, rep, teammate, team, assert_same_query_count
):
    _rule(admin_user, "DACH", rep, [{"field": "country", "operator": "in", "value": "Germany, Austria"}])
    assignment_rule_create(actor=admin_user, name="Everyone else", criteria=[], assign_to_team=team)
    client = as_user(admin_user)

    html = client.get(reverse(RULES)).content.decode()

    assert html.index("DACH") < html.index("Everyone else") < html.index("The default queue")
    assert "Country is one of Germany, Austria" in html
    assert "Any lead" in html
    assert "240 minutes" in html
    assert_same_query_count(
        lambda: client.get(reverse(RULES)),
        grow=lambda: [_rule(admin_user, f"Rule {n}", teammate) for n in range(10)],
    )


def test_an_admin_creates_a_rule_with_the_criteria_editor(as_user, admin_user, rep):
    form = _form(target=rep, rows=[("country", "in", "Germany,Austria"), ("employee_count", "gte", "50")])

    response = as_user(admin_user).post(reverse("leads:assignment-rule-create"), form, follow=True)

    assert response.redirect_chain[-1][0] == reverse(RULES)
    assert "Created the rule DACH" in response.content.decode()
    rule = AssignmentRule.objects.get()
    assert rule.assign_to_user == rep
    assert rule.criteria == [
        {"field": "country", "operator": "in", "value": "Germany, Austria"},
        {"field": "employee_count", "operator": "gte", "value": "50"},
    ]


def test_an_invalid_criterion_is_shown_on_its_row_and_nothing_is_saved(as_user, admin_user, rep):
    form = _form(target=rep, rows=[("industry", "eq", "Retail"), ("country", "gte", "5")])

    response = as_user(admin_user).post(reverse("leads:assignment-rule-create"), form)

    assert response.status_code == 200
    assert "Criterion 2: Country cannot be matched with &quot;is at least&quot;" in response.content.decode()
    assert not AssignmentRule.objects.exists()


def test_a_rule_needs_exactly_one_target(as_user, admin_user, rep, team):
    response = as_user(admin_user).post(
        reverse("leads:assignment-rule-create"), _form(target=rep, assign_to_team=team.pk)
    )

    assert "Assign to a user or to a team, not both." in response.content.decode()
    assert not AssignmentRule.objects.exists()


def test_editing_a_rule_shows_its_criteria_and_saves_the_changes(as_user, admin_user, rep, teammate):
    rule = _rule(admin_user, "DACH", rep, [{"field": "country", "operator": "eq", "value": "Germany"}])
    client = as_user(admin_user)
    url = reverse("leads:assignment-rule-edit", args=[rule.pk])

    assert 'value="Germany"' in client.get(url).content.decode()
    form = _form(name="Germany only", target=teammate, rows=[("country", "eq", "Germany")])
    client.post(url, form | {"criteria-INITIAL_FORMS": "1"})

    rule.refresh_from_db()
    assert (rule.name, rule.assign_to_user) == ("Germany only", teammate)


def test_clearing_or_removing_a_criterion_row_drops_it(as_user, admin_user, rep):
    rule = _rule(admin_user, "DACH", rep, [{"field": "country", "operator": "eq", "value": "Germany"}])
    form = _form(target=rep, rows=[("country", "eq", "Germany")], **{"criteria-0-DELETE": "on"})

    as_user(admin_user).post(
        reverse("leads:assignment-rule-edit", args=[rule.pk]), form | {"criteria-INITIAL_FORMS": "1"}
    )

    rule.refresh_from_db()
    assert rule.criteria == []


def test_moving_a_rule_up_makes_it_tried_first_and_the_same_post_twice_moves_it_once(
    as_user, admin_user, rep
):
    first, second, third = (_rule(admin_user, name, rep) for name in ("First", "Second", "Third"))
    client = as_user(admin_user)
    url = reverse("leads:assignment-rule-move", args=[third.pk])

    client.post(url, {"to": "1"})
    client.post(url, {"to": "1"})

    order = list(AssignmentRule.objects.order_by("position").values_list("name", flat=True))
    assert order == ["First", "Third", "Second"]


def test_deleting_a_rule_asks_first_then_removes_it(as_user, admin_user, rep):
    rule = _rule(admin_user, "DACH", rep)
    client = as_user(admin_user)
    url = reverse("leads:assignment-rule-delete", args=[rule.pk])

    assert "Delete the rule DACH?" in client.get(url).content.decode()
    response = client.post(url)

    assert response.url == reverse(RULES)
    assert not AssignmentRule.objects.exists()


def _has_label(control: str, html: str) -> bool:
    control_id = CONTROL_ID.search(control)
    return control_id is not None and f'for="{control_id.group(1)}"' in html


def test_every_control_of_the_rule_form_has_a_visible_label(as_user, admin_user):
    html = as_user(admin_user).get(reverse("leads:assignment-rule-create")).content.decode()

    controls = CONTROL.findall(html)
    assert len(controls) >= 3 * 4 + 4  # three criteria rows of four, the rule's four fields
    assert [control for control in controls if not _has_label(control, html)] == []


def test_a_rep_marks_themselves_away_and_back(as_user, rep):
    client = as_user(rep)
    url = reverse("leads:assignment-away")

    client.post(url, {"away": "1"})
    response = client.post(url, {"away": "1", "next": "/leads/"})
    rep.refresh_from_db()
    assert rep.is_away is True
    assert response.url == "/leads/"

    client.post(url, {"away": "0"})
    rep.refresh_from_db()
    assert rep.is_away is False
