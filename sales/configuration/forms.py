"""The configuration pages' forms: they parse input; the services validate the rules and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from crm.models import ActivityKind
from sales.models import (
    CriterionKind,
    OnboardingRole,
    OnboardingTemplate,
    OnboardingTemplateItem,
    RequiredField,
    RequiredRecord,
    Stage,
    StageKind,
)

from .onboarding_templates import MAX_DUE_OFFSET_DAYS


class NameForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)


class StageForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    probability = forms.IntegerField(
        label="Win probability (%)",
        help_text="Weights the forecast: amount x probability. From 0 to 100.",
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
        error_messages={
            "required": "Enter a win probability from 0 to 100 (%).",
            "invalid": "Enter a whole number from 0 to 100.",
        },
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=StageKind.choices,
        initial=StageKind.OPEN,
        help_text="A deal's status follows its stage: open, won or lost. Won and lost stages come last.",
    )

    def __init__(self, *args: Any, stage: Stage | None = None, **kwargs: Any) -> None:
        if stage is not None:
            kwargs.setdefault(
                "initial", {"name": stage.name, "probability": stage.probability, "kind": stage.kind}
            )
        super().__init__(*args, **kwargs)


class StageDeleteForm(forms.Form):
    move_to = forms.ModelChoiceField(
        label="Move its deals and history to",
        queryset=Stage.objects.none(),
        required=False,
        empty_label="Choose a stage",
    )

    def __init__(self, *args: Any, stage: Stage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["move_to"])
        field.queryset = (
            Stage.objects.filter(pipeline_id=stage.pipeline_id, kind=stage.kind)
            .exclude(pk=stage.pk)
            .order_by("position", "id")
        )


class CriterionForm(forms.Form):
    """One criterion of one stage; the page shows only the detail of the chosen kind (crm.js)."""

    kind = forms.ChoiceField(label="Requires", choices=[("", "Choose"), *CriterionKind.choices])
    field_name = forms.ChoiceField(
        label="Field", choices=[("", "Choose a field"), *RequiredField.choices], required=False
    )
    activity_kind = forms.ChoiceField(
        label="Activity", choices=[("", "Choose an activity"), *ActivityKind.choices], required=False
    )
    activity_subject = forms.CharField(
        label="Subject contains",
        max_length=100,
        required=False,
        help_text='e.g. "demo": a meeting whose subject mentions a demo, logged on the deal.',
    )
    related = forms.ChoiceField(
        label="Record", choices=[("", "Choose a record"), *RequiredRecord.choices], required=False
    )
    label = forms.CharField(
        label="Label",
        max_length=120,
        required=False,
        help_text='What the rep reads when it is missing; left empty, e.g. "Amount" or "Meeting: demo".',
    )


class LostReasonForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)


class OnboardingTemplateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    product_line = forms.CharField(
        label="Product line",
        max_length=100,
        required=False,
        help_text="Won deals whose main product is in this line get this checklist. "
        "Leave empty for the default template, used when no line matches.",
    )
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="One template is active per product line; inactive ones are kept for later.",
    )

    def __init__(self, *args: Any, template: OnboardingTemplate | None = None, **kwargs: Any) -> None:
        if template is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": template.name,
                    "product_line": template.product_line,
                    "is_active": template.is_active,
                },
            )
        super().__init__(*args, **kwargs)


class OnboardingItemForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    role = forms.ChoiceField(
        label="Done by", choices=OnboardingRole.choices, initial=OnboardingRole.DEAL_OWNER
    )
    due_offset_days = forms.IntegerField(
        label="Due (days after the win)",
        initial=7,
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_DUE_OFFSET_DAYS, "step": 1}),
        error_messages={
            "required": f"Enter how many days after the win it is due, from 0 to {MAX_DUE_OFFSET_DAYS}.",
            "invalid": f"Enter a whole number of days from 0 to {MAX_DUE_OFFSET_DAYS}.",
        },
    )

    def __init__(self, *args: Any, item: OnboardingTemplateItem | None = None, **kwargs: Any) -> None:
        if item is not None:
            kwargs.setdefault(
                "initial",
                {"title": item.title, "role": item.role, "due_offset_days": item.due_offset_days},
            )
        super().__init__(*args, **kwargs)
