"""Thin Celery tasks of scoring: ids in, one service call; the database says what is done.

Every task is safe to run twice: a rescore recomputes from the rows, and a job is claimed once.
"""

from celery import shared_task
from django.db import OperationalError

from .services import (
    lead_rescore,
    leads_rescore_chunk,
    scores_reconcile,
    scores_refresh_decayed,
)


# A lost connection or a deadlock victim is worth another try; a bad rule is not.
@shared_task(name="leads.rescore_lead", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def rescore_lead(lead_id: int) -> None:
    lead_rescore(lead_id=lead_id)


@shared_task(name="leads.rescore_chunk", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def rescore_chunk(chunk: int) -> int:
    return leads_rescore_chunk(chunk=chunk)


@shared_task(name="leads.refresh_decayed_scores")
def refresh_decayed_scores() -> int:
    return scores_refresh_decayed()


@shared_task(name="leads.reconcile_scores")
def reconcile_scores() -> int:
    return scores_reconcile()
