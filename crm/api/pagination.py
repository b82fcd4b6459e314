from rest_framework.pagination import CursorPagination as BaseCursorPagination


class CursorPagination(BaseCursorPagination):
    """Keyset pagination: as fast on page 10,000 as on page 1, and stable while rows are added."""

    ordering = ("-id",)
    page_size_query_param = "page_size"
    max_page_size = 200
