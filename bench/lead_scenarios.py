"""Request scenarios of the leads app: the list (plain, filtered, sorted, deep in the keyset), search,
the detail page and the API list, each as the role that uses it.

Reps see their own leads and the queues, managers their team's, marketers every lead (the largest
lists). Every list scenario is marked `constant_queries`: its query count may not grow with the data.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import cycle
from typing import Any

from django.http import HttpResponseBase, QueryDict
from django.test import Client

from bench.scenarios import Prepare, scenario
from crm.lists.pagination import encode_cursor, keyset_page
from crm.models import Role, User
from leads.dedupe.checking import lead_duplicates_check
from leads.forms import LeadListFilter
from leads.models import Lead
from leads.selectors import lead_list

FILTERED = "status=new&source=web_form&ordering=-score"
# A three-letter term matches about one lead in twelve (a common name ending); the six-letter one a
# few hundred of a million (one pair of syllables).
SHORT_TERM = "son"
LONG_TERM = "velkar"
# How deep the deep-page scenarios start: the page after this many rows (or half the rows, if fewer).
DEEP_ROWS = 10_000
API = {"accept": "application/json"}


def _page(client: Client, query: str = "") -> HttpResponseBase:
    return client.get(f"/leads/?{query}" if query else "/leads/")


def _deep_cursor(query: str) -> Prepare:
    """A prepare step: the list's `after` cursor for the row DEEP_ROWS deep in `query`'s sort."""

    def prepare(user: User) -> dict[str, Any]:
        filterset = LeadListFilter(QueryDict(query), queryset=lead_list(user=user))
        ordering = filterset.keyset_ordering()
        # keyset_page breaks ties by the primary key, in the direction of the last field.
        if ordering[-1].lstrip("-") not in {"pk", "id"}:
            ordering = [*ordering, "-pk" if ordering[-1].startswith("-") else "pk"]
        rows = filterset.qs.order_by(*ordering)
        deep = list(rows[DEEP_ROWS - 1 : DEEP_ROWS + 1])  # the row, and proof that a page follows it
        if len(deep) < 2:
            deep = list(rows[max(0, rows.count() // 2 - 1) :][:2])
        if len(deep) < 2:
            raise LookupError(f"too few leads for a deep page of {query!r}")
        row = deep[0]
        cursor = encode_cursor(ordering, row)
        page = keyset_page(filterset.qs, ordering=filterset.keyset_ordering(), after=cursor, size=1)
        if not page.has_previous:
            raise LookupError("the list did not accept the built cursor (did crm.lists.pagination change?)")
        return {"query": f"{query}&after={cursor}" if query else f"after={cursor}"}

    return prepare


def _newest_leads(user: User) -> dict[str, Any]:
    """The leads on the rep's first list page, opened in turn: the detail page's cost depends on the
    lead (its duplicates panel lists what the duplicate check stored for it).

    The seed leaves every lead's duplicate check due, as a bulk insert does; these leads are checked
    here as the worker would (once: a checked lead is skipped), so the panel reads stored duplicates."""
    pks = list(
        Lead.objects.filter(owner=user).order_by("-created_at", "-id").values_list("pk", flat=True)[:50]
    )
    if not pks:
        raise LookupError(f"{user} owns no leads")
    for pk in pks:
        lead_duplicates_check(lead_id=pk)
    return {"next_pk": cycle(pks).__next__}


@scenario("lead-list", role=Role.SALES_REP, constant_queries=True)
def lead_list_rep(client: Client, user: User) -> HttpResponseBase:
    """Lead list, first page, as a rep with many leads (own leads and the queues)"""
    return _page(client)


@scenario("lead-list-manager", role=Role.SALES_MANAGER, constant_queries=True)
def lead_list_manager(client: Client, user: User) -> HttpResponseBase:
    """Lead list, first page, as a manager (the team's leads and queues)"""
    return _page(client)


@scenario("lead-list-marketer", role=Role.MARKETER, constant_queries=True)
def lead_list_marketer(client: Client, user: User) -> HttpResponseBase:
    """Lead list, first page, as a marketer (every lead)"""
    return _page(client)


@scenario("lead-list-filtered", role=Role.SALES_MANAGER, constant_queries=True)
def lead_list_filtered(client: Client, user: User) -> HttpResponseBase:
    """Lead list, new web-form leads by score, as a manager"""
    return _page(client, FILTERED)


@scenario("lead-list-filtered-marketer", role=Role.MARKETER, constant_queries=True)
def lead_list_filtered_marketer(client: Client, user: User) -> HttpResponseBase:
    """Lead list, new web-form leads by score, as a marketer (every lead)"""
    return _page(client, FILTERED)


@scenario("lead-list-deep", role=Role.MARKETER, prepare=_deep_cursor(""), constant_queries=True)
def lead_list_deep(client: Client, user: User, *, query: str) -> HttpResponseBase:
    """Lead list, newest first, the page after 10,000 rows (keyset cursor), as a marketer"""
    return _page(client, query)


@scenario(
    "lead-list-filtered-deep", role=Role.MARKETER, prepare=_deep_cursor(FILTERED), constant_queries=True
)
def lead_list_filtered_deep(client: Client, user: User, *, query: str) -> HttpResponseBase:
    """Lead list, new web-form leads by score, the page after 10,000 rows, as a marketer"""
    return _page(client, query)


@scenario("lead-search-3", role=Role.SALES_REP, constant_queries=True)
def lead_search_short(client: Client, user: User) -> HttpResponseBase:
    """Lead search for a 3-letter term ("son"), as a rep"""
    return _page(client, f"q={SHORT_TERM}")


@scenario("lead-search-6", role=Role.SALES_REP, constant_queries=True)
def lead_search_long(client: Client, user: User) -> HttpResponseBase:
    """Lead search for a 6-letter term ("velkar"), as a rep"""
    return _page(client, f"q={LONG_TERM}")


@scenario("lead-search-3-marketer", role=Role.MARKETER, constant_queries=True)
def lead_search_short_marketer(client: Client, user: User) -> HttpResponseBase:
    """Lead search for a 3-letter term ("son"), as a marketer (every lead)"""
    return _page(client, f"q={SHORT_TERM}")


@scenario("lead-search-6-marketer", role=Role.MARKETER, constant_queries=True)
def lead_search_long_marketer(client: Client, user: User) -> HttpResponseBase:
    """Lead search for a 6-letter term ("velkar"), as a marketer (every lead)"""
    return _page(client, f"q={LONG_TERM}")


# Not constant_queries: a lead without an email address skips the duplicate-contacts query.
@scenario("lead-detail", role=Role.SALES_REP, prepare=_newest_leads)
def lead_detail(client: Client, user: User, *, next_pk: Callable[[], int]) -> HttpResponseBase:
    """Lead detail page (timeline, duplicates panel, score breakdown) of the rep's 50 newest leads in turn"""
    return client.get(f"/leads/{next_pk()}/")


@scenario("api-lead-list", role=Role.SALES_REP, constant_queries=True)
def api_lead_list(client: Client, user: User) -> HttpResponseBase:
    """GET /api/v1/leads/, first page, as a rep"""
    return client.get("/api/v1/leads/", headers=API)


@scenario("api-lead-list-filtered", role=Role.SALES_MANAGER, constant_queries=True)
def api_lead_list_filtered(client: Client, user: User) -> HttpResponseBase:
    """GET /api/v1/leads/ with the list's filter, by score, as a manager"""
    return client.get(f"/api/v1/leads/?{FILTERED}", headers=API)
