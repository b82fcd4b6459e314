"""What a scoring rule may say, and what an attribute rule means in SQL.

An attribute rule tests one lead field from an allow-list, with an operator that makes sense for the
field's type ("is at least" on a company size, never on a company name). The same condition is used
for one lead and for a million, as a WHERE clause, so a rule is written once. Text comparisons ignore
case, as the assignment rules' criteria do.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from crm.errors import Invalid
from crm.timeline.engagement import EMAIL_OPENED, FORM_SUBMITTED, LINK_CLICKED, PAGE_VISITED
from leads.models import Authority, LeadSource, Operator, PurchaseTimeline, RuleKind

# A rule's points are bounded so that a lead's sum stays far inside an integer column.
MAX_RULE_POINTS = 1000
EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_.]*$")
ENGAGEMENT_TYPES: tuple[tuple[str, str], ...] = (
    (EMAIL_OPENED, "Email opened"),
    (LINK_CLICKED, "Link clicked"),
    (FORM_SUBMITTED, "Form submitted"),
    (PAGE_VISITED, "Page visited"),
)

# Consumer mailboxes: a lead writing from one is less likely to buy for a company. "*" stands for
# any country domain (gmx.de, gmx.net, yandex.ru ...).
FREE_MAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "googlemail.com", "yahoo.*", "ymail.com", "hotmail.*", "outlook.*", "live.*", "msn.com",
    "aol.com", "icloud.com", "me.com", "mac.com", "gmx.*", "web.de", "t-online.de", "mail.ru", "bk.ru",
    "inbox.ru", "list.ru", "yandex.*", "proton.me", "protonmail.com", "pm.me", "zoho.com", "mail.com",
    "fastmail.com", "tutanota.com", "hey.com", "qq.com", "163.com", "126.com", "seznam.cz", "wp.pl",
)  # fmt: skip


def _domain_pattern(domain: str) -> str:
    if domain.endswith(".*"):
        return re.escape(domain[:-1]) + r"[a-z]{2,}(\.[a-z]{2,})?"
    return re.escape(domain)


FREE_MAIL_REGEX = "@(" + "|".join(_domain_pattern(domain) for domain in FREE_MAIL_DOMAINS) + ")$"


class FieldKind(enum.Enum):
    TEXT = "text"
    EMAIL = "email"
    NUMBER = "number"
    CHOICE = "choice"
    TAGS = "tags"


@dataclass(frozen=True)
class ScoringField:
    name: str
    label: str
    kind: FieldKind
    choices: tuple[tuple[str, str], ...] = ()
    decimal: bool = False


FIELDS: dict[str, ScoringField] = {
    field.name: field
    for field in [
        ScoringField("industry", "Industry", FieldKind.TEXT),
        ScoringField("employee_count", "Employees", FieldKind.NUMBER),
        ScoringField("email", "Email", FieldKind.EMAIL),
        ScoringField("company", "Company", FieldKind.TEXT),
        ScoringField("title", "Job title", FieldKind.TEXT),
        ScoringField("country", "Country", FieldKind.TEXT),
        ScoringField("website", "Website", FieldKind.TEXT),
        ScoringField("budget", "Budget", FieldKind.NUMBER, decimal=True),
        ScoringField("source", "Source", FieldKind.CHOICE, tuple(LeadSource.choices)),
        ScoringField("authority", "Authority", FieldKind.CHOICE, tuple(Authority.choices)),
        ScoringField("timeline", "Purchase timeline", FieldKind.CHOICE, tuple(PurchaseTimeline.choices)),
        ScoringField("tags", "Tags", FieldKind.TAGS),
        ScoringField("utm_source", "UTM source", FieldKind.TEXT),
        ScoringField("utm_medium", "UTM medium", FieldKind.TEXT),
        ScoringField("utm_campaign", "UTM campaign", FieldKind.TEXT),
    ]
}

_TEXT_OPERATORS = (Operator.EQUALS, Operator.NOT_EQUALS, Operator.CONTAINS, Operator.IN, Operator.IS_EMPTY)
OPERATORS_BY_KIND: dict[FieldKind, tuple[Operator, ...]] = {
    FieldKind.TEXT: _TEXT_OPERATORS,
    FieldKind.EMAIL: (*_TEXT_OPERATORS, Operator.IS_FREE_MAIL),
    FieldKind.NUMBER: (
        Operator.EQUALS,
        Operator.NOT_EQUALS,
        Operator.GREATER_OR_EQUAL,
        Operator.LESS_OR_EQUAL,
        Operator.IN,
        Operator.IS_EMPTY,
    ),
    FieldKind.CHOICE: (Operator.EQUALS, Operator.NOT_EQUALS, Operator.IN),
    # On tags, "contains" means "has this tag" and "is one of" means "has any of these tags".
    FieldKind.TAGS: (Operator.CONTAINS, Operator.IN, Operator.IS_EMPTY),
}
# Operators that compare with nothing: the rule's value stays empty.
VALUELESS = (Operator.IS_EMPTY, Operator.IS_FREE_MAIL)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _operator_label(operator: str) -> str:
    return f'"{Operator(operator).label}"' if operator in Operator.values else f'"{operator}"'


def _number(field: ScoringField, text: str) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0 or (not field.decimal and number != number.to_integral_value()):
        kind = "a number" if field.decimal else "a whole number"
        raise Invalid(
            f'{field.label} needs {kind} of zero or more, not "{text}".', field="value", code="value"
        )
    return format(number, "f") if field.decimal else str(int(number))


def _choice_key(field: ScoringField, text: str) -> str:
    """The stored key for a choice typed as its key or its label ("web_form" or "Web form")."""
    for key, label in field.choices:
        if text.casefold() in (key.casefold(), label.casefold()):
            return key
    labels = ", ".join(label for _, label in field.choices)
    raise Invalid(f'"{text}" is not a {field.label.lower()}; use {labels}.', field="value", code="value")


def check_attribute(field_name: str, operator: str, value: str) -> str:
    """The rule's value normalised for its field, or an Invalid that names the field."""
    field = FIELDS.get(field_name)
    if field is None:
        shown = f'"{field_name}"' if field_name else "The rule"
        raise Invalid(f"{shown} is not a lead field scoring rules can use.", field="field", code="field")
    allowed = OPERATORS_BY_KIND[field.kind]
    if operator not in allowed:
        choices = ", ".join(f'"{op.label}"' for op in allowed)
        raise Invalid(
            f"{field.label} is a {field.kind.value} field, so {_operator_label(operator)} "
            f"does not apply to it; use one of {choices}.",
            field="operator",
            code="operator",
        )
    if operator in VALUELESS:
        return ""
    value = value.strip()
    parts = _split(value) if operator == Operator.IN else [value]
    if not value or not parts:
        raise Invalid(
            f'"{field.label} {Operator(operator).label}" needs a value.', field="value", code="value"
        )
    if field.kind is FieldKind.NUMBER:
        return ", ".join(_number(field, part) for part in parts)
    if field.kind is FieldKind.CHOICE:
        return ", ".join(_choice_key(field, part) for part in parts)
    return ", ".join(parts)


