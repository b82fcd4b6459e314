"""Error pages. The 500 page renders without a request context: it must work when the database does not."""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader


def _is_api(request: HttpRequest) -> bool:
    """API clients get their errors in JSON, as the API's own views answer them (crm.api.errors)."""
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # PermissionDenied messages are written for users, e.g. "You can see this record but not change it."
    message = str(exception) if exception is not None else ""
    if _is_api(request):
        return JsonResponse({"detail": message or "You do not have permission to do this."}, status=403)
    return render(request, "errors/403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Something went wrong on our side; it has been logged."}, status=500)
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page that is no longer current (signed in or out in another tab, say).

    Django's own page explains CSRF cookies and points at DEBUG=True; the reason is logged by Django.
    """
    return render(request, "errors/403_csrf.html", status=403)
