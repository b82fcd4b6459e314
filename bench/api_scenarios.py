"""The API calls behind the pages the other modules time: search, a deep page, a lead, a board column,
a deal, the whale account, and the two writes (creating a lead, moving a deal), each as the role that
makes it. The list pages' own API calls (leads, deals, accounts, forecast) are in
bench/lead_scenarios.py, bench/sales_scenarios.py and bench/scenarios.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client

from bench.lead_scenarios import LONG_TERM, SHORT_TERM, _deep_cursor, _newest_leads
from bench.sales_scenarios import _movable_deal, _open_stages, _own_deals, _whale_page
from bench.scenarios import scenario
from bench.write_scenarios import NEW_LEAD
from crm.models import Role, User

API = {"accept": "application/json"}


def _get(client: Client, path: str) -> HttpResponseBase:
    return client.get(path, headers=API)


@scenario("api-lead-search-3", role=Role.SALES_REP, constant_queries=True)
def api_lead_search_short(client: Client, user: User) -> HttpResponseBase:
    """GET /api/v1/leads/?q= a 3-letter term, as a rep"""
    return _get(client, f"/api/v1/leads/?q={SHORT_TERM}")


@scenario("api-lead-search-6", role=Role.SALES_REP, constant_queries=True)
def api_lead_search_long(client: Client, user: User) -> HttpResponseBase:
    """GET /api/v1/leads/?q= a 6-letter term, as a rep"""
    return _get(client, f"/api/v1/leads/?q={LONG_TERM}")


def _deep_api_cursor(user: User) -> dict[str, Any]:
    """The HTML list's cursor 10,000 leads deep: the API pages the same keyset, as ?cursor=."""
    return {"cursor": _deep_cursor("")(user)["query"].removeprefix("after=")}


@scenario("api-lead-list-deep", role=Role.MARKETER, prepare=_deep_api_cursor, constant_queries=True)
def api_lead_list_deep(client: Client, user: User, *, cursor: str) -> HttpResponseBase:
    """GET /api/v1/leads/, the page after 10,000 leads, as a marketer"""
    return _get(client, f"/api/v1/leads/?cursor={cursor}")


@scenario("api-lead-detail", role=Role.SALES_REP, prepare=_newest_leads)
def api_lead_detail(client: Client, user: User, *, next_pk: Callable[[], int]) -> HttpResponseBase:
    """GET /api/v1/leads/<id>/ of the rep's 50 newest leads in turn"""
    return _get(client, f"/api/v1/leads/{next_pk()}/")


def _first_stage(user: User) -> dict[str, Any]:
    return {"stage": _open_stages()[0].pk}


@scenario("api-board-column", role=Role.SALES_MANAGER, prepare=_first_stage, constant_queries=True)
def api_board_column(client: Client, user: User, *, stage: int) -> HttpResponseBase:
    """GET /api/v1/deals/ of one board column (first open stage), as a manager"""
    return _get(client, f"/api/v1/deals/?stage={stage}&status=open")


@scenario("api-deal-detail", role=Role.SALES_REP, prepare=_own_deals)
def api_deal_detail(client: Client, user: User, *, next_pk: Callable[[], int]) -> HttpResponseBase:
    """GET /api/v1/deals/<id>/ of the rep's 50 newest deals in turn"""
    return _get(client, f"/api/v1/deals/{next_pk()}/")


@scenario("api-account", role=Role.SALES_REP, prepare=_whale_page, constant_queries=True)
def api_account(client: Client, user: User, *, pk: int) -> HttpResponseBase:
    """GET /api/v1/accounts/<id>/ of the whale account, as its owner"""
    return _get(client, f"/api/v1/accounts/{pk}/")


@scenario("api-lead-create", role=Role.SALES_REP, expected_status=201, constant_queries=True)
def api_lead_create(client: Client, user: User) -> HttpResponseBase:
    """POST /api/v1/leads/, as a rep (theirs, and scored); rolled back"""
    fields = {key: value for key, value in NEW_LEAD.items() if key not in {"source", "tags"}}
    with transaction.atomic():
        response = client.post(
            "/api/v1/leads/", {**fields, "tags": ["bench"], "owner": user.pk}, content_type="application/json"
        )
        transaction.set_rollback(True)
    return response


@scenario("api-deal-move", role=Role.SALES_REP, prepare=_movable_deal, constant_queries=True)
def api_deal_move(client: Client, user: User, *, pk: int, from_stage: int, to_stage: int) -> HttpResponseBase:
    """POST /api/v1/deals/<id>/move/ to the next stage, as its owner; rolled back"""
    with transaction.atomic():
        response = client.post(
            f"/api/v1/deals/{pk}/move/",
            {"stage": to_stage, "expected_stage": from_stage},
            content_type="application/json",
            headers=API,
        )
        transaction.set_rollback(True)
    return response
