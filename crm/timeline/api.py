"""Activities, tasks and notifications through the API: thin views that parse, call one selector or
service, and render; lists are cursor-paginated newest first (crm.lists.api)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.views import FORBIDDEN, NOT_FOUND, actor, record_id
from crm.models import Activity, Notification, Task
from crm.timeline.filters import ActivityFilter, TaskFilter
from crm.timeline.notifications import notifications_mark_read
from crm.timeline.selectors import activity_list, notification_queryset, task_list, timeline_target
from crm.timeline.serializers import (
    ActivityCreateSerializer,
    ActivitySerializer,
    NotificationSerializer,
    NotificationsMarkedSerializer,
    NotificationsMarkReadSerializer,
    TaskCreateSerializer,
    TaskSerializer,
    TaskUpdateSerializer,
)
from crm.timeline.services import (
    activity_log,
    task_complete,
    task_create,
    task_delete,
    task_reopen,
    task_update,
)


@extend_schema_view(
    list=extend_schema(summary="List activities on the records you may see"),
    retrieve=extend_schema(summary="Read one activity", responses={200: ActivitySerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Log a note, call, email or meeting on a record",
        request=ActivityCreateSerializer,
        responses={201: ActivitySerializer, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["activities"])
class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    queryset = Activity.objects.none()

    def get_queryset(self) -> QuerySet[Activity]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return Activity.objects.none()
        return activity_list(user=actor(self.request))

    def create(self, request: Request) -> Response:
        serializer = ActivityCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = timeline_target(user=actor(request), label=data["target_type"], pk=data["target_id"])
        activity = activity_log(
            actor=actor(request),
            target=target,
            kind=data["kind"],
            subject=data["subject"],
            body=data["body"],
            occurred_at=data["occurred_at"],
        )
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List your tasks and those on the records you may see"),
    retrieve=extend_schema(summary="Read one task", responses={200: TaskSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Create a task, optionally on a record",
        request=TaskCreateSerializer,
        responses={
            201: TaskSerializer,
            403: OpenApiResponse(description="You may not assign tasks to them."),
            404: NOT_FOUND,
        },
    ),
    partial_update=extend_schema(
        summary="Change a task's title, notes, due time or assignee",
        description="A new due time gets its own reminder when it comes; a new assignee is notified.",
        request=TaskUpdateSerializer,
        responses={200: TaskSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    destroy=extend_schema(summary="Delete a task", responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND}),
    complete=extend_schema(
        summary="Mark a task done (completing a done task changes nothing)",
        request=None,
        responses={200: TaskSerializer, 404: NOT_FOUND},
    ),
    reopen=extend_schema(
        summary="Mark a done task open again", request=None, responses={200: TaskSerializer, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["tasks"])
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    queryset = Task.objects.none()

    def get_queryset(self) -> QuerySet[Task]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return Task.objects.none()
        return task_list(user=actor(self.request))

    def create(self, request: Request) -> Response:
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = None
        if data["target_type"] is not None:
            target = timeline_target(user=actor(request), label=data["target_type"], pk=data["target_id"])
        task = task_create(
            actor=actor(request),
            title=data["title"],
            due_at=data["due_at"],
            assignee=data["assignee"],
            notes=data["notes"],
            target=target,
        )
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = TaskUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = task_update(actor=actor(request), task_id=record_id(pk), fields=serializer.validated_data)
        return Response(TaskSerializer(task).data)

    def destroy(self, request: Request, pk: str) -> Response:
        task_delete(actor=actor(request), task_id=record_id(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        return Response(TaskSerializer(task_complete(actor=actor(request), task_id=record_id(pk))).data)

    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        return Response(TaskSerializer(task_reopen(actor=actor(request), task_id=record_id(pk))).data)


@extend_schema_view(
    list=extend_schema(summary="List your notifications, newest first"),
    read=extend_schema(
        summary="Mark some or all of your unread notifications read",
        request=NotificationsMarkReadSerializer,
        responses={200: NotificationsMarkedSerializer},
    ),
)
@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return Notification.objects.none()
        return notification_queryset(user=actor(self.request))

    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        serializer = NotificationsMarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        marked = notifications_mark_read(
            actor=actor(request), notification_ids=serializer.validated_data["ids"]
        )
        return Response(NotificationsMarkedSerializer({"marked": marked}).data)
