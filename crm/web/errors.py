"""Error pages, and the middleware that turns a service's NotFound and Forbidden into them. The 500 page
renders without a request context: it must work when the database does not."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from crm.errors import Forbidden, NotFound


def _is_api(request: HttpRequest) -> bool:
    """API clients get their errors in JSON, as the API's own views answer them (crm.api.errors)."""
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Forbidden (and PermissionDenied) messages are written for users, e.g. "You can see this record but
    # not change it."
    message = str(exception) if exception is not None else ""
    if _is_api(request):
        detail = message or "You do not have permission to do this."
        return JsonResponse(
            {"detail": detail, "code": getattr(exception, "code", "permission_denied")}, status=403
        )
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        detail = "Something went wrong on our side; it has been logged."
        return JsonResponse({"detail": detail, "code": "server_error"}, status=500)
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page that is no longer current (signed in or out in another tab, say).

    Django's own page explains CSRF cookies and points at DEBUG=True; the reason is logged by Django.
    """
    return render(request, "errors/403_csrf.html", status=403)


class DomainErrorMiddleware:
    """Pages need not catch the refusals that have a page of their own: a service's NotFound is the 404
    page, its Forbidden the 403 page with its message. (API views answer them in JSON themselves, through
    crm.api.errors; forms catch the family to show the rest on their fields: crm.web.views.service_error.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return page_not_found(request, exception)
        if isinstance(exception, Forbidden):
            return permission_denied(request, exception)
        return None
