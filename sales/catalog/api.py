"""The product catalogue through the API.

Products come in cursor pages newest first; sellers and admins read them, only admins create and change
them (sales.catalog.services, which words the SKU and price refusals).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.serializers import CurrencyField
from crm.api.views import ADMINS_ONLY, NOT_FOUND, actor
from sales.catalog.selectors import product_get, product_list
from sales.catalog.services import product_create, product_update
from sales.models import Product


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
