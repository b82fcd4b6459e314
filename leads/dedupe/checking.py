"""The duplicate check: a worker finds a new or changed lead's likely duplicates and stores them.

A check takes one due lead (leads.dedupe.pending) in a transaction of its own. It matches the lead
against every lead (matching.lead_matches, unscoped: who may see a candidate is decided when the panel
reads), rewrites every stored row that names the lead, both ways, and marks the lead checked only if
the fields it matched on are still the lead's: a compare-and-swap, so a change made meanwhile leaves
the lead due, and its own wake-up checks it again.

Checks run one at a time (a transaction-level advisory lock). The rows of a pair are written by the
check of either lead, so two checks at once could each read the other lead as it was, and the later
one would keep a pair that no longer holds. One at a time, each check reads every change committed
before it started, and a change committed after it leaves the changed lead due. At about 60 ms a check
at a million leads, that is some 60,000 checks an hour.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from leads.models import Lead, LeadDuplicate

from .matching import Likeness, lead_matches
from .pending import CHECK_CHUNK_SIZE, MATCHED_FIELDS, check_chunk_bounds

logger = logging.getLogger(__name__)

# Candidates stored per check, strongest first. The panel shows the ten its viewer may see, the same
# ten the live query found as long as a lead has no more than this many likely duplicates.
STORED_CANDIDATES = 50
# The advisory-lock namespace of the duplicate check (scoring's is 5,301): key 0 serialises the checks,
# key 1 keeps two periodic passes from running at once.
LOCK_NAMESPACE = 5_302
CHECK_LOCK, RECONCILE_PASS = 0, 1
# Read with the lead and compared again when it is marked checked.
_MATCHED = sorted(MATCHED_FIELDS)


def lead_duplicates_check(*, lead_id: int) -> bool:
    """Checks the lead if its check is due; False if it was not (checked already, or deleted)."""
    return _check(lead_id, now=timezone.now())


class ChunkChecked(NamedTuple):
    checked: int
    left: int  # due leads of the chunk not reached within the time given


def leads_duplicates_check_chunk(*, chunk: int, seconds: float | None = None) -> ChunkChecked:
    """Checks the due leads of one id chunk (see pending.CHECK_CHUNK_SIZE), each in its own transaction,
    for about `seconds` at most but always at least one (None: all of them)."""
    first, last = check_chunk_bounds(chunk)
    due = list(
        Lead.objects.filter(duplicates_checked_at__isnull=True, pk__gte=first, pk__lte=last)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    deadline = None if seconds is None else time.monotonic() + seconds
    checked = 0
    for reached, lead_id in enumerate(due):
        if reached and deadline is not None and time.monotonic() > deadline:
            return ChunkChecked(checked, left=len(due) - reached)
        checked += _check(lead_id, now=timezone.now())
    return ChunkChecked(checked, left=0)


def duplicates_reconcile() -> int:
    """Checks every lead still due, in id order: those whose wake-up the broker lost, and those that
    bulk writes left to the periodic pass. Returns how many it checked."""
    if not _try_lock_pass():
        logger.info("A duplicate check pass is already running; skipped.")
        return 0
    try:
        done, after = 0, 0
        while True:
            due = list(
                Lead.objects.filter(duplicates_checked_at__isnull=True, pk__gt=after)
                .order_by("pk")
                .values_list("pk", flat=True)[:CHECK_CHUNK_SIZE]
            )
            if not due:
                return done
            done += sum(_check(lead_id, now=timezone.now()) for lead_id in due)
            after = due[-1]
    finally:
        _unlock_pass()


@transaction.atomic
def _check(lead_id: int, *, now: datetime) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, CHECK_LOCK])
    lead = Lead.objects.filter(pk=lead_id, duplicates_checked_at__isnull=True).only(*_MATCHED).first()
    if lead is None:
        return False
    rows = []
    for match in lead_matches(Lead.objects.only("pk", "last_name", "company"), lead, limit=STORED_CANDIDATES):
        other = match.lead
        rows.append(_row(lead.pk, other.pk, match.likeness(seen_from=lead)))
        rows.append(_row(other.pk, lead.pk, match.likeness(seen_from=other)))
    LeadDuplicate.objects.filter(Q(lead_id=lead_id) | Q(candidate_id=lead_id)).delete()
    LeadDuplicate.objects.bulk_create(rows)
    unchanged = {name: getattr(lead, name) for name in _MATCHED}
    Lead.objects.filter(pk=lead_id, duplicates_checked_at__isnull=True, **unchanged).update(
        duplicates_checked_at=now
    )
    return True


def _row(lead_id: int, candidate_id: int, why: Likeness) -> LeadDuplicate:
    return LeadDuplicate(
        lead_id=lead_id,
        candidate_id=candidate_id,
        same_email=why.same_email,
        same_phone=why.same_phone,
        similar_name_and_company=why.similar_name_and_company,
        similarity=why.similarity,
    )


def _try_lock_pass() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, RECONCILE_PASS])
        return bool(cursor.fetchone()[0])


def _unlock_pass() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, RECONCILE_PASS])
