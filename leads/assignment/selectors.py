"""Reads for the assignment pages: the rules in the order they are tried, described for people."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from crm.errors import NotFound
from leads.models import AssignmentRule

from .criteria import parse_criteria


@dataclass(frozen=True)
class RuleRow:
    rule: AssignmentRule
    criteria: list[str]
    # Where the move buttons put the rule (0 is first); None where it cannot move that way.
    up_to: int | None
    down_to: int | None


def _rules() -> QuerySet[AssignmentRule]:
    return AssignmentRule.objects.select_related("assign_to_user", "assign_to_team", "last_assigned")


def assignment_rule_rows() -> list[RuleRow]:
    """Every rule, first tried first, with its criteria as sentences (one query at any size)."""
    rules = list(_rules().order_by("position", "id"))
    return [
        RuleRow(
            rule=rule,
            criteria=criteria_sentences(rule.criteria),
            up_to=index - 1 if index > 0 else None,
            down_to=index + 1 if index < len(rules) - 1 else None,
        )
        for index, rule in enumerate(rules)
    ]


def assignment_rule_get(*, pk: int) -> AssignmentRule:
    rule = _rules().filter(pk=pk).first()
    if rule is None:
        raise NotFound
    return rule


def criteria_sentences(raw: object) -> list[str]:
    """A rule's stored criteria as people read them; a rule the matcher would skip says why."""
    try:
        return [str(criterion) for criterion in parse_criteria(raw)]
    except ValidationError as error:
        return [f"Invalid, the rule is skipped: {message}" for message in error.messages]
