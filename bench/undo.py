"""Undoing a scenario's inserts: every table's largest id before it ran, and a delete of the rows above.

Tables are found in the catalogue (every table of the schema with a one-column integer primary key), so
rows a scenario writes through code it does not know about (an event, a notification, a history row)
are deleted too; referencing tables are emptied before the tables they reference.
"""

from __future__ import annotations

from graphlib import TopologicalSorter

from django.db import connection, transaction

PRIMARY_KEYS = """
SELECT c.relname, a.attname FROM pg_constraint AS k
JOIN pg_class AS c ON c.oid = k.conrelid
JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = k.conkey[1]
WHERE k.contype = 'p' AND cardinality(k.conkey) = 1 AND c.relnamespace = current_schema()::regnamespace
  AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
ORDER BY c.relname
"""
FOREIGN_KEYS = """
SELECT k.conrelid::regclass::text, k.confrelid::regclass::text FROM pg_constraint AS k
WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace
"""


def _keys() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(PRIMARY_KEYS)
        return dict(cursor.fetchall())


def watermarks() -> dict[str, int]:
    """{table: largest primary key} for every table with an integer primary key."""
    keys = _keys()
    quote = connection.ops.quote_name
    if not keys:
        return {}
    parts = [
        f"SELECT %s, COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}" for table, column in keys.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), list(keys))
        return {table: int(largest) for table, largest in cursor.fetchall()}


def delete_above(before: dict[str, int], *, keep: tuple[str, ...] = ()) -> dict[str, int]:
    """Deletes the rows inserted since `before` was taken, except in `keep`; returns {table: rows}."""
    after = watermarks()
    grown = {
        table: before.get(table, 0)
        for table, largest in after.items()
        if largest > before.get(table, 0) and table not in keep
    }
    if not grown:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(FOREIGN_KEYS)
        references = cursor.fetchall()
    # A referencing table goes first: each table "depends on" the tables that reference it.
    graph: dict[str, set[str]] = {table: set() for table in grown}
    for child, parent in references:
        child, parent = child.strip('"'), parent.strip('"')
        if child != parent and child in grown and parent in grown:
            graph[parent].add(child)
    keys = _keys()
    quote = connection.ops.quote_name
    deleted: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TopologicalSorter(graph).static_order():
            cursor.execute(f"DELETE FROM {quote(table)} WHERE {quote(keys[table])} > %s", [grown[table]])
            deleted[table] = cursor.rowcount
    return deleted


def vacuum(tables: list[str]) -> None:
    """VACUUM (ANALYZE) each table once: the dead rows of a scenario are not the next run's problem."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in dict.fromkeys(tables):
            cursor.execute(f"VACUUM (ANALYZE) {quote(table)}")
