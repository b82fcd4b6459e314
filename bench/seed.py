"""Set-based seeding: one INSERT ... SELECT over generate_series per table, so even `full` takes seconds.

Columns the benchmark cares about get an SQL expression below; every other column gets its model
default (or NULL, or now() for auto timestamps), so a new optional field does not break the seed and
a new required one fails with its name.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, models, transaction

from bench.scales import Scale
from bench.settings import BENCH_DATABASE
from crm.models import (
    Account,
    Activity,
    ActivityKind,
    CompanySize,
    ConsentStatus,
    Contact,
    LifecycleStage,
    Role,
    Task,
    Team,
    User,
)

SEEDED_MODELS: list[type[models.Model]] = [Team, User, Account, Contact, Activity, Task]

# Spreads the n-th generated row over the numbered accounts; `a.n` is 1-based, g too.
ON_ACCOUNT = (
    "JOIN (SELECT id, owner_id, row_number() OVER (ORDER BY id) AS n FROM crm_account) AS a "
    "ON a.n = 1 + mod(g - 1, %(accounts)s)"
)


class SeedError(SystemExit):
    pass


def seed(scale: Scale) -> dict[str, int]:
    """Empty the (already checked) benchmark database and fill it at `scale`; returns row counts."""
    if connection.settings_dict["NAME"] != BENCH_DATABASE:
        raise SeedError(f"bench: refusing to empty {connection.settings_dict['NAME']!r}.")
    started = time.perf_counter()
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    params: dict[str, Any] = {
        "teams": scale.teams,
        "reps": scale.reps,
        "accounts": scale.accounts,
        "contacts": scale.contacts,
        "activities": scale.activities,
        "tasks": scale.tasks,
        "rep": Role.SALES_REP.value,
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
    }
    with transaction.atomic():
        _seed_people(params)
        _seed_customers(params)
        _seed_timeline(params)
    with connection.cursor() as cursor:
        for model in SEEDED_MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    counts = row_counts()
    print(f"bench: seeded {_describe(counts)} in {time.perf_counter() - started:.1f} s")
    return counts


def row_counts() -> dict[str, int]:
    return {model._meta.db_table: model._default_manager.count() for model in SEEDED_MODELS}


def _seed_people(params: dict[str, Any]) -> None:
    _insert_select(Team, {"name": "'Bench team ' || g"}, "FROM generate_series(1, %(teams)s) AS g", params)
    person = {
        "password": "'!'",  # unusable: the runner logs in with force_login
        "first_name": "initcap(kind)",
        "last_name": "'No. ' || n",
        "username": "'bench_' || kind || '_' || n",
        "email": "'bench_' || kind || '_' || n || '@bench.example'",
    }
    _insert_select(
        User,
        {**person, "role": "%(manager)s", "team_id": "t.id"},
        "FROM (SELECT id, row_number() OVER (ORDER BY id) AS n, 'manager' AS kind FROM crm_team) AS t",
        params,
    )
    _insert_select(
        User,
        {**person, "role": "%(rep)s", "team_id": "teams.ids[1 + mod(n - 1, cardinality(teams.ids))]"},
        "FROM generate_series(1, %(reps)s) AS n, (SELECT 'rep' AS kind) AS k, "
        "(SELECT array_agg(id ORDER BY id) AS ids FROM crm_team) AS teams",
        params,
    )
    _insert_select(
        User,
        {**person, "role": "o.role", "is_superuser": "o.admin", "is_staff": "o.admin"},
        "FROM (VALUES ('admin', 'admin', true), ('marketer', 'marketer', false), "
        "('support', 'support_agent', false)) AS o(kind, role, admin), (SELECT 1 AS n) AS one",
        params,
    )
    _execute(
        "UPDATE crm_team SET manager_id = u.id FROM crm_user AS u "
        "WHERE u.team_id = crm_team.id AND u.role = %(manager)s",
        params,
    )


def _seed_customers(params: dict[str, Any]) -> None:
    _insert_select(
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
    _insert_select(
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
    _insert_select(
        Activity,
        {
            "kind": "(%(kinds)s::text[])[1 + mod(g, cardinality(%(kinds)s::text[]))]",
            "subject": "'Bench activity ' || g",
            "body": "'Talked about renewal terms and next steps.'",
            "occurred_at": "now() - make_interval(hours => mod(g * 13, 24 * 365))",
            "author_id": "a.owner_id",
            "content_type_id": "%(account_type)s",
            "object_id": "a.id",
            "created_at": "now() - make_interval(hours => mod(g * 13, 24 * 365))",
        },
        f"FROM generate_series(1, %(activities)s) AS g {ON_ACCOUNT}",
        params,
    )
    _insert_select(
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


def _insert_select(
    model: type[models.Model], expressions: dict[str, str], source: str, params: dict[str, Any]
) -> None:
    table = model._meta.db_table
    columns: list[str] = []
    values: list[str] = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in expressions:
            values.append(expressions[field.column])
        else:
            values.append(_default_value(table, field, params))
    unknown = set(expressions) - {field.column for field in model._meta.concrete_fields}
    if unknown:
        raise SeedError(
            f"bench/seed.py: {table} has no column {', '.join(sorted(unknown))}; update the seed."
        )
    _execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}", params)


def _default_value(table: str, field: models.Field[Any, Any], params: dict[str, Any]) -> str:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "now()"
    if field.null:
        return "NULL"
    default = field.get_default()
    if default is None:
        raise SeedError(
            f"bench/seed.py: {table}.{field.column} is required and has no default; give it a value here."
        )
    key = f"default_{table}_{field.column}"
    params[key] = field.get_db_prep_save(default, connection)
    return f"%({key})s::{field.db_type(connection)}"


def _execute(sql: str, params: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {table.removeprefix('crm_')}" for table, count in counts.items())
