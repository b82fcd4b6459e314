"""One exception handler: every refusal is JSON a client can read, with the status that says why.

Domain errors and model validation errors are 400s naming the field; a conflict with the record's
state (crm.errors.ConflictError) is a 409; a body over Django's upload limits is a 413 or a 400 in JSON
(Django alone would answer those with its HTML error page).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crm.errors import ConflictError, DomainError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ConflictError):
        exc = Conflict(exc.message)
    elif isinstance(exc, DomainError):
        exc = exceptions.ValidationError({exc.field or "non_field_errors": [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if k == NON_FIELD_ERRORS else k): v for k, v in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20
        exc = PayloadTooLarge(f"The request body is larger than the {limit:g} MB limit.")
    elif isinstance(exc, SuspiciousOperation):
        # Too many form fields or files, a malformed multipart body: the request itself is at fault.
        exc = exceptions.ParseError(str(exc) or "The request body could not be read.")
    return drf_exception_handler(exc, context)
