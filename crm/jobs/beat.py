"""One Celery beat per database: the beat holding a PostgreSQL advisory lock sends the schedule, any other
stands by.

Two beats on one database (a second `make run` against the same PostgreSQL, two deployments' beats)
would each send every periodic task. Each beat keeps a connection of its own and tries
`pg_try_advisory_lock(SCHEDULE_LOCK)` on it; the one that gets it sends, the others check again every
STANDBY_INTERVAL_S. A session lock ends with its connection, so a beat that dies, however it dies,
hands the schedule to a standby within seconds. The holder proves the connection alive before it sends;
if it has dropped, the lock went with it, and the beat stands by until it gets the lock again.

Started by `celery -A crm beat` through settings.CELERY_BEAT_SCHEDULER.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
from typing import Any

import psycopg
from celery.beat import PersistentScheduler
from django.db import connections

logger = logging.getLogger(__name__)

# pg_try_advisory_lock(int, int): the first key names the lock's owner in this project (the others:
# 5301, 5302, 7311, 7312, 72600001), the second the one schedule.
SCHEDULE_LOCK = (4_100, 0)
# How soon a standby beat notices that the holder is gone, and the longest a beat waits to retry after
# the database could not be reached.
STANDBY_INTERVAL_S = 5.0
# The lock's connection notices a silent network within about this long (TCP keepalives).
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
CONNECT_TIMEOUT_S = 5
APPLICATION_NAME = "crm-beat pid {pid} on {host}"
_APPLICATION_NAME_PATTERN = re.compile(r"crm-beat pid (?P<pid>\d+) on (?P<host>.+)")
# Django's connection parameters that are not libpq's.
_DJANGO_ONLY_PARAMETERS = ("context", "cursor_factory", "prepare_threshold")

_HOLDER_QUERY = """
    SELECT activity.application_name
    FROM pg_locks AS lock
    JOIN pg_database AS db ON db.oid = lock.database AND db.datname = current_database()
    LEFT JOIN pg_stat_activity AS activity ON activity.pid = lock.pid
    WHERE lock.locktype = 'advisory' AND lock.granted
      AND lock.classid::bigint = %s AND lock.objid::bigint = %s AND lock.objsubid = 2
"""


class SingleBeatScheduler(PersistentScheduler):
    """PersistentScheduler that sends only while it holds the database's schedule lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lock_connection: psycopg.Connection[Any] | None = None
        self._holds_lock = False
        # None until the first check, so the first state is logged too.
        self._active: bool | None = None
        self._database_unreachable = False
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._holds_schedule():
            return STANDBY_INTERVAL_S
        return float(super().tick(*args, **kwargs))

    def close(self) -> None:
        try:
            super().close()
        finally:
            # Ending the session releases the lock now rather than when the server notices.
            self._drop_connection()

    @property
    def info(self) -> str:
        return f"{super().info}\n    . one beat per database -> advisory lock {SCHEDULE_LOCK}"

    def _holds_schedule(self) -> bool:
        try:
            self._check_lock()
        except psycopg.Error as error:
            self._drop_connection()
            if not self._database_unreachable:
                logger.warning(
                    "beat: the database cannot be reached (%s); sending nothing until it can.", error
                )
                self._database_unreachable = True
        else:
            self._database_unreachable = False
        self._announce(active=self._holds_lock)
        return self._holds_lock

    def _check_lock(self) -> None:
        if self._lock_connection is None or self._lock_connection.closed:
            self._drop_connection()
            self._lock_connection = self._connect()
        if self._holds_lock:
            # A session lock lives as long as its connection: one that still answers still holds it.
            self._lock_connection.execute("SELECT 1")
            return
        row = self._lock_connection.execute("SELECT pg_try_advisory_lock(%s, %s)", SCHEDULE_LOCK).fetchone()
        self._holds_lock = bool(row and row[0])

    def _connect(self) -> psycopg.Connection[Any]:
        parameters = connections["default"].get_connection_params()
        for name in _DJANGO_ONLY_PARAMETERS:
            parameters.pop(name, None)
        application_name = APPLICATION_NAME.format(pid=os.getpid(), host=socket.gethostname())
        return psycopg.connect(
            **{"connect_timeout": CONNECT_TIMEOUT_S, **KEEPALIVE, **parameters},
            application_name=application_name[:63],  # PostgreSQL's limit
            autocommit=True,
        )

    def _drop_connection(self) -> None:
        self._holds_lock = False
        connection, self._lock_connection = self._lock_connection, None
        if connection is not None:
            with contextlib.suppress(psycopg.Error):
                connection.close()

    def _announce(self, *, active: bool) -> None:
        if active == self._active:
            return
        self._active = active
        if active:
            # Entries that fell due while another beat sent them are sent once now, then on their schedule.
            self._heap = None
            logger.info("beat: this beat sends the schedule (it holds advisory lock %s).", SCHEDULE_LOCK)
        else:
            logger.info(
                "beat: standing by: %s; checking again every %ss.", self._holder(), STANDBY_INTERVAL_S
            )

    def _holder(self) -> str:
        """Who holds the schedule, as far as PostgreSQL tells (it names the beat's pid and host)."""
        if self._lock_connection is None:
            return "the database cannot be reached"
        try:
            row = self._lock_connection.execute(_HOLDER_QUERY, SCHEDULE_LOCK).fetchone()
        except psycopg.Error:
            row = None
        match = _APPLICATION_NAME_PATTERN.fullmatch(row[0] or "") if row else None
        if match is None:
            return "another beat holds the schedule"
        return f"another beat holds the schedule (pid {match['pid']} on host {match['host']})"
