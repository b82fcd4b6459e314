"""What rescores a lead: an engagement on it (the kernel's hook), or a change other lead code reports.

Celery is only the wake-up: the task recomputes from rows PostgreSQL keeps (the lead, its engagement
events, the rules), and the periodic `leads.reconcile_scores` pass repairs any score whose wake-up was
lost. leads/apps.py calls `connect()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType

from crm.jobs.wakeups import on_commit_once, wake_on_commit
from crm.models import EngagementEvent
from crm.timeline.signals import engagement_recorded
from leads.models import Lead

from .engine import chunk_of
from .tasks import rescore_chunk, rescore_lead

DISPATCH_UID = "leads.scoring.rescore_on_engagement"


def lead_rescore_soon(lead_id: int) -> None:
    """Rescores the lead in a worker once the caller's transaction commits (call it after any change)."""
    on_commit_once(rescore_lead.delay, lead_id)  # delay_on_commit, once however many writes asked


def leads_rescore_soon(lead_ids: Iterable[int]) -> None:
    """Rescores many leads after commit, one task per id chunk (see engine.LEAD_CHUNK_SIZE) that holds any.

    For bulk writes (imports, bulk edits): a chunk of new leads is rescored in one set-based pass.
    """
    for chunk in sorted({chunk_of(lead_id) for lead_id in lead_ids}):
        wake_on_commit(rescore_chunk.delay, chunk)


def on_engagement_recorded(sender: type[EngagementEvent], *, event: EngagementEvent, **kwargs: Any) -> None:
    if event.content_type_id == ContentType.objects.get_for_model(Lead).pk:
        lead_rescore_soon(event.object_id)


def connect() -> None:
    """Connects the receiver; calling it again changes nothing (the dispatch_uid is the same)."""
    engagement_recorded.connect(on_engagement_recorded, sender=EngagementEvent, dispatch_uid=DISPATCH_UID)
