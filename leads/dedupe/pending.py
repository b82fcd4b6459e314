"""Which leads' duplicates must be checked again, and the wake-up of the worker that checks them.

PostgreSQL keeps what is due: a lead whose `duplicates_checked_at` is empty (every new lead, whatever
wrote it, and a lead whose matched fields a service changed). Celery only wakes a worker: one task per
lead that a person changed, one per id chunk after bulk writes; the periodic pass
(`leads.reconcile_duplicates`) checks whatever a lost wake-up left due.
"""

from __future__ import annotations

from collections.abc import Iterable

from crm.jobs.wakeups import on_commit_once, wake_on_commit

# The fields leads.dedupe.matching reads: a change to any of them may make or break a pair.
MATCHED_FIELDS = frozenset({"first_name", "last_name", "email", "phone", "company"})
# Leads per wake-up in bulk work: a check costs up to about 60 ms at a million leads, so a chunk keeps
# a worker about a minute, and an import's wake-ups stay few.
CHECK_CHUNK_SIZE = 1_000


def duplicates_stale(changed: Iterable[str]) -> bool:
    """Whether changing these fields of a lead makes its stored duplicates stale."""
    return not MATCHED_FIELDS.isdisjoint(changed)


def check_chunk_of(lead_id: int) -> int:
    return lead_id // CHECK_CHUNK_SIZE


def check_chunk_bounds(chunk: int) -> tuple[int, int]:
    return chunk * CHECK_CHUNK_SIZE, (chunk + 1) * CHECK_CHUNK_SIZE - 1


def lead_duplicates_check_soon(lead_id: int) -> None:
    """Checks the lead's duplicates in a worker once the caller's transaction commits (call it after
    creating a lead, or after clearing its duplicates_checked_at)."""
    # Imported here: the task's service matches through leads.dedupe.matching, which imports the lead
    # services that call this.
    from .tasks import check_lead_duplicates

    on_commit_once(check_lead_duplicates.delay, lead_id)


def leads_duplicates_check_soon(lead_ids: Iterable[int]) -> None:
    """For bulk writes: one wake-up per id chunk that holds any of the leads, after commit."""
    from .tasks import check_duplicates_chunk

    for chunk in sorted({check_chunk_of(lead_id) for lead_id in lead_ids}):
        wake_on_commit(check_duplicates_chunk.delay, chunk)
