"""The scoring rule form: it parses what the admin typed; the services decide whether the rule holds.

Field and operator are plain text behind their drop-downs, so that an impossible combination reaches
the service and comes back with its explanation rather than Django's "Select a valid choice".
"""

from __future__ import annotations

from typing import Any

from django import forms

from leads.models import Operator, RuleKind, ScoringRule

from .rules import ENGAGEMENT_TYPES, FIELDS

BLANK = ("", "---------")


class ScoringRuleForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="Shown in each lead's score breakdown.")
    kind = forms.ChoiceField(label="Scores", choices=RuleKind.choices)
    points = forms.IntegerField(help_text="Negative points lower the score: -10 for a free-mail address.")
    field = forms.CharField(
        label="Lead field",
        required=False,
        widget=forms.Select(choices=[BLANK, *((f.name, f.label) for f in FIELDS.values())]),
    )
    operator = forms.CharField(required=False, widget=forms.Select(choices=[BLANK, *Operator.choices]))
    value = forms.CharField(
        required=False,
        max_length=300,
        help_text='Text is compared without regard to case; separate the values of "is one of" with commas.',
    )
    event_type = forms.CharField(
        label="Engagement", required=False, widget=forms.Select(choices=[BLANK, *ENGAGEMENT_TYPES])
    )
    url_contains = forms.CharField(
        label="Only when the URL contains",
        required=False,
        max_length=300,
        help_text="For example /pricing; leave it empty to score every event of this kind.",
    )
    decay_days = forms.IntegerField(
        label="Points halve every (days)",
        required=False,
        help_text="Older engagement counts less; leave it empty to keep the points whole.",
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    @staticmethod
    def initial_for(rule: ScoringRule) -> dict[str, Any]:
        attribute = rule.kind == RuleKind.ATTRIBUTE
        return {
            "name": rule.name,
            "kind": rule.kind,
            "points": rule.points,
            "field": rule.field,
            "operator": rule.operator,
            "value": rule.value if attribute else "",
            "event_type": rule.event_type,
            "url_contains": "" if attribute else rule.value,
            "decay_days": rule.decay_days,
            "is_active": rule.is_active,
        }

    def rule_fields(self) -> dict[str, Any]:
        """The cleaned input as the rule services take it; the other kind's inputs are left out."""
        data = self.cleaned_data
        common = {"name": data["name"], "kind": data["kind"], "points": data["points"]}
        if data["kind"] == RuleKind.BEHAVIOUR:
            return {
                **common,
                "event_type": data["event_type"],
                "value": data["url_contains"],
                "decay_days": data["decay_days"],
                "is_active": data["is_active"],
            }
        return {
            **common,
            "field": data["field"],
            "operator": data["operator"],
            "value": data["value"],
            "decay_days": data["decay_days"],
            "is_active": data["is_active"],
        }
