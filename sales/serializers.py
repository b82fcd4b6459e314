"""The shapes the sales API reads and writes; rules live in sales.services, visibility in the selectors.

Related records are written as primary keys and read back with their names beside them (`stage` and
`stage_name`); every name on a list row comes from a join of `deal_list`, so a page of deals
costs the same queries as one. A deal's detail adds its lines, its stage history and where it came
from, each read in one prefetch query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers

from crm.api.serializers import CurrencyField, name_of
from crm.customers.selectors import contact_list
from crm.customers.serializers import VisibleAccountField
from crm.models import Contact, User
from sales.models import (
    Deal,
    DealLine,
    ForecastCategory,
    LostReason,
    Pipeline,
    Stage,
    StageVisit,
)
from sales.services.bulk import BULK_ACTIONS as SERVICE_BULK_ACTIONS
from sales.services.bulk import MAX_BULK_DEALS

BULK_ACTIONS = list(SERVICE_BULK_ACTIONS.items())
# The input each bulk action needs besides the ids.
BULK_ACTION_NEEDS = {"assign": "owner", "move": "stage", "forecast": "forecast_category"}


class VisibleContactField(serializers.PrimaryKeyRelatedField):
    """A contact the requesting user may see; any other id reads as one that does not exist."""

    def get_queryset(self) -> QuerySet[Contact]:
        return contact_list(user=self.context["request"].user)


class DealSerializer(serializers.ModelSerializer):
    account = VisibleAccountField(
        required=False,
        allow_null=True,
        help_text="The account it is sold to; null (or left out on create) for a deal without one.",
    )
    account_name = name_of("account")
    primary_contact = VisibleContactField(
        required=False,
        allow_null=True,
        help_text="One of the account's contacts (without an account, a contact without one).",
    )
    primary_contact_name = name_of("primary_contact")
    pipeline_name = name_of("pipeline")
    stage = serializers.PrimaryKeyRelatedField(
        queryset=Stage.objects.select_related("pipeline"),
        required=False,
        help_text="Left out on create, the pipeline's first open stage. Moving goes past the exit "
        "criteria of every stage it skips.",
    )
    stage_name = name_of("stage")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text="Defaults to you."
    )
    owner_name = name_of("owner")
    weighted_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text="The amount times the stage's win probability.",
    )
    currency = CurrencyField(required=False, help_text="Defaults to the sales settings' currency.")

    class Meta:
        model = Deal
        fields = [
            "id",
            "name",
            "account",
            "account_name",
            "primary_contact",
            "primary_contact_name",
            "pipeline",
            "pipeline_name",
            "stage",
            "stage_name",
            "status",
            "amount",
            "weighted_amount",
            "currency",
            "close_date",
            "owner",
            "owner_name",
            "type",
            "forecast_category",
            "next_step",
            "next_step_due",
            "lost_reason",
            "lost_note",
            "closed_at",
            "contract_start",
            "contract_end",
            "source_lead",
            "renewal_of",
            "stage_changed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "lost_reason",
            "closed_at",
            "source_lead",
            "renewal_of",
            "stage_changed_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "pipeline": {
                "queryset": Pipeline.objects.filter(is_active=True),
                "required": False,
                "help_text": "Defaults to the stage's pipeline, else the default pipeline.",
            },
            "amount": {"help_text": "With product lines, their sum (change the lines instead)."},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        stage, pipeline = attrs.get("stage"), attrs.get("pipeline")
        if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
            raise serializers.ValidationError(
                {"stage": [f"{stage} is not a stage of the pipeline {pipeline}."]}
            )
        return attrs


class DealChangeSerializer(DealSerializer):
    """A partial change; a `stage` in it moves the deal after the other fields are saved."""

    lost_reason = serializers.PrimaryKeyRelatedField(
        queryset=LostReason.objects.filter(is_active=True),
        required=False,
        help_text="Why the deal was lost: required when `stage` is a lost stage.",
    )
    expected_stage = serializers.IntegerField(
        write_only=True,
        required=False,
        min_value=1,
        help_text="The stage you saw the deal in: if someone moved it since, the move is refused (409).",
    )

    class Meta(DealSerializer.Meta):
        fields = [*DealSerializer.Meta.fields, "expected_stage"]
        # The pipeline follows the stage: moving to another pipeline's stage moves the deal there.
        extra_kwargs = {**DealSerializer.Meta.extra_kwargs, "pipeline": {"read_only": True}}


class DealLineSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    unit_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="Defaults to the product's catalogue price.",
    )
    total = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="Quantity x price, less the discount."
    )

    class Meta:
        model = DealLine
        fields = [
            "id",
            "product",
            "product_name",
            "product_sku",
            "quantity",
            "unit_price",
            "discount",
            "total",
        ]


class DealLineChangeSerializer(DealLineSerializer):
    class Meta(DealLineSerializer.Meta):
        read_only_fields = ["product"]


class StageVisitSerializer(serializers.ModelSerializer):
    stage_name = name_of("stage")
    entered_by_name = name_of("entered_by")
    seconds_in_stage = serializers.SerializerMethodField(
        help_text="How long the deal stayed in the stage (until now for the current stage)."
    )

    class Meta:
        model = StageVisit
        fields = [
            "stage",
            "stage_name",
            "entered_at",
            "left_at",
            "entered_by",
            "entered_by_name",
            "seconds_in_stage",
        ]
        read_only_fields = fields

    def get_seconds_in_stage(self, visit: StageVisit) -> int:
        until: datetime = visit.left_at or timezone.now()
        return max(int((until - visit.entered_at).total_seconds()), 0)


class AttributionSerializer(serializers.Serializer):
    """Where a converted deal came from: its lead and that lead's campaign parameters."""

    lead = serializers.IntegerField(source="pk")
    lead_source = serializers.CharField(source="source")
    utm_source = serializers.CharField()
    utm_medium = serializers.CharField()
    utm_campaign = serializers.CharField()


