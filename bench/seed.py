"""Set-based seeding: one INSERT ... SELECT over generate_series per table (bench.sql), then ANALYZE.

`ensure_seeded` reuses the data when the database already holds this scale as seeded (bench.seed_state),
else restores the scale's snapshot of the same seed (bench.snapshot), else checks the disk has room
(bench.disk), empties the database and seeds it again, then takes the snapshot. A seed runs in stages:
the people and customers; then, on two connections at once, the accounts' timeline with the deals and
theirs (bench.seed_sales), and the leads with their engagement events; then, again on two connections,
the leads' scores, range by range, and the bulk tables' secondary indexes and foreign keys, dropped
before the inserts and built once (bench.seed_schema); then VACUUM (ANALYZE). Each stage commits; a
seed that stops halfway leaves no seed state (and its dropped indexes journaled), so the next run
seeds again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from bench import disk, seed_schema, seed_state, snapshot
from bench.database import bench_database
from bench.scales import Scale
from bench.seed_customers import seed_account_timeline, seed_customers, seed_people
from bench.seed_leads import lead_params, seed_engagements, seed_leads
from bench.seed_sales import seed_sales
from bench.seed_scoring import score_range, score_ranges, seed_rules
from bench.sql import SeedError, execute
from crm.models import (
    Account,
    Activity,
    ActivityKind,
    CompanySize,
    ConsentStatus,
    Contact,
    EngagementEvent,
    LifecycleEvent,
    LifecycleStage,
    Role,
    Task,
    Team,
    User,
)
from leads.models import Lead, LeadScore, LeadSettings, ScoringRule
from sales.models import (
    Deal,
    DealLine,
    ExitCriterion,
    LostReason,
    Pipeline,
    Product,
    Quota,
    Stage,
    StageVisit,
)

SEEDED_MODELS: list[type[models.Model]] = [
    Team, User, Account, Contact, Activity, Task, Lead, EngagementEvent, ScoringRule, LeadScore,
    Pipeline, Stage, ExitCriterion, LostReason, Product, Deal, DealLine, StageVisit,
    Deal.history.model, LifecycleEvent, Quota,
]  # fmt: skip
# Filled without their secondary indexes and foreign keys, which are then built once.
BULK_TABLES: list[type[models.Model]] = [
    Account, Contact, Activity, Task, Lead, EngagementEvent, LeadScore, Deal, DealLine,
    StageVisit, Deal.history.model, LifecycleEvent,
]  # fmt: skip
# Set in each seeding transaction. Sorts of millions of rows get memory; JIT compiles each big INSERT
# for seconds and gains nothing back. The remaining foreign keys (of the small tables) are checked at
# each statement, not at commit: CREATE INDEX refuses a table with checks still pending.
SEED_SESSION = [
    "SET LOCAL maintenance_work_mem = '1GB'",
    "SET LOCAL work_mem = '256MB'",
    "SET LOCAL jit = off",
    "SET CONSTRAINTS ALL IMMEDIATE",
]


@dataclass(frozen=True)
class Seeding:
    counts: dict[str, int]
    reused: bool
    seconds: float  # how long the seed took, when it ran (or when the reused data was seeded)
    fingerprint: str
    phases: dict[str, float]
    restored: bool = False  # from the snapshot (phases has how long that took)


@dataclass
class Clock:
    """Seconds per phase, in the order they ran; `prefix` names a stream that runs beside another."""

    prefix: str = ""
    phases: dict[str, float] = field(default_factory=dict)
    mark: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[f"{self.prefix}{name}"] = round(now - self.mark, 1)
        self.mark = now


def ensure_seeded(scale_name: str, scale: Scale, *, force: bool = False) -> Seeding:
    """The seeded data for `scale`: reused when the database holds it, else restored or seeded now."""
    fingerprint = seed_state.fingerprint(scale_name, scale)
    state = seed_state.current()
    same = state is not None and state.fingerprint == fingerprint
    if not force and state is not None and same and state.clean:
        print(
            f"bench: reusing the {state.scale} data seeded at {state.seeded_at:%Y-%m-%d %H:%M} "
            f"(seed {fingerprint}, took {state.seconds:.1f} s); --reseed restores its snapshot or seeds again"
        )
        return Seeding(row_counts(), reused=True, seconds=state.seconds, fingerprint=fingerprint, phases={})
    if force:
        why = "--reseed"
    elif same:
        why = "an earlier run was interrupted before it undid its writes"
    elif state is not None:
        why = f"the database holds {state.scale} data of another seed"
    else:
        why = "the database holds no seeded data"
    stored = snapshot.find(scale_name)
    if stored is not None and stored.fingerprint == fingerprint:
        return _restore(stored, why)
    if stored is not None:
        print(f"bench: snapshot {stored.name} holds an older seed; dropping it")
    print(f"bench: {why}; seeding {scale_name}")
    disk.check(scale_name, scale, reclaimed=_database_size() + (stored.size if stored else 0))
    if stored is not None:
        snapshot.drop(stored)
    phases, seconds = seed(scale)
    seed_state.record(fingerprint=fingerprint, scale=scale_name, seconds=seconds)
    counts = row_counts()
    print(f"bench: seeded {_describe(counts)} in {seconds} s ({_describe_phases(phases)})")
    snapshot.take(scale_name, fingerprint=fingerprint, seconds=seconds)
    return Seeding(counts, reused=False, seconds=seconds, fingerprint=fingerprint, phases=phases)


def _restore(stored: snapshot.Snapshot, why: str) -> Seeding:
    print(
        f"bench: {why}; restoring the {stored.scale} data from snapshot {stored.name} (seeded "
        f"{stored.seeded_at} in {stored.seconds:.0f} s by the same seed code; --drop, then a run, seeds "
        "from scratch)"
    )
    disk.check_restore(stored.size, stored.name, reclaimed=_database_size())
    seconds = round(snapshot.restore(stored), 1)
    print(f"bench: restored {stored.name} in {seconds} s")
    return Seeding(
        row_counts(),
        reused=True,
        seconds=stored.seconds,
        fingerprint=stored.fingerprint,
        phases={"restore from snapshot": seconds},
        restored=True,
    )


def seed(scale: Scale) -> tuple[dict[str, float], float]:
    """Empty the (already checked) benchmark database and fill it at `scale`; seconds per phase, in all."""
    if connection.settings_dict["NAME"] != bench_database():
        raise SeedError(f"bench: refusing to empty {connection.settings_dict['NAME']!r}.")
    if scale.reps < 2:
        raise SeedError("bench: a scale needs at least two reps (a tenth of them own half the records).")
    began = time.perf_counter()
    clock = Clock()
    seed_state.forget()
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    seed_schema.rebuild()  # what an interrupted seed left dropped (the tables are empty: instant)
    params = _params(scale)
    clock.lap("flush")
    seed_schema.drop([model._meta.db_table for model in BULK_TABLES])
    with transaction.atomic():
        _session()
        seed_people(params)
        seed_customers(params)
    clock.lap("people and customers")
    streams = seed_schema.in_parallel(
        [lambda: _stream("deals: ", _deals, params), lambda: _stream("leads: ", _leads, params)]
    )
    clock.lap("deals and leads, at once")
    for stream in streams:
        clock.phases.update(stream)
    # The scoring ranges first, then the indexes and keys, the slowest first. Each takes the locks it
    # needs, so an index of the lead table waits for the last scoring range to commit.
    spent: list[tuple[str, float]] = []
    now = timezone.now()
    seed_schema.run_queue(
        [
            *(_timed(spent, "scores", partial(_score, first, last, now)) for first, last in score_ranges()),
            *(_timed(spent, "indexes and foreign keys", job) for job in seed_schema.rebuild_jobs()),
        ]
    )
    clock.lap("scores, indexes and foreign keys, at once")
    for kind in dict(spent):
        clock.phases[f"{kind} (summed over the connections)"] = round(
            sum(s for k, s in spent if k == kind), 1
        )
    seed_schema.vacuum_analyze([model._meta.db_table for model in SEEDED_MODELS])
    clock.lap("vacuum analyze")
    return clock.phases, round(time.perf_counter() - began, 1)


def _session() -> None:
    for statement in SEED_SESSION:
        execute(statement)


def _stream(
    prefix: str, work: Callable[[dict[str, Any], Clock], None], params: dict[str, Any]
) -> dict[str, float]:
    """One transaction of seeding on this thread's own connection; its phases."""
    clock = Clock(prefix)
    with transaction.atomic():
        _session()
        work(dict(params), clock)
    return clock.phases


