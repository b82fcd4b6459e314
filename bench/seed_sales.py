"""Selling for the benchmark, set-based: pipelines, a catalogue, deals with their stage history, product
lines, quotas, and the deals' and contacts' timelines, with one "whale" account that has a long history.

Every pseudo-random choice is a hash of the row number (bench.sql.random_below), so a scale always seeds
the same rows. Deals go to random accounts and belong to the account's owner (so a tenth of the reps
own half of them); 60% are open, spread over the open stages like a funnel (the first stages fullest),
15% won and 25% lost over the last ten months; one in 97 has a hostile name and next step. Their stage
visits, lifecycle events and activities are seeded by bench.seed_deal_timeline.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

from bench.seed_customers import hostile
from bench.seed_deal_timeline import DEAL_SUBJECTS, seed_activities, seed_visits_and_events
from bench.sql import execute, insert_select, random_below
from crm.models import Account, Contact, Role
from sales.models import (
    CriterionKind,
    Deal,
    DealLine,
    ExitCriterion,
    LostReason,
    Pipeline,
    Product,
    Quota,
    SalesSettings,
    Stage,
    StageKind,
)

# (name, win probability): the open stages, in order; each pipeline ends with "Won" and "Lost".
SALES_STAGES = [
    ("Qualification", 10), ("Discovery", 20), ("Demo", 40), ("Proposal", 60), ("Negotiation", 75),
    ("Commit", 90),
]  # fmt: skip
PARTNER_STAGES = [("Registered", 20), ("Validated", 50), ("Co-selling", 70)]
# Stage position, kind, the field naming what is required, its value, label. The first two stages have
# none: the deal-move scenario moves deals between them.
CRITERIA = [
    (2, CriterionKind.ACTIVITY, "activity_kind", "meeting", "Demo held"),
    (3, CriterionKind.RELATED, "related", "line_item", "A product line"),
    (4, CriterionKind.FIELD, "field_name", "close_date", "Expected close date"),
]
LOST_REASONS = ["Price", "Chose a competitor", "No budget", "No decision", "Timing", "Missing feature"]
PRODUCTS = 300
DEAL_NAMES = [
    "Platform Pro", "Platform Starter", "Enterprise rollout", "Analytics add-on", "Services package",
    "Expansion", "Pilot", "Training", "Support plan", "Second site",
]  # fmt: skip
NEXT_STEPS = [
    "Book the demo",
    "Send the proposal",
    "Call the buyer",
    "Review the contract",
    "Agree on pricing",
]
# The whale: the bench rep's first account, with this much history of its own (the same at every scale,
# so that its 360 page shows the same on each; the spread deals and activities skip it) besides the few
# account activities and tasks bench.seed gives every account: about 2,000 timeline entries.
WHALE_DOMAIN = "whale.bench.example"
WHALE_CONTACTS = 30
WHALE_DEALS = 40
WHALE_ACCOUNT_ACTIVITIES = 700
WHALE_CONTACT_ACTIVITIES = 520
WHALE_DEAL_ACTIVITIES = 560


def _r(seed: int, n: int | str, column: str = "g") -> str:
    return random_below(column, seed, n)


def sales_params() -> dict[str, Any]:
    return {
        "deal_type": ContentType.objects.get_for_model(Deal).pk,
        "contact_type": ContentType.objects.get_for_model(Contact).pk,
        "products": PRODUCTS,
        "deal_names": DEAL_NAMES,
        "next_steps": NEXT_STEPS,
        "deal_subjects": DEAL_SUBJECTS,
        "whale_contacts": WHALE_CONTACTS,
        "whale_deals": WHALE_DEALS,
        "whale_account_activities": WHALE_ACCOUNT_ACTIVITIES,
        "whale_contact_activities": WHALE_CONTACT_ACTIVITIES,
        "whale_deal_activities": WHALE_DEAL_ACTIVITIES,
        "whale_domain": WHALE_DOMAIN,
        "rep": Role.SALES_REP.value,
    }


def seed_sales(params: dict[str, Any]) -> None:
    """Everything sales; call it after the people, customers and account timeline are seeded."""
    params.update(sales_params())
    _seed_configuration(params)
    _seed_whale(params)
    _seed_products(params)
    _seed_deals(params)
    _seed_lines(params)
    _seed_history(params)
    seed_visits_and_events(params)
    seed_activities(params)
    _seed_quotas(params)


def _seed_configuration(params: dict[str, Any]) -> None:
    SalesSettings.current()
    LostReason.objects.bulk_create(
        LostReason(name=name, position=position) for position, name in enumerate(LOST_REASONS)
    )
    params["lost_reasons"] = list(LostReason.objects.order_by("id").values_list("id", flat=True))
    for prefix, name, open_stages in (
        ("sales", "Sales", SALES_STAGES),
        ("partner", "Partner deals", PARTNER_STAGES),
    ):
        pipeline = Pipeline.objects.create(name=name, is_default=prefix == "sales")
        closing = [("Won", 100, StageKind.WON), ("Lost", 0, StageKind.LOST)]
        stages = Stage.objects.bulk_create(
            Stage(pipeline=pipeline, name=stage, probability=probability, kind=kind, position=position)
            for position, (stage, probability, kind) in enumerate(
                [*((stage, probability, StageKind.OPEN) for stage, probability in open_stages), *closing]
            )
        )
        params[f"{prefix}_pipeline"] = pipeline.pk
        params[f"{prefix}_open"] = [stage.pk for stage in stages if stage.kind == StageKind.OPEN]
        params[f"{prefix}_won"], params[f"{prefix}_lost"] = stages[-2].pk, stages[-1].pk
        if prefix == "sales":
            ExitCriterion.objects.bulk_create(
                ExitCriterion(stage=stages[position], kind=kind, label=label, **{field: value})
                for position, kind, field, value, label in CRITERIA
            )


def _seed_whale(params: dict[str, Any]) -> None:
    """Marks the whale (the first rep's first account) and gives it more contacts."""
    execute(
        "UPDATE crm_account SET domain = %(whale_domain)s WHERE id = (SELECT min(id) FROM crm_account "
        "WHERE owner_id = (SELECT min(id) FROM crm_user WHERE role = %(rep)s))",
        params,
    )
    params["whale"] = Account.objects.get(domain=WHALE_DOMAIN).pk
    params["whale_n"] = Account.objects.filter(pk__lte=params["whale"]).count()  # its row number
    insert_select(
        Contact,
        {
            "first_name": "(ARRAY['Ada', 'Grace', 'Alan', 'Barbara', 'Donald', 'Radia'])[1 + mod(g, 6)]",
            "last_name": "'Whale ' || g",
            "account_id": "a.id",
            "title": "(ARRAY['CEO', 'CTO', 'Buyer', 'Engineer', 'Head of IT'])[1 + mod(g, 5)]",
            "email": "'whale-' || g || '@' || %(whale_domain)s",
            "owner_id": "a.owner_id",
        },
        "FROM generate_series(1, %(whale_contacts)s) AS g, crm_account AS a WHERE a.id = %(whale)s",
        params,
    )


def _seed_products(params: dict[str, Any]) -> None:
    insert_select(
        Product,
        {
            "sku": "'BENCH-' || lpad(g::text, 4, '0')",
            "name": "(ARRAY['Platform', 'Analytics', 'Connect', 'Secure', 'Insight', 'Flow'])[1 + mod(g, 6)] "
            "|| ' ' || (ARRAY['Starter', 'Pro', 'Enterprise', 'Add-on', 'Training'])[1 + mod(g / 6, 5)] "
            "|| ' ' || (1 + g / 30)",
            "product_line": "(ARRAY['Platform', 'Services', 'Add-ons'])[1 + mod(g, 3)]",
            # Whole tens: a line's total (quantity x price less 5, 10 or 15%) needs no rounding.
            "unit_price": f"(10 * (5 + {_r(100, 2000)}))::numeric",
            "tax_rate": "20",
            "is_active": "mod(g, 10) <> 0",
        },
        "FROM generate_series(1, %(products)s) AS g",
        params,
    )


# Each deal's draws (level 1), then what follows from them (level 2). The spread deals skip the whale;
# its own draw from numbers of their own, so that it has the same deals, and the same first timeline
# page (hence the same query count), at every scale.
WHALE_NUMBERS = 1_000_000_000
DEAL_DRAWS = f"""(SELECT pick.g, a.id AS account_id, a.owner_id, a.name AS account_name, c.id AS contact_id,
        {_r(40, 100, "pick.g")} AS r_status, {_r(41, 1000, "pick.g")} AS r_stage,
        {_r(42, 10, "pick.g")} AS r_pipeline, {_r(43, 1000, "pick.g")} AS r_amount,
        60 + {_r(44, 450 * 86400, "pick.g")} AS age, {_r(45, 1000, "pick.g")} AS r_when
    FROM (SELECT g, CASE WHEN n = %(whale_n)s THEN 1 + mod(n, %(accounts)s) ELSE n END AS n
          FROM (SELECT g, 1 + {_r(39, "%(accounts)s")} AS n
                FROM generate_series(1, %(deals)s) AS g) AS spread
          UNION ALL SELECT {WHALE_NUMBERS} + g, %(whale_n)s
          FROM generate_series(1, %(whale_deals)s) AS g) AS pick
    JOIN (SELECT id, owner_id, name, row_number() OVER (ORDER BY id) AS n FROM crm_account) AS a
      ON a.n = pick.n
    LEFT JOIN (SELECT DISTINCT ON (account_id) account_id, id FROM crm_contact ORDER BY account_id, id) AS c
      ON c.account_id = a.id) AS d"""
DEALS = f"""(SELECT d.*,
        CASE WHEN d.r_status < 60 THEN 'open' WHEN d.r_status < 75 THEN 'won' ELSE 'lost' END AS status,
        d.r_pipeline = 0 AS partner,
        floor(CASE WHEN d.r_pipeline = 0 THEN {len(PARTNER_STAGES)} ELSE {len(SALES_STAGES)} END
              * power(d.r_stage / 1000.0::float8, 1.6::float8))::int AS step,
        now() - make_interval(secs => d.age) AS created
    FROM {DEAL_DRAWS}) AS o"""
OPEN_STAGE = (
    "(CASE WHEN o.partner THEN %(partner_open)s::bigint[] ELSE %(sales_open)s::bigint[] END)[1 + o.step]"
)
# Closed deals closed 30% to 100% of the way from their creation to now; open ones entered their stage
# somewhere between creation and now (one still in its first stage, when it was created).
CLOSED_AT = "o.created + make_interval(secs => o.age * (300 + 0.7::float8 * o.r_when) / 1000)"
ENTERED = (
    "o.created + make_interval(secs => "
    "CASE WHEN o.step = 0 THEN 0 ELSE o.age * (o.r_when / 1000.0::float8) END)"
)
DEAL_COLUMNS = {
    # The account's name may be a hostile one of 200 characters.
    "name": hostile(
        2,
        "left(o.account_name || ': ' || "
        f"(%(deal_names)s::text[])[1 + {_r(50, len(DEAL_NAMES), 'o.g')}], 200)",
        "o.g",
    ),
    "account_id": "o.account_id",
    "primary_contact_id": f"CASE WHEN {_r(51, 6, 'o.g')} = 0 THEN NULL ELSE o.contact_id END",
    "pipeline_id": "CASE WHEN o.partner THEN %(partner_pipeline)s ELSE %(sales_pipeline)s END",
    "stage_id": f"CASE o.status WHEN 'open' THEN {OPEN_STAGE} "
    "WHEN 'won' THEN CASE WHEN o.partner THEN %(partner_won)s ELSE %(sales_won)s END "
    "ELSE CASE WHEN o.partner THEN %(partner_lost)s ELSE %(sales_lost)s END END",
    "status": "o.status",
    # Mostly small deals, a few large ones: 500 to 250,000 in hundreds.
    "amount": "round((500 + power(o.r_amount / 1000.0::float8, 3) * 249500)::numeric, -2)",
    "currency": f"CASE WHEN {_r(52, 100, 'o.g')} < 3 THEN 'USD' ELSE 'EUR' END",
    "close_date": f"CASE WHEN o.status = 'open' THEN current_date + {_r(53, 395, 'o.g')} - 30 "
    f"ELSE ({CLOSED_AT})::date END",
    "owner_id": "o.owner_id",
    "type": f"(ARRAY['new_business', 'new_business', 'new_business', 'new_business', 'new_business', "
    f"'new_business', 'new_business', 'upsell', 'cross_sell', 'renewal'])[1 + {_r(54, 10, 'o.g')}]",
    "forecast_category": f"CASE o.status WHEN 'won' THEN 'commit' WHEN 'lost' THEN 'omitted' "
    f"ELSE (ARRAY['pipeline', 'pipeline', 'pipeline', 'best_case', 'best_case', 'commit', 'commit', "
    f"'omitted'])[1 + {_r(55, 8, 'o.g')}] END",
    "next_step": hostile(
        0,
        f"CASE WHEN o.status = 'open' AND {_r(56, 10, 'o.g')} < 7 "
        f"THEN (%(next_steps)s::text[])[1 + {_r(57, len(NEXT_STEPS), 'o.g')}] ELSE '' END",
        "o.g",
    ),
    "next_step_due": f"CASE WHEN o.status = 'open' AND {_r(56, 10, 'o.g')} < 7 "
    f"THEN current_date + {_r(58, 30, 'o.g')} - 10 END",
    "lost_reason_id": f"CASE WHEN o.status = 'lost' "
    f"THEN (%(lost_reasons)s::bigint[])[1 + {_r(59, 'cardinality(%(lost_reasons)s::bigint[])', 'o.g')}] END",
    "closed_at": f"CASE WHEN o.status <> 'open' THEN {CLOSED_AT} END",
    "contract_start": f"CASE WHEN o.status = 'won' THEN ({CLOSED_AT})::date END",
    "contract_end": f"CASE WHEN o.status = 'won' THEN ({CLOSED_AT})::date + 365 END",
    "stage_changed_at": f"CASE WHEN o.status = 'open' THEN {ENTERED} ELSE {CLOSED_AT} END",
    "created_at": "o.created",
    "updated_at": f"CASE WHEN o.status = 'open' THEN {ENTERED} ELSE {CLOSED_AT} END",
}


def _seed_deals(params: dict[str, Any]) -> None:
    insert_select(Deal, DEAL_COLUMNS, f"FROM {DEALS}", params)


def _seed_lines(params: dict[str, Any]) -> None:
    """One to three product lines on one deal in four (in euros); their sum becomes the deal's amount."""
    line = "(o.id * 4 + l.position)"
    insert_select(
        DealLine,
        {
            "deal_id": "o.id",
            "product_id": "p.id",
            "quantity": f"1 + {_r(61, 5, line)}",
            "unit_price": "p.unit_price",
            "discount": f"5 * {_r(62, 4, line)}",
            "position": "l.position",
        },
        f"FROM sales_deal AS o CROSS JOIN LATERAL generate_series(1, 1 + {_r(60, 3, 'o.id')}) "
        "AS l(position) JOIN (SELECT id, unit_price, row_number() OVER (ORDER BY id) AS n "
        f"FROM sales_product) AS p ON p.n = 1 + {_r(63, '%(products)s', line)} "
        f"WHERE o.currency = 'EUR' AND {_r(64, 4, 'o.id')} = 0",
        params,
    )
    execute(
        "UPDATE sales_deal AS o SET amount = l.total FROM (SELECT deal_id, "
        "sum(quantity * unit_price * (100 - discount) / 100) AS total FROM sales_dealline "
        "GROUP BY deal_id) AS l WHERE l.deal_id = o.id"
    )


def _seed_history(params: dict[str, Any]) -> None:
    """Each deal's "created" row in its audit trail, as the deal stands."""
    history = Deal.history.model
    columns = {
        field.column: f"o.{field.column}"
        for field in history._meta.concrete_fields
        if not field.column.startswith("history_")
    }
    columns.update({"history_date": "o.created_at", "history_type": "'+'", "history_user_id": "o.owner_id"})
    insert_select(history, columns, "FROM sales_deal AS o", params)


def _seed_quotas(params: dict[str, Any]) -> None:
    """A monthly quota for every rep for each month of this quarter, set by their team's manager."""
    insert_select(
        Quota,
        {
            "user_id": "u.id",
            "period": "(date_trunc('quarter', current_date) + make_interval(months => m))::date",
            "amount": f"(40000 + 1000 * {_r(90, 80, 'u.id * 3 + m')})::numeric",
            "set_by_id": "t.manager_id",
        },
        "FROM crm_user AS u JOIN crm_team AS t ON t.id = u.team_id CROSS JOIN generate_series(0, 2) AS m "
        "WHERE u.role = %(rep)s",
        params,
    )
