"""Admins' writes to assignment rules: create, edit, delete, and their order (first match wins)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404

from crm import access
from crm.models import Team, User
from leads.models import AssignmentRule

from .criteria import parse_criteria


def _checked_fields(
    *, name: str, criteria: object, assign_to_user: User | None, assign_to_team: Team | None
) -> dict[str, Any]:
    """The rule's fields, validated and normalised, or one ValidationError naming every problem."""
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = ["Name the rule."]
    parsed: list[dict[str, str]] = []
    try:
        parsed = [criterion.as_json() for criterion in parse_criteria(criteria)]
    except ValidationError as error:
        errors["criteria"] = error.messages
    if (assign_to_user is None) == (assign_to_team is None):
        errors["__all__"] = ["Assign to a user or to a team, not both."]
    elif assign_to_user is not None and not assign_to_user.is_active:
        errors["assign_to_user"] = [f"{assign_to_user} is deactivated and cannot get leads."]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "criteria": parsed,
        "assign_to_user": assign_to_user,
        "assign_to_team": assign_to_team,
    }


@transaction.atomic
def rule_create(
    *,
    actor: User,
    name: str,
    criteria: object,
    assign_to_user: User | None = None,
    assign_to_team: Team | None = None,
    is_active: bool = True,
) -> AssignmentRule:
    """Adds a rule after the existing ones: it is tried last."""
    access.ensure_admin(actor, doing="manage assignment rules")
    fields = _checked_fields(
        name=name, criteria=criteria, assign_to_user=assign_to_user, assign_to_team=assign_to_team
    )
    # Locks the rules so that two rules created at once do not share a position.
    list(AssignmentRule.objects.select_for_update().values_list("pk", flat=True))
    last = AssignmentRule.objects.aggregate(last=Max("position"))["last"]
    rule = AssignmentRule(**fields, is_active=is_active, position=0 if last is None else last + 1)
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def rule_update(
    *,
    actor: User,
    rule_id: int,
    name: str,
    criteria: object,
    assign_to_user: User | None = None,
    assign_to_team: Team | None = None,
    is_active: bool = True,
) -> AssignmentRule:
    access.ensure_admin(actor, doing="manage assignment rules")
    rule = AssignmentRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    fields = _checked_fields(
        name=name, criteria=criteria, assign_to_user=assign_to_user, assign_to_team=assign_to_team
    )
    if rule.assign_to_team_id != (assign_to_team.pk if assign_to_team else None):
        rule.last_assigned = None  # a new team's rotation starts from its first member
    for field, value in fields.items():
        setattr(rule, field, value)
    rule.is_active = is_active
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, actor: User, rule_id: int) -> None:
    """Deletes the rule; deleting it again changes nothing."""
    access.ensure_admin(actor, doing="manage assignment rules")
    AssignmentRule.objects.filter(pk=rule_id).delete()


def _save_order(rule_ids: Sequence[int]) -> None:
    """Numbers the (locked) rules 0, 1, 2... in the given order; rules not listed keep theirs after."""
    rules = {rule.pk: rule for rule in AssignmentRule.objects.select_for_update().order_by("position", "id")}
    ordered = [pk for pk in dict.fromkeys(rule_ids) if pk in rules]
    ordered += [pk for pk in rules if pk not in ordered]
    changed = []
    for position, pk in enumerate(ordered):
        if rules[pk].position != position:
            rules[pk].position = position
            changed.append(rules[pk])
    AssignmentRule.objects.bulk_update(changed, ["position"])


@transaction.atomic
def rules_reorder(*, actor: User, rule_ids: Sequence[int]) -> None:
    """Puts the rules in the given order; the same order sent twice changes nothing the second time."""
    access.ensure_admin(actor, doing="manage assignment rules")
    _save_order(rule_ids)


@transaction.atomic
def rule_move(*, actor: User, rule_id: int, to: int) -> None:
    """Moves one rule to place `to` (0 is first) and shifts the others; repeating it is harmless."""
    access.ensure_admin(actor, doing="manage assignment rules")
    order = list(
        AssignmentRule.objects.select_for_update().order_by("position", "id").values_list("pk", flat=True)
    )
    if rule_id not in order:
        return
    order.remove(rule_id)
    order.insert(max(0, min(to, len(order))), rule_id)
    _save_order(order)
