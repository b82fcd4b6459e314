"""Admins' writes to the lost reasons reps choose from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from crm import access
from crm.errors import Invalid, NotFound
from crm.models import User
from crm.records import validate
from crm.web.fragments import fragments_changed
from sales.models import Deal, LostReason

from .ordering import changed_positions, in_new_order, moved
from .pipelines import clean_name

LOST_REASONS = "manage lost reasons"

_ONLY_REASON = (
    "{reason} is the only active lost reason, and a deal cannot be lost without one; add another first."
)


def _locked_reasons() -> list[LostReason]:
    return list(LostReason.objects.select_for_update().order_by("position", "name", "id"))


def _reason(reasons: list[LostReason], reason_id: int) -> LostReason:
    reason = next((r for r in reasons if r.pk == reason_id), None)
    if reason is None:
        raise NotFound
    return reason


def _check_reason_name(reasons: list[LostReason], name: str, *, exclude: int | None = None) -> str:
    name = clean_name(name, what="lost reason")
    if any(r.name.casefold() == name.casefold() and r.pk != exclude for r in reasons):
        raise Invalid(f"There is already a lost reason named {name}.", field="name", code="name_taken")
    return name


@transaction.atomic
def lost_reason_create(*, actor: User, name: str) -> LostReason:
    """Adds an active reason at the end of the list reps choose from."""
    access.ensure_admin(actor, doing=LOST_REASONS)
    reasons = _locked_reasons()
    last = LostReason.objects.aggregate(last=Max("position"))["last"]
    reason = LostReason(name=_check_reason_name(reasons, name), position=0 if last is None else last + 1)
    validate(reason)
    reason.save()
    return reason


@transaction.atomic
def lost_reason_rename(*, actor: User, reason_id: int, name: str) -> LostReason:
    """Renames the reason everywhere, lost deals included (they point at it)."""
    access.ensure_admin(actor, doing=LOST_REASONS)
    reasons = _locked_reasons()
    reason = _reason(reasons, reason_id)
    reason.name = _check_reason_name(reasons, name, exclude=reason.pk)
    reason.save(update_fields=["name"])
    return reason


@transaction.atomic
def lost_reason_set_active(*, actor: User, reason_id: int, active: bool) -> LostReason:
    """An inactive reason stays on the deals lost for it but is no longer offered."""
    access.ensure_admin(actor, doing=LOST_REASONS)
    reasons = _locked_reasons()
    reason = _reason(reasons, reason_id)
    if not active and not any(r.is_active for r in reasons if r.pk != reason.pk):
        raise Invalid(_ONLY_REASON.format(reason=reason), code="last_active_reason")
    if reason.is_active != active:
        reason.is_active = active
        reason.save(update_fields=["is_active"])
    return reason


@transaction.atomic
def lost_reasons_reorder(*, actor: User, reason_ids: Sequence[int]) -> None:
    access.ensure_admin(actor, doing=LOST_REASONS)
    order = in_new_order(_locked_reasons(), reason_ids, what="lost reasons")
    LostReason.objects.bulk_update(changed_positions(order), ["position"])
    fragments_changed()


@transaction.atomic
def lost_reason_move(*, actor: User, reason_id: int, to: int) -> None:
    access.ensure_admin(actor, doing=LOST_REASONS)
    order = moved(_locked_reasons(), reason_id, to)
    LostReason.objects.bulk_update(changed_positions(order), ["position"])
    fragments_changed()


@transaction.atomic
def lost_reason_change(*, actor: User, reason_id: int, fields: Mapping[str, Any]) -> LostReason:
    """The API's partial change of `name`, `is_active` and `position` (0 is first), each through its
    service above, all or nothing."""
    access.ensure_admin(actor, doing=LOST_REASONS)
    reason = _reason(_locked_reasons(), reason_id)
    if "is_active" in fields:
        reason = lost_reason_set_active(actor=actor, reason_id=reason_id, active=fields["is_active"])
    if "position" in fields:
        lost_reason_move(actor=actor, reason_id=reason_id, to=fields["position"])
    # Renamed last, so a refusal above names the reason as the admin knows it.
    if "name" in fields:
        reason = lost_reason_rename(actor=actor, reason_id=reason_id, name=fields["name"])
    reason.refresh_from_db(fields=["position"])
    return reason


@dataclass(frozen=True)
class LostReasonRemoval:
    name: str
    deleted: bool
    deals: int


@transaction.atomic
def lost_reason_delete(*, actor: User, reason_id: int) -> LostReasonRemoval:
    """Deletes an unused reason; one that lost deals give is deactivated instead, so they keep it."""
    access.ensure_admin(actor, doing=LOST_REASONS)
    reasons = _locked_reasons()
    reason = _reason(reasons, reason_id)
    deals = Deal.objects.filter(lost_reason=reason).count()
    if deals:
        lost_reason_set_active(actor=actor, reason_id=reason.pk, active=False)
        return LostReasonRemoval(name=reason.name, deleted=False, deals=deals)
    if reason.is_active and not any(r.is_active for r in reasons if r.pk != reason.pk):
        raise Invalid(_ONLY_REASON.format(reason=reason), code="last_active_reason")
    reason.delete()
    return LostReasonRemoval(name=reason.name, deleted=True, deals=0)
