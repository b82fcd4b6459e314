"""Who the API caller is, trading a username and password for an API token, and the company's people
and teams: every signed-in user reads them, only admins change them (crm.people.services refuses the
others with a 403). People are deactivated rather than deleted, so they have no DELETE.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.views import ADMINS_ONLY, NOT_FOUND, REFUSED, actor, record_id
from crm.lists.api import CursorPagination
from crm.models import Team, User
from crm.people.authentication import SignInLockedOut
from crm.people.filters import UserFilter
from crm.people.security import lockout_wait
from crm.people.selectors import team_get, team_list, user_get, user_list
from crm.people.serializers import (
    MeSerializer,
    TeamSerializer,
    TokenSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from crm.people.services import team_create, team_delete, team_update, user_create, user_update
from crm.people.tokens import api_token_issue


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


class UserPagination(CursorPagination):
    orderings: ClassVar[dict[str, str]] = {"username": "By username", "-id": "Newest first"}
    default_ordering = "username"


class TeamPagination(CursorPagination):
    orderings: ClassVar[dict[str, str]] = {"name": "By name"}
    default_ordering = "name"


@extend_schema(tags=["people"])
@extend_schema_view(
    list=extend_schema(summary="List the company's people"),
    retrieve=extend_schema(summary="Read one person", responses={200: UserSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Add a person",
        request=UserCreateSerializer,
        responses={201: UserSerializer, 400: REFUSED, 403: ADMINS_ONLY},
    ),
    partial_update=extend_schema(
        summary="Change a person's names, email, role, team, away or active flag",
        description="is_active=false deactivates them: they can no longer sign in, and keep their records.",
        request=UserUpdateSerializer,
        responses={200: UserSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
)
class UserViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = UserSerializer
    filterset_class = UserFilter
    pagination_class = UserPagination
    queryset = User.objects.none()

    def get_queryset(self) -> QuerySet[User]:
        return user_list()

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(UserSerializer(user_get(pk=record_id(pk))).data)

    def create(self, request: Request) -> Response:
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        password = fields.pop("password", None)
        user = user_create(actor=actor(request), fields=fields, password=password)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = UserUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = user_update(actor=actor(request), user_id=record_id(pk), fields=serializer.validated_data)
        return Response(UserSerializer(user).data)


@extend_schema(tags=["people"])
@extend_schema_view(
    list=extend_schema(summary="List the teams"),
    retrieve=extend_schema(summary="Read one team", responses={200: TeamSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Add a team", responses={201: TeamSerializer, 400: REFUSED, 403: ADMINS_ONLY}
    ),
    partial_update=extend_schema(
        summary="Rename a team or change its manager",
        responses={200: TeamSerializer, 400: REFUSED, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete a team (its members stay, without a team)",
        responses={204: None, 403: ADMINS_ONLY, 404: NOT_FOUND},
    ),
)
class TeamViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TeamSerializer
    pagination_class = TeamPagination
    queryset = Team.objects.none()

    def get_queryset(self) -> QuerySet[Team]:
        return team_list()

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(team_get(pk=record_id(pk))).data)

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = team_create(actor=actor(request), fields=serializer.validated_data)
        # Read back through the selector, which counts in its members.
        return Response(self.get_serializer(team_get(pk=team.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        team = team_update(actor=actor(request), team_id=record_id(pk), fields=serializer.validated_data)
        return Response(self.get_serializer(team_get(pk=team.pk)).data)

    def destroy(self, request: Request, pk: str) -> Response:
        team_delete(actor=actor(request), team_id=record_id(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
