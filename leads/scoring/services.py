"""Scoring writes: admins' rules, and the scores they give leads, one lead at a time or all at once.

A rule change starts a rescore job for that rule (set-based, chunked, with progress); an engagement or a
lead change rescores that one lead. Both write through leads.scoring.engine, so they agree. A lead's
score reaching the admin's threshold makes it sales-ready once, until it drops below again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from crm import access
from crm.errors import NotFound
from crm.jobs.running import JobRun, job_kind
from crm.jobs.services import job_enqueue
from crm.models import BackgroundJob, LifecycleEvent, Notification, NotificationKind, User
from crm.records import validate
from crm.timeline.events import event_type
from leads.models import Lead, LeadSettings, RuleKind, ScoringRule

from . import engine
from .events import LEAD_SALES_READY
from .rules import check_rule
from .selectors import RESCORE_JOB_KIND

logger = logging.getLogger(__name__)

# The fields that change the points a rule gives; renaming a rule rescores nothing.
SCORING_FIELDS = ("kind", "field", "operator", "value", "event_type", "points", "decay_days", "is_active")
# Keys of the periodic passes' session locks: one pass of each kind at a time.
RECONCILE_PASS, DECAY_PASS = 1, 2


@dataclass(frozen=True)
class RuleSaved:
    rule: ScoringRule
    # The rescore that applies the change to every lead; None when no lead's points change.
    job: BackgroundJob | None


@transaction.atomic
def scoring_rule_create(
    *,
    actor: User,
    name: str,
    kind: str,
    points: int,
    field: str = "",
    operator: str = "",
    value: str = "",
    event_type: str = "",
    decay_days: int | None = None,
    is_active: bool = True,
) -> RuleSaved:
    access.ensure_admin(actor, doing="manage scoring rules")
    checked = check_rule(
        name=name,
        kind=kind,
        field=field,
        operator=operator,
        value=value,
        event_type=event_type,
        points=points,
        decay_days=decay_days,
    )
    rule = ScoringRule(**checked, is_active=is_active)
    validate(rule)
    rule.save()
    return RuleSaved(rule, rescore_start(actor=actor, rule_ids=[rule.pk]) if is_active else None)


@transaction.atomic
def scoring_rule_update(
    *,
    actor: User,
    rule_id: int,
    name: str,
    kind: str,
    points: int,
    field: str = "",
    operator: str = "",
    value: str = "",
    event_type: str = "",
    decay_days: int | None = None,
    is_active: bool = True,
) -> RuleSaved:
    access.ensure_admin(actor, doing="manage scoring rules")
    rule = ScoringRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound
    checked = check_rule(
        name=name,
        kind=kind,
        field=field,
        operator=operator,
        value=value,
        event_type=event_type,
        points=points,
        decay_days=decay_days,
    )
    before = [getattr(rule, attribute) for attribute in SCORING_FIELDS]
    for attribute, new in {**checked, "is_active": is_active}.items():
        setattr(rule, attribute, new)
    validate(rule)
    rule.save()
    changed = before != [getattr(rule, attribute) for attribute in SCORING_FIELDS]
    return RuleSaved(rule, rescore_start(actor=actor, rule_ids=[rule.pk]) if changed else None)


@transaction.atomic
def scoring_rule_delete(*, actor: User, rule_id: int) -> BackgroundJob | None:
    """Deletes the rule and its points, then recounts the scores; deleting it again changes nothing."""
    access.ensure_admin(actor, doing="manage scoring rules")
    deleted, _ = ScoringRule.objects.filter(pk=rule_id).delete()
    return rescore_start(actor=actor, rule_ids=[rule_id]) if deleted else None


def rescore_start(*, actor: User, rule_ids: Sequence[int] | None = None) -> BackgroundJob:
    """Queues a rescore of every lead for these rules (None: all rules, e.g. after a threshold change)."""
    access.ensure_admin(actor, doing="manage scoring rules")
    payload = {"rule_ids": None if rule_ids is None else list(rule_ids)}
    return job_enqueue(kind=RESCORE_JOB_KIND, created_by=actor, payload=payload)


@job_kind(RESCORE_JOB_KIND, url=lambda job: reverse("leads:scoring-rules"))
def scoring_rules_rescore_all(run: JobRun) -> None:
    """Runs a rescore job: each chunk of leads in its own transaction with the job's checkpoint, so a
    resumed job carries on at the next chunk, with the span and the clock its first attempt fixed."""
    if not run.checkpoint:
        span = engine.lead_span()
        with transaction.atomic():
            run.save_progress(
                checkpoint={
                    "count": span.count,
                    "first_chunk": span.first_chunk,
                    "last_chunk": span.last_chunk,
                    "next_chunk": span.first_chunk,
                    "now": timezone.now().isoformat(),
                },
                total=span.count,
                message="Rescoring",
            )
    checkpoint = run.checkpoint
    span = engine.LeadSpan(checkpoint["count"], checkpoint["next_chunk"], checkpoint["last_chunk"])
    rule_ids: list[int] | None = run.payload.get("rule_ids")
    rules = ScoringRule.objects.filter(is_active=True)
    if rule_ids is not None:
        rules = rules.filter(pk__in=rule_ids)
    now = datetime.fromisoformat(checkpoint["now"])
    _rescore_span(span, rules=list(rules), scope=rule_ids, now=now, run=run)
    leads = run.job.done
    with transaction.atomic():
        run.finish(
            result={"rule_ids": rule_ids, "leads": leads},
            message=f"Rescored {leads} lead{'' if leads == 1 else 's'}.",
        )


def lead_rescore(*, lead_id: int, now: datetime | None = None) -> None:
    """Recomputes one lead's points for every active rule, its score, and whether it is sales-ready."""
    rules = list(ScoringRule.objects.filter(is_active=True))
    threshold = LeadSettings.current().sales_ready_score
    _rescore_range(lead_id, lead_id, rules=rules, scope=None, threshold=threshold, now=now or timezone.now())


