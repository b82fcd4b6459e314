"""Who the API caller is, and trading a username and password for an API token."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.views import actor
from crm.people.authentication import SignInLockedOut
from crm.people.security import lockout_wait
from crm.people.serializers import MeSerializer, TokenSerializer
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
