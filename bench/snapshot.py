"""Snapshots of the seeded benchmark database, one per scale, restored in seconds instead of seeding again.

After a seed, `crm_bench` is copied to `crm_bench_seed_<scale>` with CREATE DATABASE ... TEMPLATE (a
copy on the server). A later run restores it (drops `crm_bench` and copies the snapshot back)
when the data it needs is not there as seeded: after --reseed, after a run that left its writes
behind, or when switching back from another scale. A snapshot holds exactly what a seed would write
now (its comment records the seed's fingerprint: scale, seed code and migrations, bench.seed_state),
accepts no connections (so nothing ever keeps it from being copied), and is dropped by --drop.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection
from django.db.backends.utils import CursorWrapper

from bench.database import (
    MARKER,
    SNAPSHOT_MARKER,
    bench_database,
    ensure_bench_database,
    snapshot_comment,
    snapshot_prefix,
)
from bench.disk import size

# Bytes above which a database is copied file by file rather than through the WAL.
FILE_COPY_ABOVE = 2**30


class SnapshotInUse(SystemExit):
    pass


@dataclass(frozen=True)
class Snapshot:
    name: str
    scale: str
    fingerprint: str
    seconds: float  # how long the seed it holds took
    seeded_at: str
    size: int  # bytes


def name_for(scale: str) -> str:
    return f"{snapshot_prefix()}{scale}"


def find(scale: str) -> Snapshot | None:
    """The snapshot of `scale`, if there is one (refuses a database of its name that is not ours)."""
    name = name_for(scale)
    comment = snapshot_comment(name)
    if comment is None:
        return None
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_database_size(%s)", [name])
        size = int(cursor.fetchone()[0])
    try:
        meta = json.loads(comment.removeprefix(SNAPSHOT_MARKER))
        return Snapshot(name, meta["scale"], meta["fingerprint"], meta["seconds"], meta["seeded_at"], size)
    except (ValueError, KeyError, TypeError):  # a snapshot of an older harness: replaced by the next seed
        return Snapshot(name, scale, "", 0.0, "", size)


def _copy(cursor: CursorWrapper, source: str, target: str) -> None:
    """CREATE DATABASE target as a copy of source. PostgreSQL 15 writes a copy to the WAL by default:
    quick for a small database, but a large one is better copied file by file after a checkpoint."""
    quote = connection.ops.quote_name
    cursor.execute(
        "SELECT current_setting('server_version_num')::int >= 150000 AND pg_database_size(%s) > %s",
        [source, FILE_COPY_ABOVE],
    )
    strategy = " STRATEGY FILE_COPY" if cursor.fetchone()[0] else ""
    cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(source)}{strategy}")


def take(scale: str, *, fingerprint: str, seconds: float) -> Snapshot | None:
    """Copies the freshly seeded database to the scale's snapshot, replacing an older one."""
    name = name_for(scale)
    snapshot_comment(name)  # refuses a database of that name that is not ours
    began = time.perf_counter()
    meta = {
        "scale": scale,
        "fingerprint": fingerprint,
        "seconds": seconds,
        "seeded_at": time.strftime("%Y-%m-%d %H:%M"),
    }
    quote = connection.ops.quote_name
    connection.close()  # the copy needs crm_bench without connections
    try:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
            _copy(cursor, bench_database(), name)
            cursor.execute(f"COMMENT ON DATABASE {quote(name)} IS %s", [SNAPSHOT_MARKER + json.dumps(meta)])
            cursor.execute(f"ALTER DATABASE {quote(name)} WITH ALLOW_CONNECTIONS false")
    except DatabaseError as error:
        print(f"bench: took no snapshot of the seed ({_first_line(error)}); the next --reseed seeds again")
        return None
    snapshot = find(scale)
    if snapshot is not None:
        print(
            f"bench: copied the seed to snapshot {name} ({size(snapshot.size)}) in "
            f"{time.perf_counter() - began:.1f} s: --reseed, or a run after one that left its writes "
            "behind, restores it instead of seeding"
        )
    return snapshot


def drop(snapshot: Snapshot) -> None:
    snapshot_comment(snapshot.name)  # still ours
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(snapshot.name)}")


def restore(snapshot: Snapshot) -> float:
    """Replaces crm_bench (which must be ours) with a copy of `snapshot`; returns the seconds it took."""
    ensure_bench_database()
    began = time.perf_counter()
    quote = connection.ops.quote_name
    connection.close()
    with connection._nodb_cursor() as cursor:
        _refuse_if_in_use(cursor)
        try:
            cursor.execute(f"DROP DATABASE {quote(bench_database())}")
        except DatabaseError as error:  # a session connected since the check
            raise SnapshotInUse(f"bench: cannot restore {snapshot.name}: {_first_line(error)}") from None
        try:
            _copy(cursor, snapshot.name, bench_database())
            cursor.execute(f"COMMENT ON DATABASE {quote(bench_database())} IS %s", [MARKER])
        except DatabaseError as error:
            raise SystemExit(
                f"bench: restoring {snapshot.name} failed ({_first_line(error)}); {bench_database()} is "
                "gone, and the next run creates and seeds it again."
            ) from None
    ContentType.objects.clear_cache()  # the ids are the snapshot's
    return time.perf_counter() - began


def _refuse_if_in_use(cursor: CursorWrapper) -> None:
    cursor.execute(
        "SELECT pid, coalesce(nullif(application_name, ''), 'a client'), state FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        [bench_database()],
    )
    sessions = cursor.fetchall()
    if sessions:
        listed = ", ".join(f"{application} (pid {pid}, {state})" for pid, application, state in sessions)
        raise SnapshotInUse(
            f"bench: cannot restore the seeded data: {len(sessions)} other session(s) are connected to "
            f"{bench_database()}: {listed}. Stop them and run again, or run on the data as it is "
            "with --no-seed."
        )


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
