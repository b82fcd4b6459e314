"""The sales configuration through the API: pipelines with their stages and exit criteria, and lost
reasons (both read-only here; admins shape them on the settings pages).

Pipelines and lost reasons are short admin-made lists, so they come whole, unpaginated, in a fixed
number of queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from crm.api.views import NOT_FOUND
from crm.models import ActivityKind
from sales.configuration.selectors import lost_reason_rows, pipeline_rows
from sales.models import (
    ExitCriterion,
    LostReason,
    Pipeline,
    RequiredField,
    RequiredRecord,
    Stage,
)


class OptionalChoiceField(serializers.ChoiceField):
    """A choice the record may leave blank: null in the API, never a "" outside the documented enum."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value else None


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


class StageSerializer(serializers.ModelSerializer):
    exit_criteria = ExitCriterionSerializer(
        many=True, read_only=True, help_text="What a deal needs before it moves past this stage."
    )

    class Meta:
        model = Stage
        fields = ["id", "name", "position", "probability", "kind", "exit_criteria"]
        read_only_fields = fields


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True, help_text="In the pipeline's order.")

    class Meta:
        model = Pipeline
        fields = ["id", "name", "is_default", "is_active", "stages"]
        read_only_fields = fields


class LostReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LostReason
        fields = ["id", "name", "is_active", "position"]
        read_only_fields = fields


def pipelines_with_stages() -> QuerySet[Pipeline]:
    stages = Stage.objects.order_by("position", "id").prefetch_related(
        Prefetch("exit_criteria", queryset=ExitCriterion.objects.order_by("id"))
    )
    return pipeline_rows().prefetch_related(Prefetch("stages", queryset=stages))


@extend_schema(tags=["pipelines"])
@extend_schema_view(
    list=extend_schema(summary="List the pipelines with their ordered stages and exit criteria"),
    retrieve=extend_schema(summary="Read one pipeline", responses={200: PipelineSerializer, 404: NOT_FOUND}),
)
class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PipelineSerializer
    pagination_class = None
    queryset = Pipeline.objects.none()

    def get_queryset(self) -> QuerySet[Pipeline]:
        return pipelines_with_stages()


@extend_schema(tags=["pipelines"])
@extend_schema_view(list=extend_schema(summary="List the reasons a deal can be lost (inactive ones too)"))
class LostReasonViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = LostReasonSerializer
    pagination_class = None
    queryset = LostReason.objects.none()

    def get_queryset(self) -> QuerySet[LostReason]:
        return lost_reason_rows()
