"""The load runs' URLconf: the product's URLs, plus the ceiling the scenarios are compared with.

The ceiling is the cheapest request the same server can answer: a Django view returning a constant,
through the same middleware, without touching the session or the database. It exists only here.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from crm.urls import handler403, handler404, handler500

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]

CEILING_PATH = "/bench/ceiling/"


def ceiling(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path(CEILING_PATH.lstrip("/"), ceiling),
    path("", include("crm.urls")),
]
