"""Reads for the lead export: the leads of an already scoped and filtered list, batch by batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from crm.lists.exporting import keyset_batches
from leads.models import IDENTITY_FIELDS, MARKETING_FIELD_ORDER, Lead

# Leads per query. 2,000 rows are about 400 KB of CSV and one index range scan each; larger batches save
# little time and cost memory.
BATCH_SIZE = 2_000
# The columns the export writes: the lead's own, and its owner's and team's names through the joins.
EXPORTED = (
    "pk",
    *IDENTITY_FIELDS,
    *MARKETING_FIELD_ORDER,
    "status",
    "score",
    "created_at",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "team__name",
    "external_id",
    "external_source",
)


def lead_export_batches(leads: QuerySet[Lead], *, ordering: list[str]) -> Iterator[list[Any]]:
    """`leads` (from `lead_list`, filtered) in `ordering`, a keyset page of BATCH_SIZE at a time.

    Each batch is one query (crm.lists.exporting.keyset_batches). Rows are named tuples of EXPORTED and
    the sort keys: building model instances took more time than the queries and the CSV together. A
    lead whose sort value changes during the export (rescored, when sorted by score) can be written
    twice or not at all; the default sort, newest first, is stable.
    """
    keys = [name.lstrip("-") for name in ordering if name.lstrip("-") not in EXPORTED]
    rows = leads.values_list(*EXPORTED, *keys, named=True)
    return keyset_batches(rows, ordering=ordering, size=BATCH_SIZE)
