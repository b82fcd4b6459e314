"""One exception handler: every refusal is JSON a client can read, with the status that says why.

The domain's refusals (crm.errors) are mapped here once: NotFound is a 404, Forbidden a 403, Invalid a
400 naming each field (or `non_field_errors`), Conflict a 409. A body with a `detail` also carries the
refusal's stable `code` (a 400's codes stay in DRF's ErrorDetail: `exc.get_codes()`). A body over
Django's upload limits is a 413 or a 400 in JSON (Django alone would answer those with its HTML page).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crm.errors import Conflict, DomainError, Forbidden, Invalid, NotFound


class ConflictException(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and set(response.data) == {"detail"}:
        response.data["code"] = _code(exc)
    return response


def _api_exception(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        exc = Invalid.from_validation_error(exc)
    if isinstance(exc, DomainError):
        return _from_domain_error(exc)
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20
        return PayloadTooLarge(f"The request body is larger than the {limit:g} MB limit.")
    if isinstance(exc, SuspiciousOperation):
        # Too many form fields or files, a malformed multipart body: the request itself is at fault.
        return exceptions.ParseError(str(exc) or "The request body could not be read.")
    return exc


def _from_domain_error(error: DomainError) -> exceptions.APIException:
    if isinstance(error, NotFound):
        return exceptions.NotFound(error.message, code=error.code)
    if isinstance(error, Forbidden):
        return exceptions.PermissionDenied(error.message, code=error.code)
    if isinstance(error, Conflict):
        return ConflictException(error.message, code=error.code)
    errors = error.errors if isinstance(error, Invalid) else {error.field: [error.message]}
    return exceptions.ValidationError(
        {
            field or "non_field_errors": [ErrorDetail(message, code=error.code) for message in messages]
            for field, messages in errors.items()
        }
    )


def _code(exc: Exception) -> str:
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    return codes if isinstance(codes, str) else "error"
