"""The benchmark's own database: created and marked by the harness, and the only one it will empty."""

from django.db import connection

from bench.settings import BENCH_DATABASE

# Written as the database comment when the harness creates it; a database without it is not ours.
MARKER = "crm benchmark database, emptied and reseeded by `make bench`"


class NotOurDatabase(SystemExit):
    def __init__(self, problem: str) -> None:
        super().__init__(f"bench: refusing to run: {problem}")


def ensure_bench_database() -> str:
    """Create the benchmark database if missing; stop unless the connection points at it and it is ours."""
    name = BENCH_DATABASE
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


def drop_bench_database() -> str:
    """Drop the benchmark database, if it is ours (a full-scale one takes a few gigabytes)."""
    name = ensure_bench_database()
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE {connection.ops.quote_name(name)}")
    return name
