"""The deals REST API (/api/v1/deals/): thin views that parse, call a selector or service, render.

The list reads `deal_list` through the board's FilterSet, so the API, the board and the deal
list show the same deals; every write goes through sales.services, which checks the access policy
(an invisible deal is a 404, a read-only one a 403) and the stage rules. A move the exit criteria
refuse is a 400 whose body lists each `missing` item; a move over someone else's newer move (the
client sent `expected_stage`) is a 409 naming the stage the deal is in now. A won or lost deal moves
again only after POST .../reopen/: a move or a `stage` change of a closed deal is a 400 saying so.

Pages are cursor pages newest first (crm.lists.api): cursor pagination owns the order, so the
board's `ordering` parameter is not offered here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.views import FORBIDDEN, NOT_FOUND, REFUSED, actor
from sales.errors import ExitCriteriaUnmet, StaleMove
from sales.filters import DealFilter
from sales.models import Deal, DealLine, StageVisit
from sales.selectors import deal_get, deal_list
from sales.serializers import (
    DealBulkResultSerializer,
    DealBulkSerializer,
    DealChangeSerializer,
    DealDetailSerializer,
    DealLineChangeSerializer,
    DealLineSerializer,
    DealMoveSerializer,
    DealSerializer,
    ExitCriteriaRefusalSerializer,
    ReopenSerializer,
    StaleMoveSerializer,
)
from sales.services.bulk import deals_bulk_apply
from sales.services.deals import (
    deal_create,
    deal_delete,
    deal_move,
    deal_reopen,
    deal_update,
)
from sales.services.lines import deal_line_add, deal_line_remove, deal_line_update

CRITERIA_UNMET = OpenApiResponse(
    response=ExitCriteriaRefusalSerializer,
    description="A rule refuses the change. When exit criteria block a move, `missing` lists what the deal "
    "still needs; otherwise the body names the field and says why.",
)
STALE = OpenApiResponse(
    response=StaleMoveSerializer,
    description="Someone moved the deal after `expected_stage`; it stays where they put it.",
)


class StaleMoveConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_move"

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__()
        # Set as is: APIException would turn the stage id into a string.
        self.detail = body


@contextmanager
def stage_refusals(*, request: Request, deal_id: int | None) -> Iterator[None]:
    """Renders the stage rules' refusals with what a client needs to act on them."""
    try:
        yield
    except ExitCriteriaUnmet as error:
        raise ValidationError({"stage": [error.message], "missing": error.missing}) from error
    except StaleMove as error:
        current = deal_get(user=actor(request), pk=deal_id) if deal_id else None
        raise StaleMoveConflict(
            {
                "stage": [error.message],
                "current_stage": current.stage_id if current else None,
                "current_stage_name": error.current_stage,
            }
        ) from error


def deal_detail(*, request: Request, pk: int) -> Deal:
    """The deal with its lines and stage history: three queries however long either list is."""
    deal = deal_get(user=actor(request), pk=pk)
    prefetch_related_objects(
        [deal],
        Prefetch("lines", queryset=DealLine.objects.select_related("product")),
        Prefetch("stage_visits", queryset=StageVisit.objects.select_related("stage", "entered_by")),
    )
    return deal


class DealApiFilter(DealFilter):
    ordering = None


