"""Setting quotas: a sales manager for the people of the teams they manage, an admin for anyone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from crm.errors import Forbidden, Invalid
from crm.models import User
from sales.forecast.selectors import may_set_quotas, quota_people
from sales.models import Quota

# Quota.amount is a DecimalField(max_digits=14, decimal_places=2).
MAX_QUOTA = Decimal("999999999999.99")


@dataclass(frozen=True)
class QuotaEntry:
    """One cell of the quota grid: `amount` None clears the quota."""

    user: User
    period: date
    amount: Decimal | None


@dataclass(frozen=True)
class QuotaChanges:
    set: int
    cleared: int


def _check_entry(entry: QuotaEntry) -> None:
    if entry.period.day != 1:
        raise Invalid(
            f"A quota is for a whole month: give the first day of the month, not {entry.period:%d %B %Y}.",
            field="period",
            code="period_not_month",
        )
    if entry.amount is None:
        return
    if not entry.amount.is_finite() or entry.amount < 0:
        raise Invalid(f"{entry.user}'s quota cannot be negative.", field="amount", code="quota_negative")
    if entry.amount > MAX_QUOTA or entry.amount != entry.amount.quantize(Decimal("0.01")):
        raise Invalid(
            f"{entry.user}'s quota must be at most {MAX_QUOTA:,} with at most two decimals.",
            field="amount",
            code="quota_too_large",
        )


def _ensure_may_set(actor: User, people: set[User]) -> None:
    if not may_set_quotas(actor):
        raise Forbidden("Only sales managers and admins set quotas.", code="quotas_not_allowed")
    if actor.is_admin:
        return
    reachable = set(
        quota_people(user=actor).filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True)
    )
    refused = sorted(str(person) for person in people if person.pk not in reachable)
    if refused:
        raise Forbidden(
            f"You set quotas only for the people in the teams you manage, not for {', '.join(refused)}.",
            code="quota_person_not_yours",
        )


@transaction.atomic
def quotas_set_many(*, actor: User, entries: Iterable[QuotaEntry]) -> QuotaChanges:
    """Sets and clears quotas (the grid's save) in one transaction: all of them or, refused, none.

    Cells whose amount did not change are left alone, so `set_by` keeps naming who last changed them.
    """
    # The same cell twice: the later one wins (one row can be upserted only once per statement).
    entries = list({(entry.user.pk, entry.period): entry for entry in entries}.values())
    _ensure_may_set(actor, {entry.user for entry in entries})
    for entry in entries:
        _check_entry(entry)
    if not entries:
        return QuotaChanges(set=0, cleared=0)
    cells = Q(pk__in=[])
    for entry in entries:
        cells |= Q(user=entry.user, period=entry.period)
    current = {
        (quota.user_id, quota.period): quota.amount
        for quota in Quota.objects.select_for_update().filter(cells).order_by("pk")
    }
    upserts = [
        Quota(user=entry.user, period=entry.period, amount=entry.amount, set_by=actor)
        for entry in entries
        if entry.amount is not None and current.get((entry.user.pk, entry.period)) != entry.amount
    ]
    cleared = Q(pk__in=[])
    for entry in entries:
        if entry.amount is None and (entry.user.pk, entry.period) in current:
            cleared |= Q(user=entry.user, period=entry.period)
    # ON CONFLICT: a quota another manager created since the read above is updated, not a 500.
    Quota.objects.bulk_create(
        upserts,
        update_conflicts=True,
        unique_fields=["user", "period"],
        update_fields=["amount", "set_by", "updated_at"],
    )
    deleted, _ = Quota.objects.filter(cleared).delete()
    return QuotaChanges(set=len(upserts), cleared=deleted)


def quota_set(*, actor: User, user: User, period: date, amount: Decimal | None) -> Quota | None:
    """Sets `user`'s quota for the month starting on `period`, or clears it when `amount` is None."""
    quotas_set_many(actor=actor, entries=[QuotaEntry(user=user, period=period, amount=amount)])
    return Quota.objects.filter(user=user, period=period).first()
