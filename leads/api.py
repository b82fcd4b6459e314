"""The leads REST API (/api/v1/leads/): thin views that parse, call one selector or service, and render.

The list reads `lead_list` through the lead list page's FilterSet, so the API and the page show the
same leads; every write goes through leads.services, which checks the access policy (an invisible
lead is a 404, a read-only one or a field the role may not change is a 403) and the transition table
(a refused status is a 400 naming `status`).

Ordering: `?ordering=` takes -created_at (the default, as on the page), created_at, -score or score,
on the API's keyset pages (crm.lists.api): the cursor holds the column and the id after it, so
each page is one index range scan however many leads share a score; a cursor from another sort is a
400. Scores change as leads are rescored, so a lead rescored while a client pages by score can
show up on two pages or on none: page by created_at, or use GET /api/v1/leads/export/ (the same
filters and orderings, every matching lead in one streamed CSV file). The page's other sorts
(name, company, status) are not offered, so the API FilterSet drops the page's `ordering` filter and
the paginator validates and documents its own.
"""

from __future__ import annotations

from typing import ClassVar

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.views import FORBIDDEN, NOT_FOUND, REFUSED, actor, record_id
from crm.lists.api import CursorPagination
from crm.lists.filters import ExternalKeyFilterSet
from crm.records import external_key_match
from leads.services.leads import lead_change_status, lead_create, lead_delete, lead_update, leads_bulk_apply

from .exporting.views import csv_response
from .filters import LeadFilter
from .models import Lead, LeadSource
from .selectors import lead_get, lead_list
from .serializers import (
    LeadBulkResultSerializer,
    LeadBulkSerializer,
    LeadSerializer,
    LeadStatusChangeSerializer,
)


class LeadApiFilter(ExternalKeyFilterSet, LeadFilter):
    ordering = None


class LeadPagination(CursorPagination):
    orderings: ClassVar[dict[str, str]] = {
        "-created_at": "Newest first",
        "created_at": "Oldest first",
        "-score": "Highest score first",
        "score": "Lowest score first",
    }
    default_ordering = "-created_at"


@extend_schema(tags=["leads"])
@extend_schema_view(
    list=extend_schema(summary="List the leads you may see"),
    retrieve=extend_schema(summary="Read one lead", responses={200: LeadSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Create a lead, or update the one with the same external id",
        responses={
            200: LeadSerializer,
            201: LeadSerializer,
            400: REFUSED,
            403: OpenApiResponse(description="Your role cannot create leads."),
            409: OpenApiResponse(description="Another lead you may not see has this external id."),
        },
    ),
    update=extend_schema(
        summary="Replace a lead's fields",
        responses={200: LeadSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change some of a lead's fields",
        responses={200: LeadSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    destroy=extend_schema(summary="Delete a lead", responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND}),
    change_status=extend_schema(
        summary="Move a lead to another status (a reason is required to disqualify)",
        request=LeadStatusChangeSerializer,
        responses={200: LeadSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    bulk=extend_schema(
        summary="Assign, change the status of, tag or delete many leads",
        description="Each lead is changed or refused on its own; one refusal never undoes the others.",
        request=LeadBulkSerializer,
        responses={200: LeadBulkResultSerializer, 400: REFUSED},
    ),
)
class LeadViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Leads: people and companies that might buy. Reps work their own and their queues, managers
    their teams', marketers read every lead and change its marketing fields."""

    serializer_class = LeadSerializer
    filterset_class = LeadApiFilter
    pagination_class = LeadPagination
    queryset = Lead.objects.none()

    def get_queryset(self) -> QuerySet[Lead]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return Lead.objects.none()
        return lead_list(user=actor(self.request))

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(lead_get(user=actor(request), pk=record_id(pk))).data)

    def create(self, request: Request) -> Response:
        """Creates the lead, or updates the one that already has the posted external id."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        existing = external_key_match(actor=actor(request), model=Lead, fields=fields)
        if existing is not None:
            lead = lead_update(actor=actor(request), lead_id=existing, fields=fields)
            return Response(self.get_serializer(lead).data)
        lead = lead_create(actor=actor(request), fields={"source": LeadSource.API, **fields})
        return Response(self.get_serializer(lead).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, record_id(pk), partial=False)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, record_id(pk), partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        lead_delete(actor=actor(request), lead_id=record_id(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request: Request, pk: str) -> Response:
        serializer = LeadStatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = lead_change_status(
            actor=actor(request),
            lead_id=record_id(pk),
            status=serializer.validated_data["status"],
            reason=serializer.validated_data["reason"],
        )
        return Response(LeadSerializer(lead).data)

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        serializer = LeadBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = leads_bulk_apply(
            actor=actor(request),
            action=data["action"],
            lead_ids=data["ids"],
            owner=data.get("owner"),
            status=data.get("status") or "",
            reason=data.get("reason") or "",
            tag=data.get("tag") or "",
        )
        return Response(LeadBulkResultSerializer(result).data)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        lead = lead_update(actor=actor(request), lead_id=pk, fields=serializer.validated_data)
        return Response(self.get_serializer(lead).data)


@extend_schema(
    tags=["leads"],
    summary="Download the leads you may see as CSV",
    description="Every lead matching the filters, not one page: a CSV file (UTF-8 with a byte order "
    "mark, a header row) streamed as it is read. Cells that a spreadsheet would run as a formula start "
    "with an apostrophe.",
    filters=True,
    parameters=[
        OpenApiParameter(
            "ordering",
            enum=list(LeadPagination.orderings),
            default=LeadPagination.default_ordering,
            description=LeadPagination.ordering_description(),
        )
    ],
    responses={(200, "text/csv"): OpenApiTypes.STR, 400: REFUSED},
)
class LeadExportView(GenericAPIView):
    """GET /api/v1/leads/export/: the API list's leads, filters and orderings, as one CSV file."""

    filterset_class = LeadApiFilter
    queryset = Lead.objects.none()
    pagination_class = None

    def get_queryset(self) -> QuerySet[Lead]:
        if getattr(self, "swagger_fake_view", False):
            return Lead.objects.none()
        return lead_list(user=actor(self.request))

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # The body is always CSV; a client asking for text/csv gets it, and errors come back as JSON.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request: Request) -> StreamingHttpResponse:
        ordering = LeadPagination().get_ordering(request)
        return csv_response(self.filter_queryset(self.get_queryset()), ordering=[ordering])
