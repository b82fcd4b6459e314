"""Accounts and contacts through the API: thin views that parse, call one selector or service, and render.

Lists are read from the same selectors and FilterSets as the HTML lists, so both show the same rows.
Writes go through the same services, which check the access policy: a record the user may not see
is a 404, one they may see but not change is a 403, and a broken model rule is a 400
(crm.api.errors renders the domain's refusals, crm.errors).

Ordering: every list is cursor-paginated newest first (`-id`, crm.lists.api). The HTML FilterSets
also carry an `ordering` parameter; cursor pagination re-orders the queryset and needs a unique,
immutable key, so a sort parameter would be silently ignored. The API FilterSets below therefore drop
`ordering` and the schema does not offer it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from crm.api.views import FORBIDDEN, NOT_FOUND, actor, record_id
from crm.customers.account360 import AccountEntry, Kind, account_timeline
from crm.customers.filters import AccountFilter, ContactFilter
from crm.customers.selectors import account_get, account_list, contact_get, contact_list
from crm.customers.serializers import AccountSerializer, AccountTimelineEntrySerializer, ContactSerializer
from crm.customers.services import (
    account_create,
    account_delete,
    account_update,
    contact_create,
    contact_delete,
    contact_update,
)
from crm.lists.api import CursorPagination
from crm.lists.filters import ExternalKeyFilterSet
from crm.lists.pagination import InvalidCursor
from crm.models import Account, Contact
from crm.records import external_key_match


class AccountApiFilter(ExternalKeyFilterSet, AccountFilter):
    ordering = None


class ContactApiFilter(ExternalKeyFilterSet, ContactFilter):
    ordering = None


# The 360 timeline's rows in the API: its tasks have their own list (/api/v1/tasks/).
TIMELINE_KINDS: tuple[Kind, ...] = ("activity", "event")


class AccountTimelinePagination(CursorPagination):
    """The account 360 timeline's pages: the selector's own keyset (occurred at, kind, id, newest
    first, crm.customers.account360) behind the same `cursor`, `page_size`, `next` and `results` as
    every list. It pages forward only (`previous` is always null) and gives no count; a cursor it did
    not make is a 400 naming it, and a cursor past the last row an empty page."""

    older: str | None = None

    def paginate_timeline(self, request: Request, account: Account) -> list[AccountEntry]:
        self.url = request.build_absolute_uri()
        try:
            page = account_timeline(
                account=account,
                older=request.query_params.get(self.cursor_query_param),
                size=self.get_page_size(request),
                kinds=TIMELINE_KINDS,
                strict=True,
            )
        except InvalidCursor:
            raise ValidationError(
                {self.cursor_query_param: ["This cursor is not one this list gave; start again."]}
            ) from None
        self.older = page.older
        return page.entries

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "previous": None, "results": data})

    def get_next_link(self) -> str | None:
        if self.older is None:
            return None
        return replace_query_param(self.url, self.cursor_query_param, self.older)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next (older) page; null on the last page.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "Always null: the timeline pages forward only (start again to go back).",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            parameter
            for parameter in super().get_schema_operation_parameters(view)
            if parameter["name"] in (self.cursor_query_param, self.page_size_query_param)
        ]


# List, read, create, change and delete one kind of customer record through its selectors and services.
class CustomerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    model: type[Account] | type[Contact]

    def fetch(self, pk: int) -> Account | Contact:
        raise NotImplementedError

    def write(self, fields: dict[str, Any], pk: int | None = None) -> Account | Contact:
        raise NotImplementedError

    def remove(self, pk: int) -> None:
        raise NotImplementedError

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.fetch(record_id(pk))).data)

    def create(self, request: Request) -> Response:
        """Creates the record, or updates the one that already has the posted external id (an upsert:
        loading the same export twice changes nothing the second time)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        existing = external_key_match(actor=actor(request), model=self.model, fields=fields)
        if existing is not None:
            return Response(self.get_serializer(self.write(fields, existing)).data)
        record = self.write(fields)
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
            summary=f"Create {article} {noun}, or update the one with the same external id",
            responses={
                200: serializer,
                201: serializer,
                403: OpenApiResponse(description=f"Your role cannot create {noun}s."),
                409: OpenApiResponse(description=f"Another {noun} you may not see has this external id."),
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

    model = Account
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

    @extend_schema(
        summary="Read a page of an account's 360 timeline, newest first",
        description=(
            "The activities and lifecycle events of the account and of the records that roll up to it "
            "(its contacts, its deals, the leads converted into it), as the account page shows them: "
            "whoever may see the account sees its whole trail. The account's tasks are not rows here "
            "(see /api/v1/tasks/). Follow `next` for older rows."
        ),
        responses={200: AccountTimelineEntrySerializer(many=True), 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=AccountTimelinePagination,
        filter_backends=[],
        serializer_class=AccountTimelineEntrySerializer,
    )
    def timeline(self, request: Request, pk: str) -> Response:
        account = account_get(user=actor(request), pk=record_id(pk))
        paginator = AccountTimelinePagination()
        entries = paginator.paginate_timeline(request, account)
        data = AccountTimelineEntrySerializer(entries, many=True, context={"account": account}).data
        return paginator.get_paginated_response(data)


@extend_schema(tags=["contacts"])
@extend_schema_view(**_customer_schema(ContactSerializer, "contact", "a"))
class ContactViewSet(CustomerViewSet):
    """Contacts: the people at accounts (or on their own). Visible and changeable like accounts."""

    model = Contact
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
