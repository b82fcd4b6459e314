from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from crm.events import event_type
from crm.models import LifecycleEvent, User
from crm.rollup import rollup_account_id


def event_record(
    *, actor: User | None, target: Model, type: str, data: dict[str, Any] | None = None
) -> LifecycleEvent:
    """Writes a typed lifecycle event; call it inside the service's transaction."""
    event_type(type)  # unknown types fail here, not in a report months later
    return LifecycleEvent.objects.create(
        type=type,
        actor=actor,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        data=data or {},
        account_id=rollup_account_id(target),
    )
