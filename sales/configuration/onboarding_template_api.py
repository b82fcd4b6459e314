"""Onboarding templates through the API, for admins only as on their settings pages: the checklists a
won customer's onboarding is made from. Templates are deactivated rather than deleted, as on the pages.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.views import ADMINS_ONLY, NOT_FOUND, REFUSED, STALE_ORDER, actor, record_id
from sales.models import OnboardingTemplate, OnboardingTemplateItem

from . import onboarding_templates as services
from .api_serializers import (
    OnboardingItemChangeSerializer,
    OnboardingItemSerializer,
    OnboardingItemWriteSerializer,
    OnboardingTemplateChangeSerializer,
    OnboardingTemplateSerializer,
    OnboardingTemplateWriteSerializer,
    OrderSerializer,
)
from .selectors import onboarding_item_get, onboarding_template_for_admin, onboarding_templates_for_admin


@extend_schema(tags=["onboarding"])
@extend_schema_view(
    list=extend_schema(
        summary="List the onboarding templates with their checklists",
        responses={200: OnboardingTemplateSerializer(many=True), 403: ADMINS_ONLY},
    ),
    retrieve=extend_schema(
        summary="Read one onboarding template",
        responses={200: OnboardingTemplateSerializer, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add an onboarding template",
        request=OnboardingTemplateWriteSerializer,
        responses={201: OnboardingTemplateSerializer, 400: REFUSED, 403: ADMINS_ONLY},
    ),
    partial_update=extend_schema(
        summary="Rename a template, change its product line or (de)activate it",
        description="Changes apply to onboardings started from now on; started ones keep their checklist.",
        request=OnboardingTemplateChangeSerializer,
        responses={200: OnboardingTemplateSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
)
class OnboardingTemplateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OnboardingTemplateSerializer
    pagination_class = None
    queryset = OnboardingTemplate.objects.none()

    def get_queryset(self) -> QuerySet[OnboardingTemplate]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return OnboardingTemplate.objects.none()
        return onboarding_templates_for_admin(user=actor(self.request))

    def retrieve(self, request: Request, pk: str) -> Response:
        return _template(request, record_id(pk))

    def create(self, request: Request) -> Response:
        serializer = OnboardingTemplateWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.onboarding_template_create(actor=actor(request), **serializer.validated_data)
        response = _template(request, template.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = OnboardingTemplateChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        template = services.onboarding_template_change(
            actor=actor(request), template_id=record_id(pk), fields=serializer.validated_data
        )
        return _template(request, template.pk)


def _template(request: Request, pk: int) -> Response:
    return Response(
        OnboardingTemplateSerializer(onboarding_template_for_admin(user=actor(request), pk=pk)).data
    )


@extend_schema(tags=["onboarding"])
@extend_schema_view(
    create=extend_schema(
        summary="Add an item at the end of a template's checklist",
        request=OnboardingItemWriteSerializer,
        responses={201: OnboardingItemSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change a checklist item's title, who does it, when it is due or its place",
        request=OnboardingItemChangeSerializer,
        responses={200: OnboardingItemSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Remove an item from the checklist (onboardings already started keep their task)",
        responses={204: None, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    order=extend_schema(
        summary="Put a template's checklist in a new order",
        request=OrderSerializer,
        responses={200: OnboardingTemplateSerializer, 403: ADMINS_ONLY, 404: NOT_FOUND, 409: STALE_ORDER},
    ),
)
class OnboardingTemplateItemViewSet(viewsets.GenericViewSet):
    serializer_class = OnboardingItemSerializer
    pagination_class = None
    queryset = OnboardingTemplateItem.objects.none()

    def create(self, request: Request, pk: int) -> Response:
        serializer = OnboardingItemWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.onboarding_template_item_add(
            actor=actor(request), template_id=pk, **serializer.validated_data
        )
        return Response(OnboardingItemSerializer(item).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int, item_id: int) -> Response:
        serializer = OnboardingItemChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        self._check(request, pk, item_id)
        item = services.onboarding_template_item_change(
            actor=actor(request), item_id=item_id, fields=serializer.validated_data
        )
        return Response(OnboardingItemSerializer(item).data)

    def destroy(self, request: Request, pk: int, item_id: int) -> Response:
        self._check(request, pk, item_id)
        services.onboarding_template_item_remove(actor=actor(request), item_id=item_id, template_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["post"])
    def order(self, request: Request, pk: int) -> Response:
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.onboarding_template_items_reorder(
            actor=actor(request), template_id=pk, item_ids=serializer.validated_data["order"]
        )
        return _template(request, pk)

    def _check(self, request: Request, pk: int, item_id: int) -> None:
        """Only admins learn which items exist (403 first), and an item is found in its own template."""
        onboarding_template_for_admin(user=actor(request), pk=pk)
        onboarding_item_get(pk=item_id, template_id=pk)
