"""The deals' timeline for the benchmark, set-based: stage visits and lifecycle events for every stage
a deal went through, and activities on the deals and the contacts, spread at random over all but the
whale account, which gets its own fixed number (bench.seed_sales). Every row carries the account that
the account 360 page reads it by (crm.timeline.rollup): the contact's or the deal's account.
"""

from __future__ import annotations

from typing import Any

from bench.sql import insert_select, random_below
from crm.models import Activity, LifecycleEvent
from sales.models import StageVisit

DEAL_SUBJECTS = [
    "Discovery call", "Product demo", "Pricing discussion", "Follow-up email", "Contract review",
    "Check-in call", "Security questionnaire",
]  # fmt: skip


def _r(seed: int, n: int | str, column: str = "g") -> str:
    return random_below(column, seed, n)


# Where a lost deal was lost, drawn from how long it was open (the same at every scale, as the deal's
# own draws are; its id is not).
LOST_DRAW = "(extract(epoch FROM o.stage_changed_at - o.created_at) * 1000)"
# A deal's stage visits: the open stages up to where it stands (or, when lost, where it was lost), then
# its won or lost stage. `step` numbers them from 0; the last (the current one) has not been left.
VISITS = f"""FROM (SELECT o.id, o.owner_id, o.stage_id, o.pipeline_id, o.created_at,
        o.stage_changed_at - o.created_at AS span, o.status,
        CASE o.status WHEN 'open' THEN cur.position WHEN 'won' THEN n.open_count - 1
            ELSE {_r(70, "n.open_count", LOST_DRAW)} END AS last_open
    FROM sales_deal AS o JOIN sales_stage AS cur ON cur.id = o.stage_id
    JOIN (SELECT pipeline_id, count(*)::int AS open_count FROM sales_stage WHERE kind = 'open'
          GROUP BY pipeline_id) AS n ON n.pipeline_id = o.pipeline_id) AS o
    JOIN sales_stage AS s ON s.pipeline_id = o.pipeline_id
     AND ((s.kind = 'open' AND s.position <= o.last_open) OR s.id = o.stage_id),
    LATERAL (SELECT CASE WHEN s.kind = 'open' THEN s.position ELSE o.last_open + 1 END AS step,
        o.last_open + CASE WHEN o.status = 'open' THEN 0 ELSE 1 END AS last) AS v"""


def _at(step: str) -> str:
    return f"o.created_at + o.span * (({step})::float / GREATEST(v.last, 1))"


def seed_visits_and_events(params: dict[str, Any]) -> None:
    insert_select(
        StageVisit,
        {
            "deal_id": "o.id",
            "stage_id": "s.id",
            "entered_at": _at("v.step"),
            "left_at": f"CASE WHEN v.step < v.last THEN {_at('v.step + 1')} END",
            "entered_by_id": "o.owner_id",
        },
        VISITS,
        params,
    )
    insert_select(
        LifecycleEvent,
        {
            "type": "CASE WHEN v.previous IS NULL THEN 'deal.created' ELSE 'deal.stage_changed' END",
            "actor_id": "o.owner_id",
            "content_type_id": "%(deal_type)s",
            "object_id": "o.id",
            "data": "CASE WHEN v.previous IS NULL THEN jsonb_build_object('name', o.name, 'type', o.type, "
            "'stage', s.name, 'amount', o.amount::text) ELSE jsonb_build_object('from', p.name, 'to', "
            "s.name, 'from_id', p.id, 'to_id', s.id) END",
            "occurred_at": "v.entered_at",
            "account_id": "o.account_id",
        },
        "FROM (SELECT deal_id, stage_id, entered_at, lag(stage_id) OVER (PARTITION BY deal_id "
        "ORDER BY entered_at, id) AS previous FROM sales_stagevisit) AS v "
        "JOIN sales_deal AS o ON o.id = v.deal_id JOIN sales_stage AS s ON s.id = v.stage_id "
        "LEFT JOIN sales_stage AS p ON p.id = v.previous",
        params,
    )
    insert_select(
        LifecycleEvent,
        {
            "type": "'deal.' || o.status",
            "actor_id": "o.owner_id",
            "content_type_id": "%(deal_type)s",
            "object_id": "o.id",
            "data": "CASE WHEN o.status = 'won' THEN jsonb_build_object('amount', o.amount::text) "
            "ELSE jsonb_build_object('reason', r.name, 'note', '') END",
            "occurred_at": "o.closed_at",
            "account_id": "o.account_id",
        },
        "FROM sales_deal AS o LEFT JOIN sales_lostreason AS r ON r.id = o.lost_reason_id "
        "WHERE o.status <> 'open'",
        params,
    )


