"""Set-based scoring SQL: the points every rule gives every lead in a range of lead ids, in a few statements.

Each rule is one SELECT of (lead_id, rule_id, points): an attribute rule is a WHERE on leads, an
engagement rule a GROUP BY over the lead's engagement events with its decay. Writing a range makes the
LeadScore rows equal to those SELECTs (writing only rows that differ), then sets each lead's score to
the sum of its rows. One lead is the range [id, id]; a million leads are a hundred ranges. Writers of a
range hold an advisory lock on its chunk, so a rule's rescore and an event's rescore never interleave.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, IntegerField, Max, Min, Value

from crm.models import EngagementEvent
from leads.models import Lead, LeadScore, LeadStatus, RuleKind, ScoringRule

from .rules import attribute_condition

# Leads per transaction in bulk work: a chunk's statements take well under a second at a million
# leads, so row locks are short and the progress bar moves a hundred times.
LEAD_CHUNK_SIZE = 10_000
# The advisory-lock namespace of scoring (pg_advisory_xact_lock(namespace, chunk)).
LOCK_NAMESPACE = 5_301
# One rule's points on one lead, and a lead's score, stay inside this bound (an integer column).
POINTS_CAP = 1_000_000
# Sales-ready is for leads still being worked: a converted or disqualified lead alerts nobody.
CLOSED_STATUSES = (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)

_LEADS = Lead._meta.db_table
_SCORES = LeadScore._meta.db_table
_EVENTS = EngagementEvent._meta.db_table


@dataclass(frozen=True)
class LeadSpan:
    """The leads a bulk pass walks: how many, and the lock chunks that hold them."""

    count: int
    first_chunk: int
    last_chunk: int

    def chunks(self) -> Iterator[int]:
        return iter(range(self.first_chunk, self.last_chunk + 1) if self.count else ())


@dataclass(frozen=True)
class SalesReadyChange:
    lead_id: int
    owner_id: int | None
    score: int
    is_ready: bool
    name: str


def chunk_of(lead_id: int) -> int:
    return lead_id // LEAD_CHUNK_SIZE


def chunk_bounds(chunk: int) -> tuple[int, int]:
    return chunk * LEAD_CHUNK_SIZE, (chunk + 1) * LEAD_CHUNK_SIZE - 1


def lead_span() -> LeadSpan:
    span = Lead.objects.aggregate(count=Count("id"), first=Min("id"), last=Max("id"))
    if not span["count"]:
        return LeadSpan(0, 0, -1)
    return LeadSpan(span["count"], chunk_of(span["first"]), chunk_of(span["last"]))


def lock_chunk(chunk: int) -> None:
    """Serialises the writers of one chunk's scores until the end of the transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, chunk])


