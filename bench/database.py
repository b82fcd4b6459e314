"""The benchmark's own databases: created and marked by the harness, the only ones it will empty or drop.

`crm_bench` is marked by its comment when the harness creates it; its snapshots (bench.snapshot,
`crm_bench_seed_<scale>`) by a comment of their own. A database without the mark is not ours.
"""

from django.conf import settings
from django.db import connection

# Written as the database comment when the harness creates it; a database without it is not ours.
MARKER = "crm benchmark database, emptied and reseeded by `make bench`"
# The start of a snapshot's comment (the rest says which scale and seed it holds).
SNAPSHOT_MARKER = "crm benchmark snapshot, restored by `make bench`: "


def bench_database() -> str:
    """The benchmark database's name: bench.settings.BENCH_DATABASE (read from the settings, so that
    importing this module does not import bench.settings, which repoints the default database)."""
    return str(getattr(settings, "BENCH_DATABASE", "crm_bench"))


def snapshot_prefix() -> str:
    return f"{bench_database()}_seed_"


class NotOurDatabase(SystemExit):
    def __init__(self, problem: str) -> None:
        super().__init__(f"bench: refusing to run: {problem}")


def ensure_bench_database() -> str:
    """Create the benchmark database if missing; stop unless the connection points at it and it is ours."""
    name = bench_database()
    if connection.settings_dict["NAME"] != name:
        raise NotOurDatabase(
            f"the connection uses database {connection.settings_dict['NAME']!r}, not {name!r}."
        )
    quoted = connection.ops.quote_name(name)
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {quoted}")
            cursor.execute(f"COMMENT ON DATABASE {quoted} IS %s", [MARKER])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    if row is None or row[0] != name:
        raise NotOurDatabase(f"connected to {row[0] if row else 'nothing'!r} instead of {name!r}.")
    if row[1] != MARKER:
        raise NotOurDatabase(
            f"database {name!r} exists but was not created by the benchmark (its comment is {row[1]!r}). "
            f"Drop it or mark it with: COMMENT ON DATABASE {quoted} IS '{MARKER}';"
        )
    return name


def snapshot_comment(name: str) -> str | None:
    """The comment of database `name` (None if there is no such database); refuses one that is not ours."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = %s",
            [name],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    if not row[0].startswith(SNAPSHOT_MARKER):
        raise NotOurDatabase(
            f"database {name!r} exists but is not a benchmark snapshot (its comment is {row[0]!r}); "
            "drop or rename it, and the benchmark will take its snapshot under that name."
        )
    return str(row[0])


def drop_bench_database() -> str:
    """Drop the benchmark database and its snapshots, if they are ours (a few gigabytes at full scale)."""
    name = ensure_bench_database()
    connection.close()
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE {quote(name)}")
        cursor.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) "
            "AND starts_with(coalesce(shobj_description(oid, 'pg_database'), ''), %s) ORDER BY datname",
            [snapshot_prefix(), SNAPSHOT_MARKER],
        )
        snapshots = [snapshot for (snapshot,) in cursor.fetchall()]
        for snapshot in snapshots:
            cursor.execute(f"DROP DATABASE {quote(snapshot)}")
    return f"{name} and its snapshots {', '.join(snapshots)}" if snapshots else name
