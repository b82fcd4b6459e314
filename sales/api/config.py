"""The sales configuration through the API: pipelines with their stages and exit criteria, lost reasons
(both read-only here; admins shape them on the settings pages) and the product catalogue.

Pipelines and lost reasons are short admin-made lists, so they come whole, unpaginated, in a fixed
number of queries. Products come in cursor pages newest first; sellers and admins read them, only
admins create and change them (sales.catalog.services, which words the SKU and price refusals).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.serializers import CurrencyField
from crm.api.views import NOT_FOUND, actor
from crm.models import ActivityKind
from sales.catalog.selectors import product_get, product_list
from sales.catalog.services import product_create, product_update
from sales.configuration.selectors import lost_reason_rows, pipeline_rows
from sales.models import (
    ExitCriterion,
    LostReason,
    Pipeline,
    Product,
    RequiredField,
    RequiredRecord,
    Stage,
)

ADMINS_ONLY = OpenApiResponse(description="Only admins maintain the catalogue.")


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


class ProductSerializer(serializers.ModelSerializer):
    currency = CurrencyField(required=False, help_text="Defaults to the sales settings' currency.")

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "description",
            "product_line",
            "unit_price",
            "currency",
            "tax_rate",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # The service checks the SKU and says which product already has it.
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {"sku": {"validators": []}}


class ProductQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    # Absent means both; "null" or anything but a boolean is refused, as the schema says.
    active = serializers.BooleanField(required=False, default=None)


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


@extend_schema(tags=["products"])
@extend_schema_view(
    list=extend_schema(
        summary="List the products, optionally searched by name or SKU",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Part of the name or SKU."),
            OpenApiParameter(
                "active", OpenApiTypes.BOOL, description="Only products on sale (true) or retired (false)."
            ),
        ],
        responses={200: ProductSerializer(many=True), 403: OpenApiResponse(description="Not in sales.")},
    ),
    retrieve=extend_schema(summary="Read one product", responses={200: ProductSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Add a product to the catalogue",
        responses={
            201: ProductSerializer,
            400: OpenApiResponse(description="A field is refused."),
            403: ADMINS_ONLY,
        },
    ),
    partial_update=extend_schema(
        summary="Change a product (deals already priced from it keep their prices)",
        responses={
            200: ProductSerializer,
            400: OpenApiResponse(description="A field is refused."),
            403: ADMINS_ONLY,
            404: NOT_FOUND,
        },
    ),
)
class ProductViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ProductSerializer
    queryset = Product.objects.none()

    def get_queryset(self) -> QuerySet[Product]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return Product.objects.none()
        # A plain dict: from a query string, DRF would read a missing boolean as false.
        query = ProductQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        return product_list(
            user=actor(self.request), search=query.validated_data["q"], active=query.validated_data["active"]
        )

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(product_get(user=actor(request), pk=pk)).data)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = product_create(actor=actor(request), fields=serializer.validated_data)
        return Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        product = product_update(actor=actor(request), product_id=pk, fields=serializer.validated_data)
        return Response(self.get_serializer(product).data)


urlpatterns = [
    path("pipelines/", PipelineViewSet.as_view({"get": "list"}), name="api-pipeline-list"),
    path("pipelines/<int:pk>/", PipelineViewSet.as_view({"get": "retrieve"}), name="api-pipeline-detail"),
    path("lost-reasons/", LostReasonViewSet.as_view({"get": "list"}), name="api-lost-reason-list"),
    path("products/", ProductViewSet.as_view({"get": "list", "post": "create"}), name="api-product-list"),
    path(
        "products/<int:pk>/",
        ProductViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-product-detail",
    ),
]
