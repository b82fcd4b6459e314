"""The assignment rule form and its criteria editor: one row per field, operator and value."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from crm.models import Team, User
from leads.models import AssignmentRule

from .criteria import FIELDS, OPERATORS, parse_criterion
from .services import LEAD_OWNER_ROLES

# Blank rows offered under a rule's criteria; a rule needing more is saved and edited again.
BLANK_CRITERIA_ROWS = 3


class RuleForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    is_active = forms.BooleanField(
        label="Active", required=False, initial=True, help_text="Inactive rules are skipped."
    )
    assign_to_user = forms.ModelChoiceField(
        label="Assign to user", queryset=User.objects.none(), required=False, empty_label="No user"
    )
    assign_to_team = forms.ModelChoiceField(
        label="Or rotate over team",
        queryset=Team.objects.none(),
        required=False,
        empty_label="No team",
        help_text="Team members take turns; members marked away and deactivated users are skipped.",
    )

    def __init__(self, *args: Any, rule: AssignmentRule | None = None, **kwargs: Any) -> None:
        if rule is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": rule.name,
                    "is_active": rule.is_active,
                    "assign_to_user": rule.assign_to_user_id,
                    "assign_to_team": rule.assign_to_team_id,
                },
            )
        super().__init__(*args, **kwargs)
        users = User.objects.filter(is_active=True, role__in=LEAD_OWNER_ROLES)
        if rule is not None and rule.assign_to_user_id is not None:
            # The current target stays listed; the service says why it can no longer be chosen.
            users = users | User.objects.filter(pk=rule.assign_to_user_id)
        cast(forms.ModelChoiceField, self.fields["assign_to_user"]).queryset = users
        cast(forms.ModelChoiceField, self.fields["assign_to_team"]).queryset = Team.objects.all()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("assign_to_user") is None) == (cleaned.get("assign_to_team") is None):
            raise ValidationError("Assign to a user or to a team, not both.", code="target")
        return cleaned


class CriterionForm(forms.Form):
    field = forms.ChoiceField(
        label="Field",
        required=False,
        choices=[("", "Choose a field"), *((f.name, f.label) for f in FIELDS.values())],
    )
    operator = forms.ChoiceField(
        label="Operator",
        required=False,
        choices=[("", "Choose"), *((op.value, op.label) for op in OPERATORS)],
    )
    value = forms.CharField(label="Value", required=False, max_length=300)

    def __init__(self, *args: Any, number: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number = number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors or not any(cleaned.get(name) for name in ("field", "operator", "value")):
            return cleaned
        if not cleaned.get("field"):
            raise ValidationError(f"Criterion {self.number}: choose a field, or clear the row.", code="field")
        cleaned["criterion"] = parse_criterion(
            {"field": cleaned["field"], "operator": cleaned["operator"], "value": cleaned["value"]},
            self.number,
        )
        return cleaned


class BaseCriteriaFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        # The number the page shows for the row (the empty template row has none).
        return {**super().get_form_kwargs(index), "number": 0 if index is None else index + 1}

    def criteria(self) -> list[dict[str, str]]:
        """The filled-in, not removed rows, in page order, as the rule stores them."""
        return [
            form.cleaned_data["criterion"].as_json()
            for form in self.forms
            if "criterion" in form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


CriteriaFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriteriaFormSet, extra=BLANK_CRITERIA_ROWS, can_delete=True
)


def criteria_formset(data: Any = None, *, rule: AssignmentRule | None = None) -> BaseCriteriaFormSet:
    initial = list(rule.criteria) if rule is not None and isinstance(rule.criteria, list) else []
    formset = CriteriaFormSet(data, initial=initial, prefix="criteria")
    for form in formset.forms:
        form.fields["DELETE"].label = "Remove"
    return cast(BaseCriteriaFormSet, formset)
