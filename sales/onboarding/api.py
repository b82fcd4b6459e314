"""Won customers' onboardings through the API, as the account page's onboarding panel shows them: whoever
may see the account reads its checklists, and ticks a step off (or reopens it) when the task's rule lets
them (its assignee, its creator, admins and whoever may complete the account's tasks, as on the page).

Each step is a kernel task (`task`): reassigning it or moving its due time is PATCH /api/v1/tasks/{id}/.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.serializers import name_of
from crm.api.views import NOT_FOUND, actor, record_id
from crm.lists.api import CursorPagination
from crm.models import User
from crm.timeline.rules import task_can_be_completed
from crm.timeline.services import task_complete, task_reopen
from sales.configuration.api_serializers import done_by_field
from sales.models import Onboarding, OnboardingStep
from sales.onboarding.selectors import onboarding_get, onboarding_list, onboarding_step_get, with_step_targets


class OnboardingStepSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="task.title", read_only=True)
    done_by = done_by_field(read_only=True)
    assignee = serializers.PrimaryKeyRelatedField[User](source="task.assignee", read_only=True)
    assignee_name = name_of("task.assignee")
    due_at = serializers.DateTimeField(source="task.due_at", read_only=True)
    completed_at = serializers.DateTimeField(source="task.completed_at", read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(source="task.is_overdue", read_only=True)
    can_complete = serializers.SerializerMethodField(
        help_text="Whether you may tick this step off or reopen it (the task's rule)."
    )

    class Meta:
        model = OnboardingStep
        fields = [
            "id",
            "task",
            "title",
            "done_by",
            "assignee",
            "assignee_name",
            "due_at",
            "completed_at",
            "is_overdue",
            "can_complete",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_complete(self, step: OnboardingStep) -> bool:
        user: User = self.context["user"]
        return bool(task_can_be_completed(user, step.task))


class OnboardingSerializer(serializers.ModelSerializer):
    account_name = name_of("account")
    deal_name = name_of("deal")
    done = serializers.SerializerMethodField(help_text="How many steps are done.")
    total = serializers.SerializerMethodField(help_text="How many steps the checklist has.")
    steps = OnboardingStepSerializer(many=True, read_only=True, help_text="The checklist, in order.")

    class Meta:
        model = Onboarding
        fields = [
            "id",
            "name",
            "account",
            "account_name",
            "deal",
            "deal_name",
            "template",
            "started_at",
            "completed_at",
            "done",
            "total",
            "steps",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_done(self, onboarding: Onboarding) -> int:
        return sum(1 for step in onboarding.steps.all() if step.task.completed_at is not None)

    @extend_schema_field(OpenApiTypes.INT)
    def get_total(self, onboarding: Onboarding) -> int:
        return len(onboarding.steps.all())


class OnboardingQuerySerializer(serializers.Serializer):
    account = serializers.IntegerField(required=False, min_value=1)
    deal = serializers.IntegerField(required=False, min_value=1)


class OnboardingPagination(CursorPagination):
    orderings: ClassVar[dict[str, str]] = {"-id": "Newest first"}
    default_ordering = "-id"


STEP_REFUSED = OpenApiResponse(description="You may see this step but not tick it off.")


@extend_schema(tags=["onboarding"])
@extend_schema_view(
    list=extend_schema(
        summary="List the onboardings of the accounts you may see, newest first",
        parameters=[
            OpenApiParameter("account", OpenApiTypes.INT, description="Only this account's."),
            OpenApiParameter("deal", OpenApiTypes.INT, description="Only the one this won deal started."),
        ],
    ),
    retrieve=extend_schema(
        summary="Read one onboarding with its checklist",
        responses={200: OnboardingSerializer, 404: NOT_FOUND},
    ),
    complete=extend_schema(
        summary="Tick a step off (the last one marks the customer onboarded)",
        request=None,
        responses={200: OnboardingSerializer, 403: STEP_REFUSED, 404: NOT_FOUND},
    ),
    reopen=extend_schema(
        summary="Mark a done step open again",
        request=None,
        responses={200: OnboardingSerializer, 403: STEP_REFUSED, 404: NOT_FOUND},
    ),
)
class OnboardingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OnboardingSerializer
    pagination_class = OnboardingPagination
    queryset = Onboarding.objects.none()

    def get_queryset(self) -> QuerySet[Onboarding]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return Onboarding.objects.none()
        # A plain dict, so a repeated parameter is one value as everywhere else.
        query = OnboardingQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        onboardings = onboarding_list(user=actor(self.request))
        if "account" in query.validated_data:
            onboardings = onboardings.filter(account_id=query.validated_data["account"])
        if "deal" in query.validated_data:
            onboardings = onboardings.filter(deal_id=query.validated_data["deal"])
        return onboardings

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "user": actor(self.request)}

    def paginate_queryset(self, queryset: QuerySet[Any, Any]) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        return None if page is None else with_step_targets(list(page))

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._onboarding(record_id(pk))

    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str, step_id: str) -> Response:
        step = onboarding_step_get(user=actor(request), onboarding_id=record_id(pk), pk=record_id(step_id))
        task_complete(actor=actor(request), task_id=step.task_id)
        return self._onboarding(step.onboarding_id)

    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str, step_id: str) -> Response:
        step = onboarding_step_get(user=actor(request), onboarding_id=record_id(pk), pk=record_id(step_id))
        task_reopen(actor=actor(request), task_id=step.task_id)
        return self._onboarding(step.onboarding_id)

    def _onboarding(self, pk: int) -> Response:
        onboarding = with_step_targets([onboarding_get(user=actor(self.request), pk=pk)])[0]
        return Response(self.get_serializer(onboarding).data)
