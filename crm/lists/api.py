"""The API's pages: the kernel's keyset pages (crm.lists.pagination, shared with the HTML lists) behind
`next` and `previous` links.

The cursor holds the whole sort key, so each page is one index range scan however deep it is and
however many rows share a sort value. (DRF's CursorPagination keeps only the first column and steps
over ties with an offset capped at 1,000 rows: past a thousand equal values a client got the same
page forever.) `next` carries `cursor=`, `previous` carries `before=`. Unlike the HTML lists, which
show the first page for a stale cursor, the API refuses a cursor or a page size it did not make with
a 400 naming the parameter, so a client bug is seen rather than silently restarting the list.

`count=true` adds how many rows the whole list has, counted up to 10,000 (crm.lists.counting):
`count` and `count_capped`, true when there are more. One more query, which stops at the cap.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from crm.lists.counting import COUNT_CAP, BoundedCount, capped_count
from crm.lists.pagination import InvalidCursor, KeysetPage, keyset_page

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class CursorPagination(BasePagination):
    cursor_query_param = "cursor"
    before_query_param = "before"
    page_size_query_param = "page_size"
    ordering_param = "ordering"
    count_query_param = "count"
    count_cap: ClassVar[int] = COUNT_CAP
    # `ordering` value -> label; a list with more than one offers the `ordering` parameter.
    orderings: ClassVar[dict[str, str]] = {"-id": "Newest first"}
    default_ordering = "-id"
    keyset: KeysetPage[Any]
    url: str
    count: BoundedCount | None = None

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        size = self.get_page_size(request)
        self.url = request.build_absolute_uri()
        try:
            self.keyset = keyset_page(
                queryset,
                ordering=[self.get_ordering(request)],
                after=request.query_params.get(self.cursor_query_param),
                before=request.query_params.get(self.before_query_param),
                size=size,
                strict=True,
            )
        except InvalidCursor:
            given = self.before_query_param if self.before_query_param in request.query_params else None
            raise ValidationError(
                {given or self.cursor_query_param: ["This cursor is not one this list gave; start again."]}
            ) from None
        self.count = capped_count(queryset, cap=self.count_cap) if self.count_asked(request) else None
        return self.keyset.rows

    def count_asked(self, request: Request) -> bool:
        raw = request.query_params.get(self.count_query_param, "false")
        if raw not in ("true", "false"):
            raise ValidationError({self.count_query_param: ["Enter true or false."]})
        return raw == "true"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return PAGE_SIZE
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError(
                {self.page_size_query_param: [f"Enter a whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return int(raw)

    def get_ordering(self, request: Request) -> str:
        """The `ordering` parameter, one of `orderings` (else a 400): for the pages, and for a view that
        reads the whole list in the same order (a streamed export)."""
        name = request.query_params.get(self.ordering_param, self.default_ordering)
        if len(self.orderings) > 1 and name not in self.orderings:
            raise ValidationError({self.ordering_param: [f"Sort by one of: {', '.join(self.orderings)}."]})
        return name if name in self.orderings else self.default_ordering

    @classmethod
    def ordering_description(cls) -> str:
        return "; ".join(f"`{name}`: {label}" for name, label in cls.orderings.items())

    def get_paginated_response(self, data: Any) -> Response:
        body: dict[str, Any] = {"next": self.get_next_link(), "previous": self.get_previous_link()}
        if self.count is not None:
            body |= {"count": self.count.value, "count_capped": self.count.capped}
        return Response(body | {"results": data})

    def get_next_link(self) -> str | None:
        if self.keyset.next_cursor is None:
            return None
        url = remove_query_param(self.url, self.before_query_param)
        return replace_query_param(url, self.cursor_query_param, self.keyset.next_cursor)

    def get_previous_link(self) -> str | None:
        if self.keyset.previous_cursor is None:
            return None
        url = remove_query_param(self.url, self.cursor_query_param)
        return replace_query_param(url, self.before_query_param, self.keyset.previous_cursor)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": link,
                "previous": link,
                "count": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": COUNT_CAP,
                    "description": f"With count=true: the rows of the whole list, at most {COUNT_CAP:,}.",
                },
                "count_capped": {
                    "type": "boolean",
                    "description": f"With count=true: whether there are more than {COUNT_CAP:,}.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "A cursor: the page after it (the `next` link sets it).",
                "schema": {"type": "string"},
            },
            {
                "name": self.before_query_param,
                "required": False,
                "in": "query",
                "description": "A cursor: the page before it (the `previous` link sets it).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
            {
                "name": self.count_query_param,
                "required": False,
                "in": "query",
                "description": f"true: also give the list's row count (up to {COUNT_CAP:,}), one more query.",
                "schema": {"type": "boolean", "default": False},
            },
        ]
        if len(self.orderings) > 1:
            parameters.append(
                {
                    "name": self.ordering_param,
                    "required": False,
                    "in": "query",
                    "description": self.ordering_description(),
                    "schema": {
                        "type": "string",
                        "enum": list(self.orderings),
                        "default": self.default_ordering,
                    },
                }
            )
        return parameters
