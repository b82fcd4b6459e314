"""Scoring rule validation and what each attribute condition matches, as SQL on real leads."""

from typing import Any

import pytest

from crm.errors import Invalid
from leads.models import Lead, LeadSource, Operator, RuleKind
from leads.scoring.rules import attribute_condition, check_attribute, check_rule
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _rule(**fields: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "name": "Rule",
        "kind": RuleKind.ATTRIBUTE,
        "field": "industry",
        "operator": Operator.EQUALS,
        "value": "Software",
        "event_type": "",
        "points": 10,
        "decay_days": None,
    }
    return check_rule(**(defaults | fields))


def _errors(**fields) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        _rule(**fields)
    assert caught.value.code == "scoring_rule_invalid"
    return {field: messages for field, messages in caught.value.errors.items() if field}


def _matching(field, operator, value="") -> set[str]:
    condition = attribute_condition(field, operator, check_attribute(field, operator, value))
    return set(Lead.objects.filter(condition).values_list("company", flat=True))


def test_at_least_on_a_company_name_is_refused_naming_the_field_and_the_operators_that_apply():
    errors = _errors(field="company", operator=Operator.GREATER_OR_EQUAL, value="200")

    assert list(errors) == ["operator"]
    assert "Company is a text field" in errors["operator"][0]
    assert '"is at least" does not apply' in errors["operator"][0]
    assert '"contains"' in errors["operator"][0]


def test_an_unknown_field_is_refused_by_its_name():
    errors = _errors(field="password", operator=Operator.EQUALS)

    assert errors["field"] == ['"password" is not a lead field scoring rules can use.']


def test_free_mail_applies_to_the_email_only():
    assert _rule(field="email", operator=Operator.IS_FREE_MAIL, value="ignored")["value"] == ""
    assert "Industry is a text field" in _errors(operator=Operator.IS_FREE_MAIL)["operator"][0]


@pytest.mark.parametrize(
    ("field", "operator", "value", "message"),
    [
        ("employee_count", "gte", "lots", 'Employees needs a whole number of zero or more, not "lots".'),
        ("employee_count", "in", "10, 2.5", 'Employees needs a whole number of zero or more, not "2.5".'),
        ("budget", "lte", "-1", 'Budget needs a number of zero or more, not "-1".'),
        ("industry", "contains", "  ", '"Industry contains" needs a value.'),
        ("source", "eq", "Billboard", '"Billboard" is not a source; use Manual entry, Import, Web form'),
    ],
)
def test_a_value_that_does_not_fit_the_field_is_refused_on_the_value(field, operator, value, message):
    errors = _errors(field=field, operator=operator, value=value)

    assert errors["value"][0].startswith(message)


def test_values_are_stored_normalised():
    assert _rule(field="source", operator=Operator.IN, value="Web form, api")["value"] == "web_form, api"
    assert _rule(field="employee_count", operator=Operator.GREATER_OR_EQUAL, value=" 200 ")["value"] == "200"
    assert (
        _rule(field="country", operator=Operator.IN, value="Germany,, Austria ,")["value"]
        == "Germany, Austria"
    )


def test_points_must_count_and_stay_in_range():
    assert "points" in _errors(points=0)
    assert "points" in _errors(points=5000)
    assert _rule(points=-10)["points"] == -10


def test_only_engagement_points_decay_and_they_need_at_least_a_day():
    assert "decay_days" in _errors(decay_days=7)
    engagement = {"kind": RuleKind.BEHAVIOUR, "event_type": "email_opened", "field": "", "operator": ""}
    assert "decay_days" in _errors(**engagement, decay_days=0)
    assert _rule(**engagement, decay_days=7, value=" /pricing ")["value"] == "/pricing"
    assert "event_type" in _errors(**engagement | {"event_type": ""})


def test_an_engagement_rule_keeps_no_attribute_condition():
    rule = _rule(kind=RuleKind.BEHAVIOUR, event_type="link_clicked", operator=Operator.GREATER_OR_EQUAL)

    assert (rule["field"], rule["operator"], rule["event_type"]) == ("", "", "link_clicked")


def test_text_conditions_ignore_case():
    LeadFactory(company="A", industry="Software")
    LeadFactory(company="B", industry="software services")
    LeadFactory(company="C", industry="")

    assert _matching("industry", Operator.EQUALS, "SOFTWARE") == {"A"}
    assert _matching("industry", Operator.CONTAINS, "Software") == {"A", "B"}
    assert _matching("industry", Operator.IN, "retail, software") == {"A"}
    assert _matching("industry", Operator.NOT_EQUALS, "software") == {"B", "C"}
    assert _matching("industry", Operator.IS_EMPTY) == {"C"}


def test_number_conditions_never_call_an_unknown_size_large_or_small():
    LeadFactory(company="Big", employee_count=500)
    LeadFactory(company="Exact", employee_count=200)
    LeadFactory(company="Small", employee_count=10)
    LeadFactory(company="Unknown", employee_count=None)

    assert _matching("employee_count", Operator.GREATER_OR_EQUAL, "200") == {"Big", "Exact"}
    assert _matching("employee_count", Operator.LESS_OR_EQUAL, "200") == {"Exact", "Small"}
    assert _matching("employee_count", Operator.IN, "10, 500") == {"Big", "Small"}
    assert _matching("employee_count", Operator.NOT_EQUALS, "200") == {"Big", "Small", "Unknown"}
    assert _matching("employee_count", Operator.IS_EMPTY) == {"Unknown"}


def test_free_mail_matches_consumer_domains_by_the_part_after_the_at():
    for company, email in [
        ("Gmail", "jane@Gmail.com"),
        ("GMX", "jan@gmx.de"),
        ("Yandex", "ivan@yandex.ru"),
        ("Proton", "p@proton.me"),
        ("Work", "jane@acme.com"),
        ("Lookalike", "jane@notgmail.com"),
        ("Subdomain", "gmail.com@acme.com"),
    ]:
        LeadFactory(company=company, email=email)

    assert _matching("email", Operator.IS_FREE_MAIL) == {"Gmail", "GMX", "Yandex", "Proton"}


def test_choice_and_tag_conditions():
    LeadFactory(company="Form", source=LeadSource.WEB_FORM, tags=["Trade show", "vip"])
    LeadFactory(company="Manual", source=LeadSource.MANUAL, tags=[])

    assert _matching("source", Operator.EQUALS, "Web form") == {"Form"}
    assert _matching("source", Operator.NOT_EQUALS, "web_form") == {"Manual"}
    assert _matching("tags", Operator.CONTAINS, "trade show") == {"Form"}
    assert _matching("tags", Operator.IN, "partner, VIP") == {"Form"}
    assert _matching("tags", Operator.IS_EMPTY) == {"Manual"}
