"""People, customers and the accounts' own timeline for the benchmark, set-based.

Teams with a manager each and the reps spread over them; accounts owned like real books of business (a
tenth of the reps own half of them, so their contacts, deals and timelines follow); contacts spread
over the accounts and owned by the account's owner; activities and tasks on the accounts. One account,
contact and deal in 97 carries hostile text (bench.seed_leads.HOSTILE: formulas, markup, a leading
tab, over-long and non-Latin names), as one lead in 97 does.
"""

from __future__ import annotations

from typing import Any

from bench.sql import execute, insert_select, random_below
from crm.models import Account, Activity, Contact, Task, Team, User

# The reps as an array in id order, for picking one by index; the first `top_reps` are the busy ones.
REPS = "(SELECT array_agg(id ORDER BY id) AS ids FROM crm_user WHERE role = %(rep)s) AS reps"
# Spreads the n-th generated row over the numbered accounts; `a.n` is 1-based, g too.
ON_ACCOUNT = (
    "JOIN (SELECT id, owner_id, row_number() OVER (ORDER BY id) AS n FROM crm_account) AS a "
    "ON a.n = 1 + mod(g - 1, %(accounts)s)"
)


def skewed_rep(seed: int, column: str = "g") -> str:
    """A rep drawn for the row: one of the busy tenth half the time, else one of the others."""
    top = f"1 + {random_below(column, seed + 1, '%(top_reps)s')}"
    other = f"1 + %(top_reps)s + {random_below(column, seed + 1, 'cardinality(reps.ids) - %(top_reps)s')}"
    return f"reps.ids[CASE WHEN {random_below(column, seed, 2)} = 0 THEN {top} ELSE {other} END]"


def hostile(column: int, otherwise: str, row: str = "g") -> str:
    """`otherwise`, or on one row in 97 the hostile text of HOSTILE's column (first, last name, company)."""
    return (
        f"CASE WHEN mod({row}, 97) = 0 THEN (%(hostile_{column})s::text[])"
        f"[1 + mod({row} / 97, %(hostile_count)s)] ELSE {otherwise} END"
    )


def seed_people(params: dict[str, Any]) -> None:
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
    # Round-robin over the teams: each team gets one of the busy first tenth.
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


def seed_customers(params: dict[str, Any]) -> None:
    insert_select(
        Account,
        {
            "name": hostile(
                2,
                "(ARRAY['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Soylent', "
                "'Tyrell'])[1 + mod(g, 8)] || ' ' || (ARRAY['Labs', 'Group', 'Industries', 'Systems', "
                "'Partners'])[1 + mod(g / 8, 5)] || ' ' || g",
            ),
            "domain": "'account-' || g || '.bench.example'",
            "industry": "(ARRAY['Software', 'Manufacturing', 'Retail', 'Healthcare', 'Finance', "
            "'Logistics'])[1 + mod(g, 6)]",
            "size": "(%(sizes)s::text[])[1 + mod(g, cardinality(%(sizes)s::text[]))]",
            "billing_city": "(ARRAY['Berlin', 'Lisbon', 'Austin', 'Osaka', 'Toronto'])[1 + mod(g, 5)]",
            "billing_country": "(ARRAY['Germany', 'Portugal', 'USA', 'Japan', 'Canada'])[1 + mod(g, 5)]",
            "owner_id": skewed_rep(110),
            "lifecycle_stage": "(%(stages)s::text[])[1 + mod(g, cardinality(%(stages)s::text[]))]",
            "created_at": "now() - make_interval(days => mod(g, 730))",
            "updated_at": "now() - make_interval(mins => mod(g * 7, 60 * 24 * 90))",
        },
        f"FROM generate_series(1, %(accounts)s) AS g, {REPS}",
        params,
    )
    insert_select(
        Contact,
        {
            "first_name": hostile(
                0,
                "(ARRAY['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', "
                "'Ken', 'Radia', 'Linus'])[1 + mod(g, 10)]",
            ),
            "last_name": hostile(
                1,
                "(ARRAY['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', "
                "'Allen', 'Thompson', 'Perlman', 'Torvalds', 'Hamilton', 'Ritchie'])[1 + mod(g / 10, 12)]",
            ),
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


def seed_account_timeline(params: dict[str, Any]) -> None:
    """Activities and tasks on the accounts, round-robin, by the account's owner."""
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