@extend_schema(tags=["deals"])
@extend_schema_view(
    list=extend_schema(summary="List the deals you may see, with the board's filters"),
    retrieve=extend_schema(
        summary="Read one deal with its lines, stage history and source lead",
        responses={200: DealDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Create a deal (in the pipeline's first open stage unless `stage` says otherwise)",
        request=DealSerializer,
        responses={
            201: DealDetailSerializer,
            400: CRITERIA_UNMET,
            403: OpenApiResponse(description="Your role cannot create deals, or not for that owner."),
        },
    ),
    partial_update=extend_schema(
        summary="Change some of a deal's fields; a `stage` moves it once the other fields are saved",
        request=DealChangeSerializer,
        responses={
            200: DealDetailSerializer,
            400: CRITERIA_UNMET,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: STALE,
        },
    ),
    destroy=extend_schema(
        summary="Delete a deal (won deals: admins only)",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class DealViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Deals: what is being sold to which account. Reps work their own (and, if the sales settings say
    so, read their team's), managers their teams', admins all; marketers and support agents read them."""

    serializer_class = DealSerializer
    filterset_class = DealApiFilter
    queryset = Deal.objects.none()

    def get_queryset(self) -> QuerySet[Deal]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return Deal.objects.none()
        return deal_list(user=actor(self.request)).select_related("pipeline", "primary_contact")

    def retrieve(self, request: Request, pk: int) -> Response:
        return self._detail(pk)

    def create(self, request: Request) -> Response:
        serializer = DealSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with stage_refusals(request=request, deal_id=None):
            deal = deal_create(actor=actor(request), fields=serializer.validated_data)
        return self._detail(deal.pk, code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        serializer = DealChangeSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        expected_stage = fields.pop("expected_stage", None)
        with stage_refusals(request=request, deal_id=pk):
            deal_update(actor=actor(request), deal_id=pk, fields=fields, expected_stage_id=expected_stage)
        return self._detail(pk)

    def destroy(self, request: Request, pk: int) -> Response:
        deal_delete(actor=actor(request), deal_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move an open deal to a stage (on, back, won, or lost with a reason)",
        request=DealMoveSerializer,
        responses={
            200: DealDetailSerializer,
            400: CRITERIA_UNMET,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: STALE,
        },
    )
    def move(self, request: Request, pk: int) -> Response:
        serializer = DealMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with stage_refusals(request=request, deal_id=pk):
            deal_move(
                actor=actor(request),
                deal_id=pk,
                stage_id=data["stage"].pk,
                expected_stage_id=data.get("expected_stage"),
                lost_reason_id=data["lost_reason"].pk if data.get("lost_reason") else None,
                lost_note=data["lost_note"],
                close_date=data.get("close_date"),
                closed_at=data.get("closed_at"),
            )
        return self._detail(pk)

    @extend_schema(
        summary="Reopen a won or lost deal in an open stage (a closed deal does not move otherwise)",
        request=ReopenSerializer,
        responses={200: DealDetailSerializer, 400: CRITERIA_UNMET, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def reopen(self, request: Request, pk: int) -> Response:
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with stage_refusals(request=request, deal_id=pk):
            deal_reopen(
                actor=actor(request),
                deal_id=pk,
                stage_id=data.get("stage"),
                close_date=data.get("close_date"),
            )
        return self._detail(pk)

    @extend_schema(
        summary="Assign, move, set the forecast category of, or delete many deals",
        description="Each deal is changed or refused on its own; one refusal never undoes the others.",
        request=DealBulkSerializer,
        responses={200: DealBulkResultSerializer, 400: REFUSED},
    )
    def bulk(self, request: Request) -> Response:
        serializer = DealBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = deals_bulk_apply(
            actor=actor(request),
            action=data["action"],
            deal_ids=data["ids"],
            owner=data.get("owner"),
            stage=data.get("stage"),
            lost_reason=data.get("lost_reason"),
            forecast_category=data.get("forecast_category") or "",
        )
        return Response(DealBulkResultSerializer(result).data)

    def _detail(self, pk: int, *, code: int = status.HTTP_200_OK) -> Response:
        deal = deal_detail(request=self.request, pk=pk)
        serializer = DealDetailSerializer(deal, context=self.get_serializer_context())
        return Response(serializer.data, status=code)


@extend_schema(tags=["deals"])
@extend_schema_view(
    list=extend_schema(
        summary="List a deal's product lines",
        responses={200: DealLineSerializer(many=True), 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add a product to a deal (its amount becomes the lines' sum)",
        request=DealLineSerializer,
        responses={201: DealLineSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change a line's quantity, price or discount",
        request=DealLineChangeSerializer,
        responses={200: DealLineSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Remove a line from a deal", responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
)
class DealLineViewSet(viewsets.GenericViewSet):
    """A deal's product lines; closed deals' lines are fixed (400 naming `lines`)."""

    serializer_class = DealLineSerializer
    pagination_class = None
    queryset = DealLine.objects.none()

    def list(self, request: Request, pk: int) -> Response:
        lines = deal_get(user=actor(request), pk=pk).lines.select_related("product")
        return Response(DealLineSerializer(lines, many=True).data)

    def create(self, request: Request, pk: int) -> Response:
        serializer = DealLineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        line = deal_line_add(actor=actor(request), deal_id=pk, **serializer.validated_data)
        return Response(DealLineSerializer(line).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int, line_id: int) -> Response:
        line = self._line(pk, line_id)
        serializer = DealLineChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes: dict[str, Any] = {
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount": line.discount,
            **serializer.validated_data,
        }
        line = deal_line_update(actor=actor(request), line_id=line.pk, **changes)
        return Response(DealLineSerializer(line).data)

    def destroy(self, request: Request, pk: int, line_id: int) -> Response:
        deal_line_remove(actor=actor(request), line_id=self._line(pk, line_id).pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _line(self, pk: int, line_id: int) -> DealLine:
        line = (
            deal_get(user=actor(self.request), pk=pk)
            .lines.select_related("product")
            .filter(pk=line_id)
            .first()
        )
        if line is None:
            raise Http404
        return line
