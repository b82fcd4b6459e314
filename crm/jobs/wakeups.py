"""Waking a worker once the caller's transaction commits: once per distinct call, however often asked,
and never at the cost of the request.

The work itself is in PostgreSQL before the wake-up is sent (a queued email, an import, a lead whose
score or duplicates are due), so a broker that cannot be reached only delays it: the wake-up is logged
and dropped, and the periodic pass that looks for due work in the database runs it. A request that
committed its writes answers success; it never fails, after the fact, on a message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from kombu.exceptions import OperationalError as BrokerUnreachable

logger = logging.getLogger(__name__)


# After a wake-up the broker refused, this process sends none for a while: reaching a broker that is down
# takes seconds (kombu's connect timeout), which one request may pay, not every request of the outage.
QUIET_AFTER_FAILURE_S = 30.0
_quiet_until = 0.0


def wake(func: Callable[..., Any], *args: Any) -> None:
    """Sends a wake-up (`task.delay`) now; a broker that cannot be reached is logged, not raised."""
    global _quiet_until
    if time.monotonic() < _quiet_until:
        logger.info(
            "No worker woken for %s%r (the broker was unreachable); the periodic pass will run it.",
            _task_name(func),
            args,
        )
        return
    try:
        func(*args)
    except (BrokerUnreachable, OSError) as error:
        _quiet_until = time.monotonic() + QUIET_AFTER_FAILURE_S
        logger.warning(
            "No worker woken for %s%r (%s); the periodic pass will run it.", _task_name(func), args, error
        )


def _task_name(func: Callable[..., Any]) -> str:
    """The task's name for the log (`task.delay` is bound to its task)."""
    return str(getattr(getattr(func, "__self__", None), "name", getattr(func, "__name__", repr(func))))


def wake_on_commit(func: Callable[..., Any], *args: Any) -> None:
    """`wake(func, *args)` once the caller's transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(wake, func, *args))


def on_commit_once(func: Callable[..., Any], *args: Any) -> None:
    """`wake_on_commit(func, *args)`, unless the transaction has that wake-up queued already: a service
    that captures a lead and then records its form submission asks for one rescore twice, and the worker
    should do it once."""
    connection = transaction.get_connection()
    call = partial(wake, func, *args)
    if connection.in_atomic_block:
        asked = _asked_since_commit(connection)
        # Asked for, and not dropped since by a rollback to a savepoint (Django drops that savepoint's
        # callbacks from run_on_commit).
        if (func, args) in asked and _listed(connection, call):
            return
        asked.add((func, args))
    transaction.on_commit(call)


def _asked_since_commit(connection: BaseDatabaseWrapper) -> set[tuple[Callable[..., Any], tuple[Any, ...]]]:
    """The calls asked for in this transaction; its commit empties the set (a callback queued first)."""
    asked: set[tuple[Callable[..., Any], tuple[Any, ...]]] = connection.__dict__.setdefault(
        "wakeups_asked", set()
    )
    if not _listed(connection, asked.clear):  # a new transaction: the last one committed or rolled back
        asked.clear()
        transaction.on_commit(asked.clear)
    return asked


def _listed(connection: BaseDatabaseWrapper, callback: Callable[..., Any]) -> bool:
    # Django lists each as (savepoint ids, callback, robust).
    return any(_same(entry[1], callback) for entry in connection.run_on_commit)


def _same(queued: Callable[..., Any], callback: Callable[..., Any]) -> bool:
    if isinstance(queued, partial) and isinstance(callback, partial):
        return queued.func == callback.func and queued.args == callback.args
    return queued == callback