def _timed(spent: list[tuple[str, float]], kind: str, job: Callable[[], None]) -> Callable[[], None]:
    def timed() -> None:
        began = time.perf_counter()
        job()
        spent.append((kind, time.perf_counter() - began))

    return timed


def _score(first: int, last: int, now: datetime) -> None:
    with transaction.atomic():
        _session()
        score_range(first, last, now=now)


def _deals(params: dict[str, Any], clock: Clock) -> None:
    seed_account_timeline(params)
    clock.lap("account timeline")
    seed_sales(params)
    clock.lap("deals and their timeline")


def _leads(params: dict[str, Any], clock: Clock) -> None:
    LeadSettings.current()
    seed_leads(params)
    clock.lap("leads")
    seed_engagements(params)
    seed_rules()
    clock.lap("engagements")


def _params(scale: Scale) -> dict[str, Any]:
    return {
        "teams": scale.teams,
        "reps": scale.reps,
        "accounts": scale.accounts,
        "contacts": scale.contacts,
        "activities": scale.activities,
        "deals": scale.deals,
        "deal_activities": scale.deal_activities,
        "contact_activities": scale.contact_activities,
        "tasks": scale.tasks,
        "leads": scale.leads,
        "engagements": scale.engagements,
        "manager": Role.SALES_MANAGER.value,
        "sizes": [value for value in CompanySize.values if value],
        "stages": [
            LifecycleStage.PROSPECT.value,
            LifecycleStage.CUSTOMER.value,
            LifecycleStage.CUSTOMER.value,
            LifecycleStage.CHURNED.value,
        ],
        "consents": ConsentStatus.values,
        "kinds": ActivityKind.values,
        "account_type": ContentType.objects.get_for_model(Account).pk,
        "lead_type": ContentType.objects.get_for_model(Lead).pk,
        **lead_params(scale.reps),
    }


def row_counts() -> dict[str, int]:
    return {model._meta.db_table: model._default_manager.count() for model in SEEDED_MODELS}


def _database_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return int(cursor.fetchone()[0])


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {table_label(table)}" for table, count in counts.items())


def _describe_phases(phases: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds} s" for name, seconds in phases.items())


def table_label(table: str) -> str:
    return table.removeprefix("crm_").removeprefix("leads_").removeprefix("sales_")
