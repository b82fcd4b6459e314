"""The bulk tables' secondary indexes and foreign keys: dropped before the seed fills the tables, built
once afterwards (much faster than maintaining a million rows' trigram entries, or checking five million
timeline rows' keys, row by row), a few at a time on parallel connections.

The statements that rebuild them are journaled in `bench_seed_ddl` (a table of the benchmark's own,
which `flush` leaves alone), written in the transaction that drops them and deleted in the one that
runs them: a seed that stops halfway leaves them there, and the next seed runs them first, so no
index or key is ever lost.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from queue import Empty, SimpleQueue
from typing import TypeVar

from django.db import connection, transaction

TABLE = "bench_seed_ddl"
# Connections working at once in the parallel phases: the seed is CPU-bound on the server, which is
# usually this machine.
WORKERS = max(1, min(2, os.cpu_count() or 1))
# Index builds sort millions of rows: give them memory (each parallel session its own).
MAINTENANCE = ["SET maintenance_work_mem = '1GB'", "SET work_mem = '256MB'", "SET jit = off"]

T = TypeVar("T")


def in_parallel(jobs: list[Callable[[], T]], workers: int = WORKERS) -> list[T]:
    """Runs each job on a thread of its own with its own database connection; their results in order."""

    def run(job: Callable[[], T]) -> T:
        try:
            return job()
        finally:
            connection.close()  # this thread's connection

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        return [future.result() for future in futures]


def _ensure_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (name text PRIMARY KEY, relation text NOT NULL, "
            "kind text NOT NULL, statement text NOT NULL)"
        )


def drop(tables: list[str]) -> int:
    """Journals, then drops, the foreign keys and the indexes no constraint needs of `tables`."""
    _ensure_table()
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname, c.conrelid::regclass::text, 'key', "
            "format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname, "
            "pg_get_constraintdef(c.oid)) FROM pg_constraint AS c "
            "WHERE c.contype = 'f' AND c.conrelid = ANY(%(tables)s::regclass[]) "
            "UNION ALL SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, "
            "CASE WHEN a.amname = 'gin' THEN 'gin' ELSE 'index' END, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index AS i JOIN pg_class AS x ON x.oid = i.indexrelid "
            "JOIN pg_am AS a ON a.oid = x.relam "
            "WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)",
            {"tables": tables},
        )
        found = cursor.fetchall()
        for name, relation, kind, statement in found:
            cursor.execute(
                f"INSERT INTO {TABLE} (name, relation, kind, statement) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (name) DO NOTHING",
                [name, relation, kind, statement],
            )
        # Keys first: none of them needs an index that is not a constraint's.
        for name, relation, kind, _ in sorted(found, key=lambda row: row[2] != "key"):
            if kind == "key":
                cursor.execute(f"ALTER TABLE {relation} DROP CONSTRAINT {quote(name)}")
            else:
                cursor.execute(f"DROP INDEX {name}")
    return len(found)


def rebuild_jobs() -> list[Callable[[], None]]:
    """A job per journaled statement, the slowest first (trigram indexes, then the largest tables')."""
    _ensure_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.name, d.statement FROM {TABLE} AS d "
            "ORDER BY d.kind = 'gin' DESC, pg_relation_size(d.relation::regclass) DESC, d.kind, d.name"
        )
        return [partial(_run_journaled, name, statement) for name, statement in cursor.fetchall()]


def _run_journaled(name: str, statement: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
        cursor.execute(f"DELETE FROM {TABLE} WHERE name = %s", [name])


def rebuild(workers: int = WORKERS) -> int:
    """Runs every journaled statement; returns how many there were."""
    jobs = rebuild_jobs()
    run_queue(jobs, workers)
    return len(jobs)


def run_queue(jobs: list[Callable[[], None]], workers: int = WORKERS) -> None:
    """Runs the jobs in order on `workers` connections, each taking the next job when it is done with one;
    each connection has the memory of MAINTENANCE."""
    queue: SimpleQueue[Callable[[], None]] = SimpleQueue()
    for job in jobs:
        queue.put(job)

    def work() -> None:
        with connection.cursor() as cursor:
            for setting in MAINTENANCE:
                cursor.execute(setting)
        while True:
            try:
                job = queue.get_nowait()
            except Empty:
                return
            job()

    in_parallel([work] * min(workers, len(jobs)), workers)


def vacuum_analyze(tables: list[str], workers: int = WORKERS) -> None:
    """VACUUM (ANALYZE) each table, the largest first, a few at once: the statistics a planner needs,
    and the visibility map that lets index-only scans skip the heap, as on a database that has been
    running for a while."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t FROM unnest(%s::text[]) AS t ORDER BY pg_relation_size(t::regclass) DESC", [tables]
        )
        ordered = [table for (table,) in cursor.fetchall()]
    run_queue([partial(_vacuum, table) for table in ordered], workers)


def _vacuum(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")
