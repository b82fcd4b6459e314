"""Write scenarios besides the board's move (bench/sales_scenarios.py): creating a lead.

A write is made in full and rolled back, so every request makes the same write on the data as seeded
(the load runs' server does the same with a middleware of its own, bench.serve).
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client

from bench.scenarios import scenario
from crm.models import Role, User

NEW_LEAD = {
    "first_name": "Ada",
    "last_name": "Benchmark",
    "email": "ada.benchmark@example.com",
    "company": "Analytical Engines Ltd",
    "title": "CTO",
    "source": "manual",
    "authority": "unknown",
    "timeline": "unknown",
    "tags": "bench",
}


@scenario("lead-create", role=Role.SALES_REP, expected_status=302, constant_queries=True)
def lead_create(client: Client, user: User) -> HttpResponseBase:
    """Create a lead on the New lead form, as a rep (it is theirs, and scored); rolled back"""
    with transaction.atomic():
        response = client.post("/leads/new/", {**NEW_LEAD, "owner": user.pk})
        transaction.set_rollback(True)
    return response
