"""Set-based seeding: one INSERT ... SELECT over generate_series per table (bench.sql), then ANALYZE.

`ensure_seeded` reuses the data when the database already holds this scale at this seed version
(bench.seed_state); otherwise it empties the database and seeds it again. The lead table, the deal
tables and the timeline are filled without their secondary indexes, which are then built once (much
faster than maintaining trigram GIN indexes, or millions of rows' timeline keys, row by row), all in
one transaction: a seed that stops halfway leaves nothing behind. Selling is seeded by bench.seed_sales.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, models, transaction

from bench import seed_state
from bench.scales import Scale
from bench.seed_leads import create_indexes, drop_secondary_indexes, lead_params, seed_engagements, seed_leads
from bench.seed_sales import seed_sales
from bench.seed_scoring import score_every_lead, seed_rules
from bench.settings import BENCH_DATABASE
from bench.sql import SeedError, execute, insert_select
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
    ExitCriterion,
    LostReason,
    Opportunity,
    OpportunityLine,
    Pipeline,
    Product,
    Quota,
    Stage,
    StageVisit,
)

SEEDED_MODELS: list[type[models.Model]] = [
    Team, User, Account, Contact, Activity, Task, Lead, EngagementEvent, ScoringRule, LeadScore,
    Pipeline, Stage, ExitCriterion, LostReason, Product, Opportunity, OpportunityLine, StageVisit,
    Opportunity.history.model, LifecycleEvent, Quota,
]  # fmt: skip
# Filled without their secondary indexes, which are then built once (as the lead table's).
BULK_TABLES: list[type[models.Model]] = [
    Activity, LifecycleEvent, Opportunity, OpportunityLine, StageVisit, Opportunity.history.model,
]  # fmt: skip
# Index builds and the scoring pass sort millions of rows: give them memory (this transaction only).
# Foreign keys are checked at each statement, not at commit: CREATE INDEX refuses a table with
# checks still pending.
SEED_SESSION = [
    "SET LOCAL maintenance_work_mem = '1GB'",
    "SET LOCAL work_mem = '256MB'",
    "SET CONSTRAINTS ALL IMMEDIATE",
]

# Spreads the n-th generated row over the numbered accounts; `a.n` is 1-based, g too.
ON_ACCOUNT = (
    "JOIN (SELECT id, owner_id, row_number() OVER (ORDER BY id) AS n FROM crm_account) AS a "
    "ON a.n = 1 + mod(g - 1, %(accounts)s)"
)


@dataclass(frozen=True)
class Seeding:
    counts: dict[str, int]
    reused: bool
    seconds: float  # how long the seed took, when it ran (or when the reused data was seeded)
    fingerprint: str
    phases: dict[str, float]


def ensure_seeded(scale_name: str, scale: Scale, *, force: bool = False) -> Seeding:
    """The seeded data for `scale`: reused when the database holds it, else seeded now."""
    fingerprint = seed_state.fingerprint(scale_name, scale)
    state = seed_state.current()
    if not force and state is not None and state.fingerprint == fingerprint and state.clean:
        print(
            f"bench: reusing the {state.scale} data seeded at {state.seeded_at:%Y-%m-%d %H:%M} "
            f"(seed {fingerprint}, took {state.seconds:.1f} s); --reseed seeds again"
        )
        return Seeding(row_counts(), reused=True, seconds=state.seconds, fingerprint=fingerprint, phases={})
    if state is not None and state.fingerprint == fingerprint and not state.clean:
        print("bench: an earlier run was interrupted before it undid its writes; seeding again")
    phases = seed(scale)
    seconds = round(sum(phases.values()), 1)
    seed_state.record(fingerprint=fingerprint, scale=scale_name, seconds=seconds)
    counts = row_counts()
    print(f"bench: seeded {_describe(counts)} in {seconds} s ({_describe_phases(phases)})")
    return Seeding(counts, reused=False, seconds=seconds, fingerprint=fingerprint, phases=phases)


def seed(scale: Scale) -> dict[str, float]:
    """Empty the (already checked) benchmark database and fill it at `scale`; returns seconds per phase."""
    if connection.settings_dict["NAME"] != BENCH_DATABASE:
        raise SeedError(f"bench: refusing to empty {connection.settings_dict['NAME']!r}.")
    phases: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] = round(now - clock, 1)
        clock = now

    seed_state.forget()
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    params = _params(scale)
    lap("flush")
    with transaction.atomic():
        for statement in SEED_SESSION:
            execute(statement)
        _seed_people(params)
        _seed_customers(params)
        timeline_indexes = [
            index for model in BULK_TABLES for index in drop_secondary_indexes(model._meta.db_table)
        ]
        _seed_timeline(params)
        lap("accounts and timeline")
        seed_sales(params)
        lap("deals and their timeline")
        create_indexes(timeline_indexes)
        lap("deal and timeline indexes")
        LeadSettings.current()
        indexes = drop_secondary_indexes(Lead._meta.db_table)
        seed_leads(params)
        lap("leads")
        seed_engagements(params)
        lap("engagements")
        seed_rules()
        score_every_lead()
        lap("scores")
        create_indexes(indexes)
        lap("lead indexes")
    with connection.cursor() as cursor:
        for model in SEEDED_MODELS:
            # VACUUM too: the scoring pass rewrote the scored leads, and the visibility map lets
            # index-only scans skip the heap, as on a database that has been running for a while.
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    lap("vacuum analyze")
    return phases


def _params(scale: Scale) -> dict[str, Any]:
    return {
        "teams": scale.teams,
        "reps": scale.reps,
        "accounts": scale.accounts,
        "contacts": scale.contacts,
        "activities": scale.activities,
        "opportunities": scale.opportunities,
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


def _seed_people(params: dict[str, Any]) -> None:
    insert_select(Team, {"name": "'Bench team ' || g"}, "FROM generate_series(1, %(teams)s) AS g", params)
    person = {
        "password": "'!'",  # unusable: the runner logs in with force_login
        "first_name": "initcap(kind)",
        "last_name": "'No. ' || n",
        "username": "'bench_' || kind || '_' || n",
        "email": "'bench_' || kind || '_' || n || '@bench.example'",
    }
    insert_select(
        User,
        {**person, "role": "%(manager)s", "team_id": "t.id"},
        "FROM (SELECT id, row_number() OVER (ORDER BY id) AS n, 'manager' AS kind FROM crm_team) AS t",
        params,
    )
    insert_select(
        User,
        {**person, "role": "%(rep)s", "team_id": "teams.ids[1 + mod(n - 1, cardinality(teams.ids))]"},
        "FROM generate_series(1, %(reps)s) AS n, (SELECT 'rep' AS kind) AS k, "
        "(SELECT array_agg(id ORDER BY id) AS ids FROM crm_team) AS teams",
        params,
    )
    insert_select(
        User,
        {**person, "role": "o.role", "is_superuser": "o.admin", "is_staff": "o.admin"},
        "FROM (VALUES ('admin', 'admin', true), ('marketer', 'marketer', false), "
        "('support', 'support_agent', false)) AS o(kind, role, admin), (SELECT 1 AS n) AS one",
        params,
    )
    execute(
        "UPDATE crm_team SET manager_id = u.id FROM crm_user AS u "
        "WHERE u.team_id = crm_team.id AND u.role = %(manager)s",
        params,
    )


def _seed_customers(params: dict[str, Any]) -> None:
    insert_select(
        Account,
        {
            "name": "(ARRAY['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Soylent', "
            "'Tyrell'])[1 + mod(g, 8)] || ' ' || (ARRAY['Labs', 'Group', 'Industries', 'Systems', "
            "'Partners'])[1 + mod(g / 8, 5)] || ' ' || g",
            "domain": "'account-' || g || '.bench.example'",
            "industry": "(ARRAY['Software', 'Manufacturing', 'Retail', 'Healthcare', 'Finance', "
            "'Logistics'])[1 + mod(g, 6)]",
            "size": "(%(sizes)s::text[])[1 + mod(g, cardinality(%(sizes)s::text[]))]",
            "billing_city": "(ARRAY['Berlin', 'Lisbon', 'Austin', 'Osaka', 'Toronto'])[1 + mod(g, 5)]",
            "billing_country": "(ARRAY['Germany', 'Portugal', 'USA', 'Japan', 'Canada'])[1 + mod(g, 5)]",
            "owner_id": "reps.ids[1 + mod(g - 1, cardinality(reps.ids))]",
            "lifecycle_stage": "(%(stages)s::text[])[1 + mod(g, cardinality(%(stages)s::text[]))]",
            "created_at": "now() - make_interval(days => mod(g, 730))",
            "updated_at": "now() - make_interval(mins => mod(g * 7, 60 * 24 * 90))",
        },
        "FROM generate_series(1, %(accounts)s) AS g, "
        "(SELECT array_agg(id ORDER BY id) AS ids FROM crm_user WHERE role = %(rep)s) AS reps",
        params,
    )
    insert_select(
        Contact,
        {
            "first_name": "(ARRAY['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', "
            "'Ken', 'Radia', 'Linus'])[1 + mod(g, 10)]",
            "last_name": "(ARRAY['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', "
            "'Allen', 'Thompson', 'Perlman', 'Torvalds', 'Hamilton', 'Ritchie'])[1 + mod(g / 10, 12)]",
            "account_id": "a.id",
            "title": "(ARRAY['CEO', 'CTO', 'Head of Sales', 'Buyer', 'Engineer'])[1 + mod(g, 5)]",
            "email": "'contact-' || g || '@account-' || a.id || '.bench.example'",
            "phone": "'+1 555 ' || lpad(g::text, 7, '0')",
            "email_consent": "(%(consents)s::text[])[1 + mod(g, cardinality(%(consents)s::text[]))]",
            "phone_consent": "(%(consents)s::text[])[1 + mod(g / 3, cardinality(%(consents)s::text[]))]",
            "owner_id": "a.owner_id",
            "created_at": "now() - make_interval(days => mod(g, 700))",
            "updated_at": "now() - make_interval(mins => mod(g * 11, 60 * 24 * 90))",
        },
        f"FROM generate_series(1, %(contacts)s) AS g {ON_ACCOUNT}",
        params,
    )


def _seed_timeline(params: dict[str, Any]) -> None:
    insert_select(
        Activity,
        {
            "kind": "(%(kinds)s::text[])[1 + mod(g, cardinality(%(kinds)s::text[]))]",
            "subject": "'Bench activity ' || g",
            "body": "'Talked about renewal terms and next steps.'",
            "occurred_at": "now() - make_interval(hours => mod(g * 13, 24 * 365))",
            "author_id": "a.owner_id",
            "content_type_id": "%(account_type)s",
            "object_id": "a.id",
            "account_id": "a.id",
            "created_at": "now() - make_interval(hours => mod(g * 13, 24 * 365))",
        },
        f"FROM generate_series(1, %(activities)s) AS g {ON_ACCOUNT}",
        params,
    )
    insert_select(
        Task,
        {
            "title": "'Follow up ' || g",
            # From ten days ago to twenty days ahead: about a third overdue.
            "due_at": "now() + make_interval(hours => mod(g * 37, 24 * 30) - 24 * 10)",
            "assignee_id": "a.owner_id",
            "created_by_id": "a.owner_id",
            "content_type_id": "%(account_type)s",
            "object_id": "a.id",
            "completed_at": "CASE WHEN mod(g, 5) = 0 THEN now() END",
            "created_at": "now() - make_interval(days => 1 + mod(g, 30))",
        },
        f"FROM generate_series(1, %(tasks)s) AS g {ON_ACCOUNT}",
        params,
    )


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {table_label(table)}" for table, count in counts.items())


def _describe_phases(phases: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds} s" for name, seconds in phases.items())


def table_label(table: str) -> str:
    return table.removeprefix("crm_").removeprefix("leads_").removeprefix("sales_")
