"""Thin Celery tasks of the duplicate check: ids in, one service call; the database says what is done.

Every task is safe to run twice: a lead already checked is skipped, and a check rewrites its rows.
"""

from celery import shared_task
from django.db import IntegrityError, OperationalError

from crm.jobs.wakeups import wake

from .checking import duplicates_reconcile, lead_duplicates_check, leads_duplicates_check_chunk

# Worth another try: a lost connection, a deadlock victim (a merge locking the same leads), and a
# candidate deleted while the check ran (its pair's foreign key fails at commit; the retry finds it gone).
RETRIED = (OperationalError, IntegrityError)
# A chunk task gives its worker process back after this long and wakes itself for the rest of the
# chunk: a whole chunk takes tens of seconds on a busy machine, and a job's wake-up must not wait that.
CHUNK_SECONDS = 2.0


@shared_task(name="leads.check_lead_duplicates", autoretry_for=RETRIED, retry_backoff=True, max_retries=5)
def check_lead_duplicates(lead_id: int) -> bool:
    return lead_duplicates_check(lead_id=lead_id)


@shared_task(name="leads.check_duplicates_chunk", autoretry_for=RETRIED, retry_backoff=True, max_retries=5)
def check_duplicates_chunk(chunk: int) -> int:
    checked, left = leads_duplicates_check_chunk(chunk=chunk, seconds=CHUNK_SECONDS)
    if left:
        wake(check_duplicates_chunk.delay, chunk)
    return checked


@shared_task(name="leads.reconcile_duplicates")
def reconcile_duplicates() -> int:
    return duplicates_reconcile()