def leads_rescore_chunk(*, chunk: int, now: datetime | None = None) -> int:
    """Rescores every lead of one id chunk: cheaper than lead by lead after a bulk import or edit."""
    first, last = engine.chunk_bounds(chunk)
    rules = list(ScoringRule.objects.filter(is_active=True))
    threshold = LeadSettings.current().sales_ready_score
    return _rescore_range(
        first, last, rules=rules, scope=None, threshold=threshold, now=now or timezone.now()
    )


def scores_refresh_decayed(*, now: datetime | None = None) -> int:
    """Lets decaying engagement points age: rescores every lead for the rules with a decay."""
    rules = list(
        ScoringRule.objects.filter(is_active=True, kind=RuleKind.BEHAVIOUR, decay_days__isnull=False)
    )
    if not rules:
        return 0
    return _periodic_pass(DECAY_PASS, rules=rules, scope=[rule.pk for rule in rules], now=now)


def scores_reconcile(*, now: datetime | None = None) -> int:
    """Makes every score what the rules say, writing only what differs: scores derive from rows
    PostgreSQL keeps (lead fields, engagement events, rules), so a lead's rescore whose wake-up the
    broker lost is repaired here, within one period."""
    return _periodic_pass(RECONCILE_PASS, rules=list(ScoringRule.objects.filter(is_active=True)), now=now)


def _periodic_pass(
    key: int, *, rules: list[ScoringRule], scope: list[int] | None = None, now: datetime | None
) -> int:
    if not engine.try_lock_pass(key):
        logger.info("A scoring pass %s is already running; skipped.", key)
        return 0
    try:
        return _rescore_span(engine.lead_span(), rules=rules, scope=scope, now=now or timezone.now())
    finally:
        engine.unlock_pass(key)


def _rescore_span(
    span: engine.LeadSpan,
    *,
    rules: list[ScoringRule],
    scope: Sequence[int] | None,
    now: datetime,
    run: JobRun | None = None,
) -> int:
    threshold = LeadSettings.current().sales_ready_score
    done = run.job.done if run is not None else 0
    for chunk in run.paced(span.chunks()) if run is not None else span.chunks():
        first, last = engine.chunk_bounds(chunk)
        with transaction.atomic():
            leads = _rescore_range(first, last, rules=rules, scope=scope, threshold=threshold, now=now)
            # Leads created during the run count for nothing: the job's total was taken at its start.
            step = min(leads, span.count - done)
            if run is not None:
                run.save_progress(checkpoint={**run.checkpoint, "next_chunk": chunk + 1}, advance=step)
        done += step
    return done


@transaction.atomic
def _rescore_range(
    first: int,
    last: int,
    *,
    rules: list[ScoringRule],
    scope: Sequence[int] | None,
    threshold: int,
    now: datetime,
) -> int:
    engine.lock_chunk(engine.chunk_of(first))
    engine.sync_points(rules, scope=scope, first=first, last=last, now=now)
    leads = engine.update_totals(first, last)
    _announce(engine.mark_sales_ready(first, last, threshold=threshold, now=now), threshold=threshold)
    return leads


def _announce(changes: list[engine.SalesReadyChange], *, threshold: int) -> None:
    """Writes the lead.sales_ready event and tells the owner, for each lead that just became sales-ready.

    These are the rows event_record and notification_send write, created in bulk: a rule change can make
    thousands of leads sales-ready in one chunk.
    """
    ready = [change for change in changes if change.is_ready]
    if not ready:
        return
    event_type(LEAD_SALES_READY)  # fails loudly when the type was never registered
    lead_type = ContentType.objects.get_for_model(Lead)
    LifecycleEvent.objects.bulk_create(
        LifecycleEvent(
            type=LEAD_SALES_READY,
            content_type=lead_type,
            object_id=change.lead_id,
            data={"score": change.score, "threshold": threshold},
        )
        for change in ready
    )
    Notification.objects.bulk_create(
        Notification(
            recipient_id=change.owner_id,
            kind=NotificationKind.SALES_READY,
            message=f"{change.name} reached a score of {change.score} and is sales-ready."[:300],
            url=reverse("leads:detail", args=[change.lead_id]),
        )
        for change in ready
        if change.owner_id is not None
    )
