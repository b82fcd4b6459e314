"""Bulk actions on a list's selection: each record in its own savepoint, every refusal reported."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from crm.errors import DomainError


@dataclass
class BulkResult:
    """What a bulk action did: the records it changed, and each record it could not change, and why."""

    changed: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def bulk_apply(ids: Iterable[int], action: Callable[[int], object]) -> BulkResult:
    """Applies `action` id by id, each in its own savepoint: one refusal never undoes the others."""
    result = BulkResult()
    for pk in dict.fromkeys(ids):
        try:
            with transaction.atomic():
                action(pk)
        except Http404:
            result.refused[pk] = "not found"
        except (PermissionDenied, DomainError, ValidationError) as error:
            result.refused[pk] = error_message(error)
        else:
            result.changed.append(pk)
    return result


def error_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    if isinstance(error, DomainError):
        return error.message
    return str(error) or "not allowed"
