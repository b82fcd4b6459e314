"""Which account a record's timeline rows roll up to, so the account's 360 view reads them in one query.

Activities and lifecycle events carry the account of their target (the account itself, a contact's
account, a deal's account ...). Each app registers the field naming the account for its record types in
`AppConfig.ready()`; the services that move a record to another account call `rollup_reassign()`.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from crm.models import Account, Activity, LifecycleEvent

_account_fields: dict[type[Model], str] = {}


def register_account_rollup(model: type[Model], *, field: str) -> None:
    _account_fields[model] = field


def rollup_account_id(target: Model) -> int | None:
    if isinstance(target, Account):
        return target.pk
    field = _account_fields.get(type(target))
    return getattr(target, f"{field}_id") if field else None


def rollup_reassign(*, target: Model, account_id: int | None) -> None:
    """Moves the target's timeline rows to another account's 360 view (call inside the transaction)."""
    on_target = {"content_type": ContentType.objects.get_for_model(target), "object_id": target.pk}
    Activity.objects.filter(**on_target).update(account_id=account_id)
    LifecycleEvent.objects.filter(**on_target).update(account_id=account_id)


def register_kernel_rollups() -> None:
    from crm.models import Contact

    register_account_rollup(Contact, field="account")
