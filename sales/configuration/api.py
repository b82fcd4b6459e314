"""The sales configuration through the API: pipelines with their stages and exit criteria, and lost
reasons. Every signed-in user reads them; only admins change them, through the services the settings
pages call (which refuse anyone else with a 403 and word every other refusal as the pages show it).

Pipelines and lost reasons are short admin-made lists, so they come whole, unpaginated, in a fixed
number of queries. Pipelines are deactivated rather than deleted (deals keep theirs), so they have no
DELETE; neither do the settings pages.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.views import ADMINS_ONLY, NOT_FOUND, REFUSED, STALE_ORDER, actor, record_id
from crm.errors import NotFound
from sales.models import ExitCriterion, LostReason, Pipeline, Stage

from . import criteria, lost_reasons, pipelines
from .api_serializers import (
    ExitCriterionCreateSerializer,
    ExitCriterionSerializer,
    LostReasonChangeSerializer,
    LostReasonCreateSerializer,
    LostReasonRemovalSerializer,
    LostReasonSerializer,
    MoveToSerializer,
    OrderSerializer,
    PipelineChangeSerializer,
    PipelineCreateSerializer,
    PipelineSerializer,
    StageChangeSerializer,
    StageDeletionSerializer,
    StageSerializer,
    StageWriteSerializer,
)
from .selectors import lost_reason_get, lost_reason_rows, pipeline_rows, pipeline_stage_get


def _stages() -> QuerySet[Stage]:
    return Stage.objects.order_by("position", "id").prefetch_related(
        Prefetch("exit_criteria", queryset=ExitCriterion.objects.order_by("id"))
    )


def pipelines_with_stages() -> QuerySet[Pipeline]:
    return pipeline_rows().prefetch_related(Prefetch("stages", queryset=_stages()))


def _pipeline(pk: int) -> Response:
    return Response(PipelineSerializer(pipelines_with_stages().get(pk=pk)).data)


@extend_schema(tags=["pipelines"])
@extend_schema_view(
    list=extend_schema(summary="List the pipelines with their ordered stages and exit criteria"),
    retrieve=extend_schema(summary="Read one pipeline", responses={200: PipelineSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Add a pipeline (active, with an open, a won and a lost stage to adapt)",
        request=PipelineCreateSerializer,
        responses={201: PipelineSerializer, 400: REFUSED, 403: ADMINS_ONLY},
    ),
    partial_update=extend_schema(
        summary="Rename a pipeline, (de)activate it or make it the default",
        description="All or nothing. The default pipeline cannot be deactivated, nor the only active one; "
        "an inactive one becomes the default only if it is activated too.",
        request=PipelineChangeSerializer,
        responses={200: PipelineSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
)
class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PipelineSerializer
    pagination_class = None
    queryset = Pipeline.objects.none()

    def get_queryset(self) -> QuerySet[Pipeline]:
        return pipelines_with_stages()

    def create(self, request: Request) -> Response:
        serializer = PipelineCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pipeline = pipelines.pipeline_create(actor=actor(request), name=serializer.validated_data["name"])
        response = _pipeline(pipeline.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = PipelineChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        pipeline = pipelines.pipeline_change(
            actor=actor(request), pipeline_id=record_id(pk), fields=serializer.validated_data
        )
        return _pipeline(pipeline.pk)


MOVE_TO = OpenApiParameter(
    "move_to",
    OpenApiTypes.INT,
    description="Another stage of the pipeline, of the same kind, to take over the deleted stage's deals and "
    "history; needed when deals are or have been in it.",
)


@extend_schema(tags=["pipelines"])
@extend_schema_view(
    retrieve=extend_schema(
        summary="Read one stage of a pipeline", responses={200: StageSerializer, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Add a stage to a pipeline",
        description="An open stage goes after the other open ones, a won or lost one at the end.",
        request=StageWriteSerializer,
        responses={201: StageSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change a stage's name, win probability, kind or place",
        description="All or nothing. Won and lost stages come after the open ones; the kind of a stage "
        "that holds deals does not change.",
        request=StageChangeSerializer,
        responses={200: StageSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete a stage, moving its deals and history to another one",
        parameters=[MOVE_TO],
        responses={200: StageDeletionSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    order=extend_schema(
        summary="Put a pipeline's stages in a new order",
        request=OrderSerializer,
        responses={200: PipelineSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND, 409: STALE_ORDER},
    ),
)
class StageViewSet(viewsets.GenericViewSet):
    serializer_class = StageSerializer
    pagination_class = None
    queryset = Stage.objects.none()

    def retrieve(self, request: Request, pk: int, stage_id: int) -> Response:
        return Response(StageSerializer(self._stage(pk, stage_id)).data)

    def create(self, request: Request, pk: int) -> Response:
        serializer = StageWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stage = pipelines.stage_create(actor=actor(request), pipeline_id=pk, **serializer.validated_data)
        return Response(StageSerializer(self._stage(pk, stage.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int, stage_id: int) -> Response:
        serializer = StageChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        stage = self._stage(pk, stage_id)
        pipelines.stage_change(actor=actor(request), stage_id=stage.pk, fields=serializer.validated_data)
        return Response(StageSerializer(self._stage(pk, stage_id)).data)

    def destroy(self, request: Request, pk: int, stage_id: int) -> Response:
        query = MoveToSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        stage = pipeline_stage_get(pipeline_id=pk, pk=stage_id)
        result = pipelines.stage_delete(
            actor=actor(request), stage_id=stage.pk, move_to_id=query.validated_data.get("move_to")
        )
        return Response(StageDeletionSerializer(result).data)

    @action(detail=False, methods=["post"])
    def order(self, request: Request, pk: int) -> Response:
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pipelines.stages_reorder(
            actor=actor(request), pipeline_id=pk, stage_ids=serializer.validated_data["order"]
        )
        return _pipeline(pk)

    def _stage(self, pk: int, stage_id: int) -> Stage:
        stage = _stages().filter(pipeline_id=pk, pk=stage_id).first()
        if stage is None:
            raise NotFound
        return stage


@extend_schema(tags=["pipelines"])
@extend_schema_view(
    create=extend_schema(
        summary="Add an exit criterion to an open stage",
        description="Deals need it before they move past the stage. Only the chosen kind's detail is kept.",
        request=ExitCriterionCreateSerializer,
        responses={201: ExitCriterionSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Remove an exit criterion (removing it again changes nothing)",
        responses={204: None, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
)
class ExitCriterionViewSet(viewsets.GenericViewSet):
    serializer_class = ExitCriterionSerializer
    pagination_class = None
    queryset = ExitCriterion.objects.none()

    def create(self, request: Request, pk: int, stage_id: int) -> Response:
        serializer = ExitCriterionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        stage = pipeline_stage_get(pipeline_id=pk, pk=stage_id)
        criterion = criteria.criterion_add(
            actor=actor(request), stage_id=stage.pk, **serializer.validated_data
        )
        return Response(ExitCriterionSerializer(criterion).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: int, stage_id: int, criterion_id: int) -> Response:
        stage = pipeline_stage_get(pipeline_id=pk, pk=stage_id)
        criteria.criterion_remove(actor=actor(request), criterion_id=criterion_id, stage_id=stage.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["pipelines"])
@extend_schema_view(
    list=extend_schema(summary="List the reasons a deal can be lost (inactive ones too)"),
    retrieve=extend_schema(
        summary="Read one lost reason", responses={200: LostReasonSerializer, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Add a lost reason at the end of the list reps choose from",
        request=LostReasonCreateSerializer,
        responses={201: LostReasonSerializer, 400: REFUSED, 403: ADMINS_ONLY},
    ),
    partial_update=extend_schema(
        summary="Rename a lost reason, (de)activate it or move it",
        description="All or nothing; a rename shows on the deals lost for it too. The only active reason "
        "cannot be deactivated: a deal cannot be lost without one.",
        request=LostReasonChangeSerializer,
        responses={200: LostReasonSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete a lost reason, or deactivate it when lost deals give it",
        responses={200: LostReasonRemovalSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    order=extend_schema(
        summary="Put the lost reasons in a new order",
        request=OrderSerializer,
        responses={200: LostReasonSerializer(many=True), 400: REFUSED, 403: ADMINS_ONLY, 409: STALE_ORDER},
    ),
)
class LostReasonViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = LostReasonSerializer
    pagination_class = None
    queryset = LostReason.objects.none()

    def get_queryset(self) -> QuerySet[LostReason]:
        return lost_reason_rows()

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(LostReasonSerializer(lost_reason_get(pk=record_id(pk))).data)

    def create(self, request: Request) -> Response:
        serializer = LostReasonCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = lost_reasons.lost_reason_create(actor=actor(request), name=serializer.validated_data["name"])
        return Response(LostReasonSerializer(reason).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = LostReasonChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        reason = lost_reasons.lost_reason_change(
            actor=actor(request), reason_id=record_id(pk), fields=serializer.validated_data
        )
        return Response(LostReasonSerializer(reason).data)

    def destroy(self, request: Request, pk: str) -> Response:
        removal = lost_reasons.lost_reason_delete(actor=actor(request), reason_id=record_id(pk))
        return Response(LostReasonRemovalSerializer(removal).data)

    @action(detail=False, methods=["post"])
    def order(self, request: Request) -> Response:
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lost_reasons.lost_reasons_reorder(actor=actor(request), reason_ids=serializer.validated_data["order"])
        return Response(LostReasonSerializer(lost_reason_rows(), many=True).data)