def check_rule(
    *,
    name: str,
    kind: str,
    field: str,
    operator: str,
    value: str,
    event_type: str,
    points: int,
    decay_days: int | None,
) -> dict[str, Any]:
    """Every field of a rule, validated and normalised, or one Invalid naming each problem."""
    errors: dict[str | None, list[str]] = {}
    checked: dict[str, Any] = {"name": name.strip(), "kind": kind, "points": points}
    if not checked["name"]:
        errors["name"] = ["Name the rule."]
    if points == 0 or abs(points) > MAX_RULE_POINTS:
        errors["points"] = [f"Give between -{MAX_RULE_POINTS} and {MAX_RULE_POINTS} points, and not 0."]
    if kind == RuleKind.ATTRIBUTE:
        checked.update(field=field, operator=operator, event_type="", decay_days=None)
        try:
            checked["value"] = check_attribute(field, operator, value)
        except Invalid as error:
            errors.update(error.errors)
        if decay_days is not None:
            errors["decay_days"] = ["Only engagement points decay; leave it empty for an attribute rule."]
    elif kind == RuleKind.BEHAVIOUR:
        event_type = event_type.strip()
        # On an engagement rule the value narrows the events to those whose URL contains it.
        checked.update(field="", operator="", value=value.strip(), event_type=event_type)
        checked["decay_days"] = decay_days
        if not EVENT_TYPE_PATTERN.match(event_type):
            errors["event_type"] = ["Choose the engagement event that gives the points."]
        if decay_days is not None and decay_days < 1:
            errors["decay_days"] = ["Points halve after at least 1 day; leave it empty to keep them whole."]
    else:
        errors["kind"] = ["Choose whether the rule scores a lead attribute or an engagement."]
    if errors:
        raise Invalid(errors=errors, code="scoring_rule_invalid")
    return checked


