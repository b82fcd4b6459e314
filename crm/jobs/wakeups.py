"""Waking a worker once the caller's transaction commits: once per distinct call, however often asked."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper


def on_commit_once(func: Callable[..., Any], *args: Any) -> None:
    """Runs `func(*args)` after commit (at once outside a transaction), unless the transaction has it
    queued already: a service that captures a lead and then records its form submission asks for one
    rescore twice, and the worker should do it once."""
    connection = transaction.get_connection()
    call = partial(func, *args)
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
