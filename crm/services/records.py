"""The write path every owned record shares: permission checks, field changes, audit actor, events."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404

from crm import access
from crm.models import User

R = TypeVar("R", bound=Model)


def check_owner_assignable(*, actor: User, owner: User | None) -> None:
    if owner is None:
        if not actor.is_admin:
            raise PermissionDenied("Only admins can leave a record without an owner.")
        return
    if not access.assignable_owners(actor).filter(pk=owner.pk).exists():
        raise PermissionDenied(f"You cannot assign records to {owner}.")


def apply_changes(record: Model, fields: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Sets `fields` on `record` and returns {field: (old, new)} for those that really changed."""
    changes = {}
    for name, value in fields.items():
        old = getattr(record, name)
        if old != value:
            changes[name] = (old, value)
            setattr(record, name, value)
    return changes


def save_with_audit(record: R, *, actor: User) -> R:
    """Validates the model (constraints included) and saves it, naming the actor in its history."""
    record.full_clean()
    record._history_user = actor  # type: ignore[attr-defined]
    record.save()
    return record


def lock_for_change(*, actor: User, model: type[R], pk: int) -> R:
    """Locks the row for the rest of the transaction and checks that `actor` may change it."""
    record = (
        model._default_manager.select_for_update(of=("self",)).select_related("owner").filter(pk=pk).first()
    )
    if record is None:
        raise Http404
    access.ensure_can_change(actor, record)
    return record