def _tags_condition(operator: str, value: str) -> Q:
    if operator == Operator.IS_EMPTY:
        return Q(tags=[])
    wanted = [tag.casefold() for tag in (_split(value) if operator == Operator.IN else [value])]
    has_any = RawSQL(
        'EXISTS (SELECT 1 FROM unnest("leads_lead"."tags") AS tag WHERE lower(tag) = ANY(%s))',
        (wanted,),
        output_field=BooleanField(),
    )
    return Q(has_any)


def attribute_condition(field_name: str, operator: str, value: str) -> Q:
    """The leads an attribute rule matches, as a filter on Lead (the rule was checked when saved).

    As in the assignment criteria, an empty text or an unknown number "is not" any given value, and is
    never "at least" or "at most" one.
    """
    field = FIELDS[field_name]
    name = field.name
    if field.kind is FieldKind.TAGS:
        return _tags_condition(operator, value)
    if operator == Operator.IS_EMPTY:
        return Q(**{f"{name}__isnull": True}) if field.kind is FieldKind.NUMBER else Q(**{name: ""})
    if operator == Operator.IS_FREE_MAIL:
        return Q(**{f"{name}__iregex": FREE_MAIL_REGEX})
    if field.kind in (FieldKind.NUMBER, FieldKind.CHOICE):
        values: list[Any] = _split(value)
        if field.kind is FieldKind.NUMBER:
            values = [Decimal(part) for part in values]
        return {
            Operator.EQUALS: Q(**{name: values[0]}),
            Operator.NOT_EQUALS: ~Q(**{name: values[0]}),
            Operator.GREATER_OR_EQUAL: Q(**{f"{name}__gte": values[0]}),
            Operator.LESS_OR_EQUAL: Q(**{f"{name}__lte": values[0]}),
            Operator.IN: Q(**{f"{name}__in": values}),
        }[Operator(operator)]
    if operator == Operator.IN:
        return reduce(or_, (Q(**{f"{name}__iexact": part}) for part in _split(value)))
    return {
        Operator.EQUALS: Q(**{f"{name}__iexact": value}),
        Operator.NOT_EQUALS: ~Q(**{f"{name}__iexact": value}),
        Operator.CONTAINS: Q(**{f"{name}__icontains": value}),
    }[Operator(operator)]


@dataclass(frozen=True)
class ConditionLabels:
    """A rule's condition in words, column by column: "Employees" "is at least" "200"."""

    subject: str
    operator: str
    value: str


def condition_labels(*, kind: str, field: str, operator: str, value: str, event_type: str) -> ConditionLabels:
    if kind == RuleKind.BEHAVIOUR:
        subject = dict(ENGAGEMENT_TYPES).get(event_type, event_type.replace("_", " ").capitalize())
        return ConditionLabels(subject, "URL contains" if value else "", value)
    subject = FIELDS[field].label if field in FIELDS else field
    labels = {**dict(Operator.choices), Operator.IN: "is one of"}
    return ConditionLabels(subject, labels.get(operator, operator), value)
