"""Engagement: what a person did with us (email opened, link clicked, form submitted, page visited)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from crm.models import EngagementEvent
from crm.timeline.signals import engagement_recorded

EMAIL_OPENED = "email_opened"
LINK_CLICKED = "link_clicked"
FORM_SUBMITTED = "form_submitted"
PAGE_VISITED = "page_visited"


@transaction.atomic
def engagement_record(
    *, target: Model, type: str, data: dict[str, Any] | None = None, occurred_at: datetime | None = None
) -> EngagementEvent:
    event = EngagementEvent.objects.create(
        type=type,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
    )
    engagement_recorded.send(sender=EngagementEvent, event=event)
    return event
