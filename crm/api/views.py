"""The REST API of the kernel: thin views that parse, call one selector or service, and render.

Lists are read from the same selectors and FilterSets as the HTML lists, so both show the same rows.
Writes go through the same services, which check the access policy: a record the user may not see
is a 404, one they may see but not change is a 403, and a broken model rule is a 400
(crm.api.errors renders Django's ValidationError and DomainError).

Ordering: every list is cursor-paginated newest first (`-id`, crm.api.pagination). The HTML
FilterSets also carry an `ordering` parameter; cursor pagination re-orders the queryset and needs a
unique, immutable key, so a sort parameter would be silently ignored. The API FilterSets below
therefore drop `ordering` and the schema does not offer it.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from crm.api.authentication import SignInLockedOut
from crm.api.serializers import (
    AccountSerializer,
    ActivityCreateSerializer,
    ActivitySerializer,
    ContactSerializer,
    MeSerializer,
    NotificationSerializer,
    NotificationsMarkedSerializer,
    NotificationsMarkReadSerializer,
    TaskCreateSerializer,
    TaskSerializer,
    TokenSerializer,
)
from crm.filters import AccountFilter, ActivityFilter, ContactFilter, TaskFilter
from crm.models import Account, Activity, Contact, Notification, Task, User
from crm.security import lockout_wait
from crm.selectors.customers import account_get, account_list, contact_get, contact_list
from crm.selectors.timeline import activity_list, notification_queryset, task_list, timeline_target
from crm.services.customers import (
    account_create,
    account_delete,
    account_update,
    contact_create,
    contact_delete,
    contact_update,
)
from crm.services.notifications import notifications_mark_read
from crm.services.timeline import activity_log, task_complete, task_create, task_reopen
from crm.services.tokens import api_token_issue

NOT_FOUND = OpenApiResponse(description="No such record, or you may not see it.")
FORBIDDEN = OpenApiResponse(description="You may see this record but not change it.")


def actor(request: Request) -> User:
    """The signed-in user; every view requires authentication (REST_FRAMEWORK permission defaults)."""
    return cast(User, request.user)


def record_id(value: str) -> int:
    """The id in the URL; one that is not a number names no record (a JSON 404, not a 500)."""
    try:
        return int(value)
    except ValueError:
        raise NotFound from None


class AccountApiFilter(AccountFilter):
    ordering = None


class ContactApiFilter(ContactFilter):
    ordering = None


# List, read, create, change and delete one kind of customer record through its selectors and services.
class CustomerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    def fetch(self, pk: int) -> Account | Contact:
        raise NotImplementedError

    def write(self, fields: dict[str, Any], pk: int | None = None) -> Account | Contact:
        raise NotImplementedError

    def remove(self, pk: int) -> None:
        raise NotImplementedError

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.fetch(record_id(pk))).data)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = self.write(serializer.validated_data)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, record_id(pk), partial=False)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, record_id(pk), partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        self.remove(record_id(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        record = self.write(serializer.validated_data, pk)
        return Response(self.get_serializer(record).data)


def _customer_schema(serializer: type[BaseSerializer], noun: str, article: str) -> dict[str, Any]:
    return {
        "list": extend_schema(summary=f"List the {noun}s you may see"),
        "retrieve": extend_schema(summary=f"Read one {noun}", responses={200: serializer, 404: NOT_FOUND}),
        "create": extend_schema(
            summary=f"Create {article} {noun}",
            responses={
                201: serializer,
                403: OpenApiResponse(description=f"Your role cannot create {noun}s."),
            },
        ),
        "update": extend_schema(
            summary=f"Replace {article} {noun}'s fields",
            responses={200: serializer, 403: FORBIDDEN, 404: NOT_FOUND},
        ),
        "partial_update": extend_schema(
            summary=f"Change some of {article} {noun}'s fields",
            responses={200: serializer, 403: FORBIDDEN, 404: NOT_FOUND},
        ),
        "destroy": extend_schema(
            summary=f"Delete {article} {noun}", responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND}
        ),
    }


@extend_schema(tags=["accounts"])
@extend_schema_view(**_customer_schema(AccountSerializer, "account", "an"))
class AccountViewSet(CustomerViewSet):
    """Accounts: the companies the business sells to. Sales reps work their own, managers their teams'."""

    serializer_class = AccountSerializer
    filterset_class = AccountApiFilter
    queryset = Account.objects.none()

    def get_queryset(self) -> QuerySet[Account]:
        return account_list(user=actor(self.request))

    def fetch(self, pk: int) -> Account:
        return account_get(user=actor(self.request), pk=pk)

    def write(self, fields: dict[str, Any], pk: int | None = None) -> Account:
        if pk is None:
            return account_create(actor=actor(self.request), fields=fields)
        return account_update(actor=actor(self.request), account_id=pk, fields=fields)

    def remove(self, pk: int) -> None:
        account_delete(actor=actor(self.request), account_id=pk)


@extend_schema(tags=["contacts"])
@extend_schema_view(**_customer_schema(ContactSerializer, "contact", "a"))
class ContactViewSet(CustomerViewSet):
    """Contacts: the people at accounts (or on their own). Visible and changeable like accounts."""

    serializer_class = ContactSerializer
    filterset_class = ContactApiFilter
    queryset = Contact.objects.none()

    def get_queryset(self) -> QuerySet[Contact]:
        return contact_list(user=actor(self.request))

    def fetch(self, pk: int) -> Contact:
        return contact_get(user=actor(self.request), pk=pk)

    def write(self, fields: dict[str, Any], pk: int | None = None) -> Contact:
        if pk is None:
            return contact_create(actor=actor(self.request), fields=fields)
        return contact_update(actor=actor(self.request), contact_id=pk, fields=fields)

    def remove(self, pk: int) -> None:
        contact_delete(actor=actor(self.request), contact_id=pk)


@extend_schema_view(
    list=extend_schema(summary="List activities on the records you may see"),
    create=extend_schema(
        summary="Log a note, call, email or meeting on a record",
        request=ActivityCreateSerializer,
        responses={201: ActivitySerializer, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["activities"])
class ActivityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
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


@extend_schema(tags=["auth"])
class MeView(GenericAPIView):
    serializer_class = MeSerializer

    @extend_schema(summary="Who you are signed in as")
    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(actor(request)).data)


class TokenObtainView(ObtainAuthToken):
    """Trades a username and password for the user's API token (a new one once the last was revoked or
    expired). django-axes counts the failures: once the username is locked out from this address, even
    the right password gets a 429 saying how long to wait.
    """

    # ObtainAuthToken turns the API's throttles off (this endpoint is the one most worth flooding) and
    # brings its own parsers; the API's defaults apply here too.
    throttle_classes = APIView.throttle_classes
    parser_classes = APIView.parser_classes

    @extend_schema(
        summary="Get your API token",
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(
                description="Too many failed sign-ins, or too many requests; Retry-After says how many "
                "seconds to wait."
            ),
        },
        tags=["auth"],
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # AxesStandaloneBackend refused the attempt (or this one reached the limit): the password was
            # not even checked, so "wrong password" would mislead.
            if getattr(request, "axes_locked_out", False):
                raise SignInLockedOut(lockout_wait(request))
            raise ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        issued = api_token_issue(user=user)
        # A sign-in like the login page's: axes clears the failures, Django records last_login.
        user_logged_in.send(sender=type(user), request=request, user=user)
        body: dict[str, Any] = {"token": issued.key}
        if issued.expires_at is not None:
            body["expires"] = issued.expires_at
        return Response(TokenSerializer(body).data)
