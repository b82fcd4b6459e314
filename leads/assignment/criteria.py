"""Assignment criteria: which lead fields a rule may test, with which operators, and matching one lead.

A rule stores its criteria as [{"field", "operator", "value"}, ...]; all of them must match. The
operators are the scoring rules' vocabulary (leads.models.Operator), each allowed only where it means
something: "is at least" on a company size, never on a country.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from leads.models import Lead, LeadSource, Operator


class FieldKind(enum.Enum):
    TEXT = "text"
    NUMBER = "number"
    CHOICE = "choice"
    TAGS = "tags"


@dataclass(frozen=True)
class CriterionField:
    name: str
    label: str
    kind: FieldKind
    choices: tuple[tuple[str, str], ...] = ()


def _text(name: str, label: str) -> CriterionField:
    return CriterionField(name, label, FieldKind.TEXT)


FIELDS: dict[str, CriterionField] = {
    field.name: field
    for field in [
        _text("country", "Country"),
        _text("industry", "Industry"),
        CriterionField("employee_count", "Company size (employees)", FieldKind.NUMBER),
        CriterionField("source", "Source", FieldKind.CHOICE, tuple(LeadSource.choices)),
        _text("company", "Company"),
        _text("title", "Job title"),
        _text("email", "Email"),
        _text("utm_source", "UTM source"),
        _text("utm_medium", "UTM medium"),
        _text("utm_campaign", "UTM campaign"),
        _text("utm_term", "UTM term"),
        _text("utm_content", "UTM content"),
        CriterionField("tags", "Tags", FieldKind.TAGS),
    ]
}

OPERATORS_BY_KIND: dict[FieldKind, tuple[Operator, ...]] = {
    FieldKind.TEXT: (Operator.EQUALS, Operator.NOT_EQUALS, Operator.CONTAINS, Operator.IN, Operator.IS_EMPTY),
    FieldKind.NUMBER: (
        Operator.EQUALS,
        Operator.NOT_EQUALS,
        Operator.GREATER_OR_EQUAL,
        Operator.LESS_OR_EQUAL,
        Operator.IS_EMPTY,
    ),
    FieldKind.CHOICE: (Operator.EQUALS, Operator.NOT_EQUALS, Operator.IN),
    # On tags, "contains" means "has this tag" and "is one of" means "has any of these tags".
    FieldKind.TAGS: (Operator.CONTAINS, Operator.IN, Operator.IS_EMPTY),
}
OPERATORS: tuple[Operator, ...] = tuple(
    op for op in Operator if any(op in allowed for allowed in OPERATORS_BY_KIND.values())
)
# The operator as it reads in a sentence ("Country is one of Germany, Austria").
SHORT_LABELS: dict[str, str] = {Operator.IN: "is one of"}


@dataclass(frozen=True)
class Criterion:
    field: str
    operator: str
    value: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "operator": self.operator, "value": self.value}

    def __str__(self) -> str:
        label = FIELDS[self.field].label if self.field in FIELDS else self.field
        operator = SHORT_LABELS.get(self.operator, Operator(self.operator).label)
        return f"{label} {operator} {self.value}".strip()


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _choice_key(field: CriterionField, value: str) -> str | None:
    """The stored key for a choice typed as its key or its label ("web_form" or "Web form")."""
    for key, label in field.choices:
        if value.casefold() in (key.casefold(), label.casefold()):
            return key
    return None


def parse_criterion(raw: object, number: int) -> Criterion:
    """A valid criterion with its value normalised, or a ValidationError naming criterion `number`."""
    where = f"Criterion {number}"
    if not isinstance(raw, dict) or not isinstance(raw.get("field"), str):
        raise ValidationError(f"{where} needs a field, an operator and a value.", code="malformed")
    field = FIELDS.get(raw["field"])
    if field is None:
        raise ValidationError(
            f'{where}: "{raw["field"]}" is not a lead field assignment rules can match on.', code="field"
        )
    operator, value = str(raw.get("operator") or ""), str(raw.get("value") or "").strip()
    allowed = OPERATORS_BY_KIND[field.kind]
    if operator not in allowed:
        named = f'"{Operator(operator).label}"' if operator in Operator.values else f'"{operator}"'
        choices = ", ".join(f'"{op.label}"' for op in allowed)
        raise ValidationError(
            f"{where}: {field.label} cannot be matched with {named}; use one of {choices}.", code="operator"
        )
    if operator == Operator.IS_EMPTY:
        return Criterion(field.name, operator, "")
    if not value:
        raise ValidationError(
            f'{where}: "{field.label} {Operator(operator).label}" needs a value.', code="value"
        )
    if field.kind is FieldKind.NUMBER and not value.isdigit():
        raise ValidationError(f'{where}: {field.label} needs a whole number, not "{value}".', code="value")
    if field.kind is FieldKind.CHOICE:
        keys = [_choice_key(field, part) for part in _split(value)]
        if None in keys or not keys or (operator != Operator.IN and len(keys) > 1):
            labels = ", ".join(label for _, label in field.choices)
            raise ValidationError(f'{where}: "{value}" is not a {field.label.lower()}; use {labels}.')
        value = ", ".join(key for key in keys if key)
    if operator == Operator.IN:
        value = ", ".join(_split(value))
    return Criterion(field.name, operator, value)


def parse_criteria(raw: object) -> list[Criterion]:
    """Every criterion parsed, or one ValidationError listing each invalid one by its number."""
    if not isinstance(raw, list):
        raise ValidationError("Criteria must be a list of field, operator and value.", code="malformed")
    criteria, errors = [], []
    for number, item in enumerate(raw, start=1):
        try:
            criteria.append(parse_criterion(item, number))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return criteria


def _text_matches(actual: str, operator: str, value: str) -> bool:
    actual, value = actual.strip().casefold(), value.casefold()
    if operator == Operator.IS_EMPTY:
        return not actual
    if operator == Operator.EQUALS:
        return actual == value
    if operator == Operator.NOT_EQUALS:
        return actual != value
    if operator == Operator.CONTAINS:
        return value in actual
    return actual in _split(value)


def _number_matches(actual: int | None, operator: str, value: str) -> bool:
    if operator == Operator.IS_EMPTY:
        return actual is None
    if actual is None:
        return operator == Operator.NOT_EQUALS  # an unknown size is not 50, and not at least 200 either
    target = int(value)
    return {
        Operator.EQUALS: actual == target,
        Operator.NOT_EQUALS: actual != target,
        Operator.GREATER_OR_EQUAL: actual >= target,
        Operator.LESS_OR_EQUAL: actual <= target,
    }[Operator(operator)]


def _tags_match(tags: Sequence[str], operator: str, value: str) -> bool:
    if operator == Operator.IS_EMPTY:
        return not tags
    have = {tag.strip().casefold() for tag in tags}
    if operator == Operator.CONTAINS:
        return value.strip().casefold() in have
    return bool(have & set(_split(value.casefold())))


def criterion_matches(criterion: Criterion, lead: Lead) -> bool:
    field = FIELDS[criterion.field]
    actual = getattr(lead, field.name)
    if field.kind is FieldKind.NUMBER:
        return _number_matches(actual, criterion.operator, criterion.value)
    if field.kind is FieldKind.TAGS:
        return _tags_match(actual or [], criterion.operator, criterion.value)
    return _text_matches(str(actual or ""), criterion.operator, criterion.value)


def criteria_match(criteria: Sequence[Criterion], lead: Lead) -> bool:
    """True when every criterion matches; a rule without criteria matches every lead."""
    return all(criterion_matches(criterion, lead) for criterion in criteria)
