"""Lead conversion through the API (POST /api/v1/conversions/): one call to `lead_convert`.

The conversion runs in one transaction, so a refusal (the lead already converted or not qualified, a
deal the stage rules refuse, a close date in the past) leaves no account, contact or deal behind.
A lead the user may not see is a 404, like on its page.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.views import FORBIDDEN, NOT_FOUND, actor
from sales.conversion.serializers import ConversionRequestSerializer, ConversionSerializer
from sales.conversion.services import lead_convert


class ConversionView(GenericAPIView):
    serializer_class = ConversionRequestSerializer

    @extend_schema(
        tags=["lead conversion"],
        summary="Convert a qualified lead into an account, a contact and (by default) a deal",
        request=ConversionRequestSerializer,
        responses={
            201: ConversionSerializer,
            400: OpenApiResponse(
                description="The lead is not qualified (`status`), was already converted, or the deal "
                "is refused (e.g. `close_date` in the past); nothing was created."
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        conversion = lead_convert(
            actor=actor(request),
            lead_id=data["lead"],
            account=data["account"],
            create_deal=data["create_deal"],
            deal_name=data["deal_name"],
            amount=data["amount"],
            close_date=data["close_date"],
            pipeline=data["pipeline"],
        )
        return Response(ConversionSerializer(conversion).data, status=status.HTTP_201_CREATED)
