"""Thin Celery tasks of the duplicate check: ids in, one service call; the database says what is done.

Every task is safe to run twice: a lead already checked is skipped, and a check rewrites its rows.
"""

from celery import shared_task
from django.db import IntegrityError, OperationalError

from .checking import duplicates_reconcile, lead_duplicates_check, leads_duplicates_check_chunk

# Worth another try: a lost connection, a deadlock victim (a merge locking the same leads), and a
# candidate deleted while the check ran (its pair's foreign key fails at commit; the retry finds it gone).
RETRIED = (OperationalError, IntegrityError)


@shared_task(name="leads.check_lead_duplicates", autoretry_for=RETRIED, retry_backoff=True, max_retries=5)
def check_lead_duplicates(lead_id: int) -> bool:
    return lead_duplicates_check(lead_id=lead_id)


@shared_task(name="leads.check_duplicates_chunk", autoretry_for=RETRIED, retry_backoff=True, max_retries=5)
def check_duplicates_chunk(chunk: int) -> int:
    return leads_duplicates_check_chunk(chunk=chunk)


@shared_task(name="leads.reconcile_duplicates")
def reconcile_duplicates() -> int:
    return duplicates_reconcile()