def try_lock_pass(key: int) -> bool:
    """A session lock that keeps two periodic passes of one kind from running at once."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, -key])
        return bool(cursor.fetchone()[0])


def unlock_pass(key: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, -key])


def _attribute_rows(rule: ScoringRule, first: int, last: int) -> tuple[str, list[Any]]:
    matching = (
        Lead.objects.filter(attribute_condition(rule.field, rule.operator, rule.value))
        .filter(id__gte=first, id__lte=last)
        .annotate(rule=Value(rule.pk, IntegerField()), points=Value(rule.points, IntegerField()))
        .order_by()
        .values_list("id", "rule", "points")
    )
    sql, params = matching.query.sql_with_params()
    return sql, list(params)


def _engagement_rows(rule: ScoringRule, first: int, last: int, now: datetime) -> tuple[str, list[Any]]:
    """Points per event of the rule's type; with decay, each event's points halve every decay_days."""
    if rule.decay_days:
        points = (
            "ROUND(SUM(%s * POWER(0.5::float8,"
            " GREATEST(EXTRACT(EPOCH FROM (%s::timestamptz - e.occurred_at)), 0)::float8 / %s))::numeric)"
        )
        points_params: list[Any] = [rule.points, now, rule.decay_days * 86_400]
    else:
        points, points_params = "COUNT(*) * %s", [rule.points]
    url_filter, url_params = "", []
    if rule.value:
        escaped = rule.value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        url_filter, url_params = "AND e.data ->> 'url' ILIKE %s", [f"%{escaped}%"]
    sql = (
        f"SELECT * FROM (SELECT e.object_id AS lead_id, %s AS rule_id,"  # noqa: S608  (our own table names)
        f" LEAST(GREATEST({points}, -{POINTS_CAP}), {POINTS_CAP})::int AS points"
        f" FROM {_EVENTS} e WHERE e.content_type_id = %s AND e.type = %s"
        f" AND e.object_id BETWEEN %s AND %s {url_filter}"
        f" AND EXISTS (SELECT 1 FROM {_LEADS} l WHERE l.id = e.object_id)"
        " GROUP BY e.object_id) AS matched WHERE matched.points <> 0"
    )
    lead_type = ContentType.objects.get_for_model(Lead).pk
    return sql, [rule.pk, *points_params, lead_type, rule.event_type, first, last, *url_params]


def sync_points(
    rules: Sequence[ScoringRule], *, scope: Sequence[int] | None, first: int, last: int, now: datetime
) -> None:
    """Makes the leads' LeadScore rows in [first, last] what `rules` give; only changed rows are written.

    `scope` names the rules whose rows are replaced (None: every rule, so rows of inactive or deleted
    rules go too); `rules` are the active ones among them.
    """
    parts, params = [], []
    for rule in rules:
        if rule.kind == RuleKind.ATTRIBUTE:
            sql, rule_params = _attribute_rows(rule, first, last)
        else:
            sql, rule_params = _engagement_rows(rule, first, last, now)
        parts.append(f"({sql})")
        params += rule_params
    in_scope, scope_params = ("", []) if scope is None else ("AND s.rule_id = ANY(%s)", [list(scope)])
    stale = f"DELETE FROM {_SCORES} s WHERE s.lead_id BETWEEN %s AND %s {in_scope}"  # noqa: S608
    with connection.cursor() as cursor:
        if not parts:
            cursor.execute(stale, [first, last, *scope_params])
            return
        # One statement: the upsert and the delete touch disjoint rows, and `desired` is computed once.
        cursor.execute(
            f"WITH desired (lead_id, rule_id, points) AS ({' UNION ALL '.join(parts)}),"  # noqa: S608
            f" upserted AS (INSERT INTO {_SCORES} (lead_id, rule_id, points)"
            " SELECT lead_id, rule_id, points FROM desired"
            f" ON CONFLICT (lead_id, rule_id) DO UPDATE SET points = EXCLUDED.points"
            f" WHERE {_SCORES}.points <> EXCLUDED.points RETURNING 1)"
            f" {stale} AND NOT EXISTS"
            " (SELECT 1 FROM desired d WHERE d.lead_id = s.lead_id AND d.rule_id = s.rule_id)",
            [*params, first, last, *scope_params],
        )


def update_totals(first: int, last: int) -> int:
    """Sets each lead's score in [first, last] to the sum of its rows; returns how many leads there are."""
    # Every table is bounded by the id range, so each is read by an index range scan at any size.
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH sums AS (SELECT lead_id, SUM(points) AS points FROM {_SCORES}"  # noqa: S608
            " WHERE lead_id BETWEEN %s AND %s GROUP BY lead_id),"
            f" totals AS (SELECT l.id, LEAST(GREATEST(COALESCE(s.points, 0), -{POINTS_CAP}), {POINTS_CAP})"
            f" AS total FROM {_LEADS} l LEFT JOIN sums s ON s.lead_id = l.id WHERE l.id BETWEEN %s AND %s),"
            f" changed AS (UPDATE {_LEADS} l SET score = t.total FROM totals t"
            " WHERE l.id BETWEEN %s AND %s AND l.id = t.id AND l.score <> t.total RETURNING 1)"
            " SELECT (SELECT COUNT(*) FROM totals), (SELECT COUNT(*) FROM changed)",
            [first, last, first, last, first, last],
        )
        return int(cursor.fetchone()[0])


def mark_sales_ready(first: int, last: int, *, threshold: int, now: datetime) -> list[SalesReadyChange]:
    """Leads in [first, last] that reached the threshold get sales_ready_at, once; those below lose it."""
    closed = [str(status) for status in CLOSED_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_LEADS} SET sales_ready_at = CASE WHEN score >= %s THEN %s::timestamptz END"  # noqa: S608
            " WHERE id BETWEEN %s AND %s AND ("
            "(score >= %s AND sales_ready_at IS NULL AND NOT status = ANY(%s))"
            " OR (score < %s AND sales_ready_at IS NOT NULL))"
            " RETURNING id, owner_id, score, sales_ready_at IS NOT NULL,"
            " COALESCE(NULLIF(TRIM(first_name || ' ' || last_name), ''), NULLIF(email, ''), company)",
            [threshold, now, first, last, threshold, closed, threshold],
        )
        return [SalesReadyChange(*row) for row in cursor.fetchall()]
