"""GET /health/ for a load balancer or a monitor: whether this web process can serve (its database and
its broker answer), and how background work is doing. No sign-in, and nothing secret in the answer:
no URLs, hosts or error texts (a broker's error may quote its URL, password included)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from crm.celery import app

from . import selectors

logger = logging.getLogger(__name__)

# A load balancer waits a few seconds for an answer: a broker that does not answer in this is down.
BROKER_TIMEOUT_S = 2


def _broker_answers() -> bool:
    try:
        # One attempt, each socket step bounded, where kombu would retry for ever.
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT_S) as connection:
            connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_S)
    except Exception as error:  # any failure to connect is "down"; the kind goes to the log, not out
        logger.warning("Health: the broker cannot be reached (%s).", type(error).__name__)
        return False
    return True


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, else 503.

    No live worker is reported but is not a 503: the web process still serves every page and queues
    the work (it waits in PostgreSQL), and taking web servers out of the balancer would turn a stalled
    queue into an outage; a monitor alerts on `workers.alive` and `jobs.queue_lag_seconds` instead."""
    try:
        database_ok = selectors.database_answers()
        state = selectors.queue_state() if database_ok else None
    except DatabaseError as error:
        logger.warning("Health: the database cannot be reached (%s).", type(error).__name__)
        database_ok, state = False, None
    broker_ok = _broker_answers()
    body: dict[str, Any] = {
        "status": "ok" if database_ok and broker_ok else "unavailable",
        "database": "ok" if database_ok else "error",
        "broker": "ok" if broker_ok else "error",
        "workers": {"alive": state.live_workers if state else None},
        "jobs": {
            "queue_lag_seconds": round(state.lag.total_seconds()) if state else None,
            "queued": state.queued if state else None,
            "running": state.running if state else None,
            "failed_last_day": state.failed_last_day if state else None,
        },
    }
    return JsonResponse(body, status=200 if database_ok and broker_ok else 503)
