"""The sales configuration's API serializers: what a pipeline, stage, exit criterion, lost reason and
onboarding template look like, and what a write may send. They parse; the services (pipelines.py,
criteria.py, lost_reasons.py, onboarding_templates.py) check the rules and word the refusals."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.models import ActivityKind
from sales.models import (
    CriterionKind,
    ExitCriterion,
    LostReason,
    OnboardingRole,
    OnboardingTemplate,
    OnboardingTemplateItem,
    Pipeline,
    RequiredField,
    RequiredRecord,
    Stage,
    StageKind,
)

from .onboarding_templates import MAX_DUE_OFFSET_DAYS

PROBABILITY_MESSAGE = "Enter a win probability from 0 to 100 (%)."
DUE_MESSAGE = f"Enter how many days after the win it is due, from 0 to {MAX_DUE_OFFSET_DAYS}."


class OptionalChoiceField(serializers.ChoiceField):
    """A choice the record may leave blank: null in the API, never a "" outside the documented enum."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value else None


def place_field(what: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0,
        required=False,
        help_text=f"Moves the {what} to this place (0 is first; a larger number is the last place).",
    )


def done_by_field(**kwargs: Any) -> serializers.ChoiceField:
    """Who does a checklist item (the model's `role`, labelled "Done by" on the pages as here, which also
    keeps its enum apart from the user's role in the schema)."""
    return serializers.ChoiceField(
        source="role",
        choices=OnboardingRole.choices,
        help_text="Who does it, resolved when an onboarding starts.",
        **kwargs,
    )


class OrderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=False,
        help_text="Every id of the list exactly once, in the new order; an order made from a stale list "
        "is a 409.",
    )


# Pipelines, stages and exit criteria


class ExitCriterionSerializer(serializers.ModelSerializer):
    # The model's column is called field_name, as is an attribute every DRF field has; the metaclass
    # takes declared fields off the class, so the two never meet at run time.
    field_name = OptionalChoiceField(  # type: ignore[assignment]
        choices=RequiredField.choices, help_text="For a field criterion."
    )
    activity_kind = OptionalChoiceField(choices=ActivityKind.choices, help_text="For an activity criterion.")
    related = OptionalChoiceField(choices=RequiredRecord.choices, help_text="For a related-record criterion.")

    class Meta:
        model = ExitCriterion
        fields = ["id", "label", "kind", "field_name", "activity_kind", "activity_subject", "related"]
        read_only_fields = fields


class ExitCriterionCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CriterionKind.choices, help_text="What the stage requires.")
    # Named as the model's column; see ExitCriterionSerializer.
    field_name = serializers.ChoiceField(  # type: ignore[assignment]
        choices=RequiredField.choices, required=False, help_text="The field to fill in, for kind=field."
    )
    activity_kind = serializers.ChoiceField(
        choices=ActivityKind.choices, required=False, help_text="The activity to log, for kind=activity."
    )
    activity_subject = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text='For kind=activity: words its subject contains, e.g. "demo".',
    )
    related = serializers.ChoiceField(
        choices=RequiredRecord.choices, required=False, help_text="The related record, for kind=related."
    )
    label = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.label, as above
        max_length=120,
        required=False,
        allow_blank=True,
        help_text='What the rep reads when it is missing; by default e.g. "Amount" or "Meeting: demo".',
    )


class StageSerializer(serializers.ModelSerializer):
    exit_criteria = ExitCriterionSerializer(
        many=True, read_only=True, help_text="What a deal needs before it moves past this stage."
    )

    class Meta:
        model = Stage
        fields = ["id", "name", "position", "probability", "kind", "exit_criteria"]
        read_only_fields = fields


class StageWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    probability = serializers.IntegerField(
        min_value=0,
        max_value=100,
        help_text="Win probability (%): weights the forecast, amount x probability.",
        error_messages={
            # Django's bound validators format their message with %, DRF's own messages with str.format.
            "min_value": PROBABILITY_MESSAGE.replace("%", "%%"),
            "max_value": PROBABILITY_MESSAGE.replace("%", "%%"),
            "invalid": PROBABILITY_MESSAGE,
            "required": PROBABILITY_MESSAGE,
            "null": PROBABILITY_MESSAGE,
        },
    )
    kind = serializers.ChoiceField(
        choices=StageKind.choices,
        default=StageKind.OPEN,
        help_text="A deal's status follows its stage. A new open stage goes after the other open ones, a "
        "won or lost one at the end.",
    )


