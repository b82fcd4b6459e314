"""Bulk actions on a list's selection: each record in its own savepoint, every refusal reported; and
what every list's bulk bar shares on the page: the checked ids, the delete confirmation, the report of
what was changed and why each refused record was not (`bulk_action`, the whole POST)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render

from crm.errors import DomainError, Invalid, NotFound
from crm.web.views import AuthenticatedRequest, Names, page_refusal


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
        except DomainError as error:
            result.refused[pk] = (
                "not found" if isinstance(error, NotFound) else "; ".join(refusal_messages(error))
            )
        else:
            result.changed.append(pk)
    return result


def refusal_messages(error: DomainError) -> list[str]:
    """Every message of a refusal: each field's, for a model's validation."""
    if isinstance(error, Invalid):
        return [message for messages in error.errors.values() for message in messages]
    return [error.message]


class BulkIdsField(forms.Field):
    """The checked rows' ids, each once, in the order they came."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, nouns: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.nouns = nouns

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return list(dict.fromkeys(int(pk) for pk in value))
        except (TypeError, ValueError):
            raise ValidationError(
                "Select %(nouns)s from the list.", code="invalid", params={"nouns": self.nouns}
            ) from None


def error_summary(form: forms.BaseForm) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def bulk_report(
    request: AuthenticatedRequest, *, action: str, result: BulkResult, noun: str, names: Names
) -> None:
    """One message for what changed, one naming each refused record with its reason."""
    if result.changed or not result.refused:
        verb = "Deleted" if action == "delete" else "Changed"
        messages.success(request, f"{verb} {counted(len(result.changed), noun)}.")
    if result.refused:
        shown = names(list(result.refused))
        reasons = "; ".join(
            f"{shown.get(pk, f'{noun} #{pk}')}: {reason}" for pk, reason in sorted(result.refused.items())
        )
        messages.warning(request, f"{counted(len(result.refused), noun)} not changed. {reasons}")


def bulk_action(
    request: AuthenticatedRequest,
    form: forms.BaseForm,
    *,
    run: Callable[[dict[str, Any]], BulkResult],
    names: Names,
    back: str,
    noun: str,
    id_field: str,
    confirm_template: str,
    action_url: str,
) -> HttpResponse:
    """A list's bulk bar, posted: the same steps for every list. An invalid form changes nothing and says
    why; a delete is confirmed first (`confirm_template` extends includes/bulk_delete_confirm.html); then
    `run(cleaned_data)` calls the service, and the list shows what changed and names each refused record."""
    if not form.is_valid():
        messages.error(request, f"Nothing was changed: {error_summary(form)}")
        return redirect(back)
    data = form.cleaned_data
    if data["action"] == "delete" and not data["confirm"]:
        ids = data[id_field]
        context = {
            "ids": ids,
            "count": len(ids),
            "names": names(ids).values(),
            "back": back,
            "noun": noun,
            "id_field": id_field,
            "action_url": action_url,
        }
        return render(request, confirm_template, context)
    try:
        result = run(data)
    except DomainError as error:
        messages.error(request, f"Nothing was changed: {page_refusal(error)}")
    else:
        bulk_report(request, action=data["action"], result=result, noun=noun, names=names)
    return redirect(back)