class DealDetailSerializer(DealSerializer):
    lost_reason_name = name_of("lost_reason")
    lines = DealLineSerializer(many=True, read_only=True)
    stage_history = StageVisitSerializer(
        source="stage_visits", many=True, read_only=True, help_text="Every stay in a stage, oldest first."
    )
    attribution = AttributionSerializer(
        source="source_lead", read_only=True, allow_null=True, help_text="Null unless converted from a lead."
    )

    class Meta(DealSerializer.Meta):
        fields = [
            *DealSerializer.Meta.fields,
            "lost_reason_name",
            "lines",
            "stage_history",
            "attribution",
        ]


class DealMoveSerializer(serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    expected_stage = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The stage you saw the deal in: if someone moved it since, the move is refused (409).",
    )
    lost_reason = serializers.PrimaryKeyRelatedField(
        queryset=LostReason.objects.filter(is_active=True),
        required=False,
        help_text="Required to move to a lost stage.",
    )
    lost_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    close_date = serializers.DateField(
        required=False,
        help_text="The expected close date, saved with the move; a win or a loss keeps it as it is.",
    )
    closed_at = serializers.DateTimeField(
        required=False,
        help_text="For a win or a loss: when it happened (not in the future); left out, now.",
    )


class ReopenSerializer(serializers.Serializer):
    stage = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="An open stage of the deal's pipeline; left out, the last open stage it was in.",
    )
    close_date = serializers.DateField(
        required=False, help_text="A new expected close date: required when the old one has passed."
    )


class ExitCriteriaRefusalSerializer(serializers.Serializer):
    """A refused write: like every 400, each refused field with its messages; when exit criteria block
    the move, `stage` says so and `missing` lists them."""

    stage = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="What the deal needs, as a sentence."
    )
    missing = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Each unmet exit criterion, in the pipeline's order.",
    )


class StaleMoveSerializer(serializers.Serializer):
    stage = serializers.ListField(child=serializers.CharField(), help_text="Who moved the deal, and where.")
    current_stage = serializers.IntegerField(help_text="The stage the deal is in now.")
    current_stage_name = serializers.CharField()


class DealBulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=MAX_BULK_DEALS
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text='For "assign": the new owner.'
    )
    stage = serializers.PrimaryKeyRelatedField(
        queryset=Stage.objects.all(), required=False, help_text='For "move": the stage.'
    )
    lost_reason = serializers.PrimaryKeyRelatedField(
        queryset=LostReason.objects.filter(is_active=True),
        required=False,
        help_text='For "move" to a lost stage: why.',
    )
    forecast_category = serializers.ChoiceField(
        choices=ForecastCategory.choices, required=False, help_text='For "forecast".'
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needed = BULK_ACTION_NEEDS.get(attrs["action"])
        if needed is not None and needed not in attrs:
            raise serializers.ValidationError({needed: [f'Give "{needed}" to {attrs["action"]} deals.']})
        return attrs


class DealBulkResultSerializer(serializers.Serializer):
    changed = serializers.ListField(child=serializers.IntegerField(), help_text="The deals changed.")
    refused = serializers.DictField(
        child=serializers.CharField(), help_text="Each deal left unchanged, by id, with the reason."
    )