def _activity(target_type: str, when: str, subject: str) -> dict[str, str]:
    """An activity's columns on the row `t` (with its id, account_id and owner_id)."""
    return {
        "kind": f"(%(kinds)s::text[])[1 + {_r(80, 'cardinality(%(kinds)s::text[])')}]",
        "subject": subject,
        "body": "'Went through the open questions; next steps agreed.'",
        "occurred_at": when,
        "author_id": "t.owner_id",
        "content_type_id": target_type,
        "object_id": "t.id",
        "account_id": "t.account_id",
        "created_at": when,
    }


# Numbered rows to spread activities over (`total` counts the whale's own when filtered to it).
# The whale's own are numbered by age, the same at every scale (their ids are not).
NUMBERED = "row_number() OVER (ORDER BY created_at, id) AS n, count(*) OVER () AS total"
DEAL_COLUMNS_READ = "id, account_id, owner_id, created_at, closed_at"
CONTACT_COLUMNS_READ = "id, account_id, owner_id"


def seed_activities(params: dict[str, Any]) -> None:
    """Activities on the deals and on the contacts, spread at random; then the whale's own."""
    on_deal = _activity(
        "%(deal_type)s",
        # Between the deal's creation and its close (or now).
        f"t.created_at + (COALESCE(t.closed_at, now()) - t.created_at) * ({_r(81, 1000)} / 1000.0)",
        f"(%(deal_subjects)s::text[])[1 + {_r(82, len(DEAL_SUBJECTS))}]",
    )
    on_contact = _activity(
        "%(contact_type)s",
        f"now() - make_interval(hours => {_r(83, 24 * 365)})",
        "'Bench contact activity ' || g",
    )
    for columns, table, read, kind, seed in (
        (on_deal, "sales_deal", DEAL_COLUMNS_READ, "deal", 84),
        (on_contact, "crm_contact", CONTACT_COLUMNS_READ, "contact", 86),
    ):
        # Spread over the other accounts' rows, so that the whale has the same history at every scale.
        others = f"FROM {table} WHERE account_id <> %(whale)s"
        insert_select(
            Activity,
            columns,
            f"FROM generate_series(1, %({kind}_activities)s) AS g "
            f"JOIN (SELECT {read}, {NUMBERED} {others}) AS t "
            f"ON t.n = 1 + {_r(seed, f'(SELECT count(*) {others})')}",
            params,
        )
        insert_select(
            Activity,
            columns,
            f"FROM generate_series(1, %(whale_{kind}_activities)s) AS g "
            f"JOIN (SELECT {read}, {NUMBERED} FROM {table} WHERE account_id = %(whale)s) AS t "
            "ON t.n = 1 + mod(g, t.total)",
            params,
        )
    insert_select(
        Activity,
        {
            **_activity(
                "%(account_type)s",
                f"now() - make_interval(hours => {_r(85, 24 * 365)})",
                "'Whale account activity ' || g",
            ),
            "account_id": "t.id",
        },
        "FROM generate_series(1, %(whale_account_activities)s) AS g, crm_account AS t WHERE t.id = %(whale)s",
        params,
    )