class StageChangeSerializer(StageWriteSerializer):
    kind = serializers.ChoiceField(
        choices=StageKind.choices,
        required=False,
        help_text="Refused while deals are in the stage, or (to won or lost) while it has exit criteria.",
    )
    position = place_field("stage")


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True, help_text="In the pipeline's order.")

    class Meta:
        model = Pipeline
        fields = ["id", "name", "is_default", "is_active", "stages"]
        read_only_fields = fields


class PipelineCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class PipelineChangeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    is_active = serializers.BooleanField(
        required=False, help_text="Inactive pipelines take no new deals; their deals stay where they are."
    )
    is_default = serializers.BooleanField(
        required=False,
        help_text="true makes it the pipeline new deals go to; a default is unset by making another one the "
        "default.",
    )


class MoveToSerializer(serializers.Serializer):
    move_to = serializers.IntegerField(required=False, min_value=1)


class StageDeletionSerializer(serializers.Serializer):
    stage = serializers.CharField(help_text="The deleted stage's name.")
    moved_to = serializers.IntegerField(
        source="moved_to.pk", allow_null=True, help_text="The stage that took over its deals and history."
    )
    deals_moved = serializers.IntegerField()


# Lost reasons


class LostReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LostReason
        fields = ["id", "name", "is_active", "position"]
        read_only_fields = fields


class LostReasonCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class LostReasonChangeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    is_active = serializers.BooleanField(
        required=False,
        help_text="An inactive reason stays on the deals lost for it but is no longer offered.",
    )
    position = place_field("reason")


class LostReasonRemovalSerializer(serializers.Serializer):
    name = serializers.CharField()
    deleted = serializers.BooleanField(
        help_text="false when lost deals give the reason: it was deactivated instead, so they keep it."
    )
    deals = serializers.IntegerField(help_text="How many lost deals give the reason.")


# Onboarding templates


class OnboardingItemSerializer(serializers.ModelSerializer):
    done_by = done_by_field(read_only=True)

    class Meta:
        model = OnboardingTemplateItem
        fields = ["id", "title", "done_by", "due_offset_days", "position"]
        read_only_fields = fields


class OnboardingItemWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    done_by = done_by_field(default=OnboardingRole.DEAL_OWNER)
    due_offset_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DUE_OFFSET_DAYS,
        default=7,
        help_text="Due this many days after the win.",
        error_messages=dict.fromkeys(("min_value", "max_value", "invalid", "null"), DUE_MESSAGE),
    )


class OnboardingItemChangeSerializer(OnboardingItemWriteSerializer):
    title = serializers.CharField(max_length=200, required=False)
    done_by = done_by_field(required=False)
    due_offset_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DUE_OFFSET_DAYS,
        required=False,
        help_text="Due this many days after the win.",
        error_messages=dict.fromkeys(("min_value", "max_value", "invalid", "null"), DUE_MESSAGE),
    )
    position = place_field("item")


class OnboardingTemplateSerializer(serializers.ModelSerializer):
    items = OnboardingItemSerializer(many=True, read_only=True, help_text="The checklist, in order.")

    class Meta:
        model = OnboardingTemplate
        fields = ["id", "name", "product_line", "is_active", "items"]
        read_only_fields = fields


class OnboardingTemplateWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    product_line = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Won deals whose main product is in this line get this checklist; empty for the default "
        "template, used when no line matches.",
    )
    is_active = serializers.BooleanField(
        required=False, default=True, help_text="One template is active per product line."
    )


class OnboardingTemplateChangeSerializer(OnboardingTemplateWriteSerializer):
    name = serializers.CharField(max_length=100, required=False)
    product_line = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Empty for the default template. Changes apply to onboardings started from now on.",
    )
    is_active = serializers.BooleanField(required=False, help_text="One template is active per product line.")
